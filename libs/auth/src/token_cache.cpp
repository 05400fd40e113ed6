#include "token_cache.hpp"

#include <functional>

namespace tongban::auth {
namespace {

std::uint64_t hash(std::string_view token) { return std::hash<std::string_view>{}(token); }

}  // namespace

TokenCache::TokenCache(std::size_t max_entries)
    : per_shard_((max_entries + kShards - 1) / kShards), shards_(kShards) {}

std::shared_ptr<const Claims> TokenCache::find(std::string_view token, std::int64_t now,
                                               std::uint64_t key_version) const {
  if (per_shard_ == 0) return nullptr;
  const std::uint64_t h = hash(token);
  Shard& s = shard(h);
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(h);
  if (it == s.entries.end()) return nullptr;
  const Entry& e = it->second;
  if (e.key_version != key_version || now >= e.usable_until || e.token != token) return nullptr;
  return e.claims;
}

void TokenCache::insert(std::string_view token, std::shared_ptr<const Claims> claims,
                        std::int64_t usable_until, std::uint64_t key_version, std::int64_t now) {
  if (per_shard_ == 0) return;
  const std::uint64_t h = hash(token);
  Shard& s = shard(h);
  std::lock_guard lock(s.mu);
  if (s.entries.size() >= per_shard_ && !s.entries.contains(h)) {
    // Full: first drop what can no longer be used, then, if still full, an eighth of the
    // shard in table order (cheap, roughly random), so the sweep runs once per many
    // inserts rather than on each one.
    std::erase_if(s.entries, [&](const auto& kv) {
      return kv.second.usable_until <= now || kv.second.key_version != key_version;
    });
    if (s.entries.size() >= per_shard_) {
      std::size_t drop = per_shard_ / 8 + 1;
      for (auto it = s.entries.begin(); it != s.entries.end() && drop > 0; --drop) {
        it = s.entries.erase(it);
      }
    }
  }
  s.entries.insert_or_assign(
      h, Entry{std::string(token), std::move(claims), usable_until, key_version});
}

std::size_t TokenCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

}  // namespace tongban::auth

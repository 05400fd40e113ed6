// Verified tokens → their claims until exp, so a repeat verification is one hash lookup.
// Private to the Verifier.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tongban/auth/claims.hpp"

namespace tongban::auth {

class TokenCache {
 public:
  explicit TokenCache(std::size_t max_entries);

  // The claims of `token` if it was verified under key-set `key_version` and is still
  // usable at `now` (seconds) — nullptr otherwise.
  std::shared_ptr<const Claims> find(std::string_view token, std::int64_t now,
                                     std::uint64_t key_version) const;
  // `usable_until`: exp + leeway, in seconds.
  void insert(std::string_view token, std::shared_ptr<const Claims> claims,
              std::int64_t usable_until, std::uint64_t key_version, std::int64_t now);
  std::size_t size() const;
  bool enabled() const { return per_shard_ > 0; }

 private:
  struct Entry {
    // The whole token is compared on a hit: the 64-bit hash only picks the slot, so a
    // collision can never hand one bearer another's claims.
    std::string token;
    std::shared_ptr<const Claims> claims;
    std::int64_t usable_until = 0;
    std::uint64_t key_version = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::uint64_t, Entry> entries;
  };
  static constexpr std::size_t kShards = 64;
  Shard& shard(std::uint64_t h) const { return shards_[h >> 58]; }  // top 6 bits

  std::size_t per_shard_;
  mutable std::vector<Shard> shards_;
};

}  // namespace tongban::auth

#include "repo/reference_cache.hpp"

namespace tongban::delegation {
namespace {

// Item codes × cities bound the keys; past this the cache starts over rather than grow.
constexpr std::size_t kMaxEntries = 100'000;

}  // namespace

ReferenceCache::ReferenceCache(CaseRepo& repo, std::chrono::milliseconds ttl)
    : repo_(repo), ttl_(ttl) {}

template <class T, class Load>
Result<T> ReferenceCache::get(std::map<std::string, Entry<T>>& entries, const std::string& key,
                              CachedOnly* cached_only, Load load) {
  const auto missed = [&]() -> Result<T> {
    cached_only->missed = true;
    return fail(Error::unavailable("not in the reference cache"));
  };
  if (ttl_.count() <= 0) return cached_only ? missed() : load();
  const auto now = std::chrono::steady_clock::now();
  // Read before loading: a write that lands while we load bumps it, so what we store is
  // already outdated and the next read loads again.
  const auto generation = repo_.reference_generation();
  {
    std::lock_guard lock(mu_);
    auto it = entries.find(key);
    if (it != entries.end() && it->second.generation == generation &&
        now - it->second.read_at < ttl_) {
      return it->second.value;
    }
  }
  if (cached_only) return missed();
  auto loaded = load();
  if (!loaded) return loaded;
  std::lock_guard lock(mu_);
  if (entries.size() >= kMaxEntries) entries.clear();
  entries[key] = Entry<T>{*loaded, now, generation};
  return loaded;
}

Result<std::shared_ptr<const CatalogItem>> ReferenceCache::item(const std::string& code,
                                                                CachedOnly* cached_only) {
  return get(items_, code, cached_only, [&]() -> Result<std::shared_ptr<const CatalogItem>> {
    auto found = repo_.item(code);
    if (!found) return fail(std::move(found.error()));
    if (!*found) return nullptr;
    return std::make_shared<const CatalogItem>(std::move(**found));
  });
}

Result<std::optional<int>> ReferenceCache::implementation(const std::string& code,
                                                          const std::string& city,
                                                          CachedOnly* cached_only) {
  return get(implementations_, code + "|" + city, cached_only,
             [&] { return repo_.implementation(code, city); });
}

Result<std::shared_ptr<const Agreement>> ReferenceCache::agreement_of_pair(
    const std::string& a, const std::string& b, CachedOnly* cached_only) {
  const auto& lo = a < b ? a : b;
  const auto& hi = a < b ? b : a;
  return get(agreements_, lo + "|" + hi, cached_only,
             [&]() -> Result<std::shared_ptr<const Agreement>> {
               auto id = repo_.agreement_of_pair(lo, hi);
               if (!id) return fail(std::move(id.error()));
               if (!*id) return nullptr;
               auto found = repo_.agreement(**id);
               if (!found) return fail(std::move(found.error()));
               if (!*found) return nullptr;
               return std::make_shared<const Agreement>(std::move((*found)->first));
             });
}

}  // namespace tongban::delegation

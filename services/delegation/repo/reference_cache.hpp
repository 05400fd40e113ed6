// What every submission reads besides the case itself — the item, the accepting city's
// implementation, the pair's agreement — changes seldom, so a node keeps what it read from
// Redis for a short while instead of paying three or four round trips per submission.
// Writes through this process's CaseRepo (its consumers, its agreement commands) clear the
// cache at once; another replica's writes show within the time to live.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "domain/agreement.hpp"
#include "repo/case_repo.hpp"

namespace tongban::delegation {

class ReferenceCache {
 public:
  // ttl 0: every read goes to Redis.
  ReferenceCache(CaseRepo& repo, std::chrono::milliseconds ttl);

  // Given to a read, keeps it to what the cache holds, for a caller on the I/O thread: a
  // value not held (or too old) is not loaded from Redis; the read fails and `missed` says
  // the caller must go to a thread that may wait. Null: a miss is loaded.
  struct CachedOnly {
    bool missed = false;
  };

  // Shared, never copied: a submission reads them and an agreement is its versions with their
  // rule maps (copying one per submission was a tenth of delegation's allocations). null: none.
  Result<std::shared_ptr<const CatalogItem>> item(const std::string& code,
                                                  CachedOnly* cached_only = nullptr);
  // The accepting city's promised limit in working days, when it published one.
  Result<std::optional<int>> implementation(const std::string& code, const std::string& city,
                                            CachedOnly* cached_only = nullptr);
  // The pair's open agreement (else the last one it had), either order of the cities.
  Result<std::shared_ptr<const Agreement>> agreement_of_pair(const std::string& a,
                                                             const std::string& b,
                                                             CachedOnly* cached_only = nullptr);

 private:
  template <class T>
  struct Entry {
    T value;
    std::chrono::steady_clock::time_point read_at;
    std::uint64_t generation = 0;  // CaseRepo's reference generation when the read began
  };
  template <class T, class Load>
  Result<T> get(std::map<std::string, Entry<T>>& entries, const std::string& key,
                CachedOnly* cached_only, Load load);

  CaseRepo& repo_;
  std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::map<std::string, Entry<std::shared_ptr<const CatalogItem>>> items_;
  std::map<std::string, Entry<std::optional<int>>> implementations_;
  std::map<std::string, Entry<std::shared_ptr<const Agreement>>> agreements_;
};

}  // namespace tongban::delegation

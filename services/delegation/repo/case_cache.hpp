// The cases this node wrote or read lately, so a command on a case it just wrote (the next
// step of a life cycle) is prepared without reading the case back from Redis first.
//
// Safe beside other writers of the same cases (replicas of a node sharing its Redis): a
// command prepared from a cached case is written with the compare-and-set on its version, so
// a cached case that is behind makes the write stale rather than wrong, and the caller reads
// the case again and prepares once more. A refusal prepared from a cached case is checked
// the same way before it is answered (Delegation::run_command).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "repo/records.hpp"

namespace tongban::delegation {

// How often a delegation process ages its case cache (CaseCache::age).
inline constexpr std::chrono::seconds kCaseCacheAging{30};

class CaseCache {
 public:
  // Holds up to `capacity` cases (0: none). Evicts in halves: when the newer half is full
  // the older one is dropped, so a case used again recently stays.
  explicit CaseCache(std::size_t capacity) : half_(capacity / 2 + capacity % 2) {}

  std::shared_ptr<const CaseRecord> find(const std::string& id);
  // What this node wrote: replaces what is held unless that is a later version (answers on
  // different connections may arrive in either order). The same version may be written again
  // with another holder (the hand-off).
  void put_written(std::shared_ptr<const CaseRecord> c);
  // What a read found: kept only if nothing of its version or later is held (a read sent
  // before a write may be answered after it).
  void put_read(std::shared_ptr<const CaseRecord> c);
  void forget(const std::string& id);
  // Drops the older half and makes the newer one the older: called every kCaseCacheAging, a
  // case neither written nor read for two calls leaves, so an idle process gives its memory
  // back.
  void age();
  std::size_t size() const;
  bool enabled() const { return half_ > 0; }

 private:
  using Map = std::unordered_map<std::string, std::shared_ptr<const CaseRecord>>;
  void put(std::shared_ptr<const CaseRecord> c, bool replace_same_version);
  // Returns the half it dropped, to be freed outside the lock.
  Map insert_young(std::shared_ptr<const CaseRecord> c);

  const std::size_t half_;
  mutable std::mutex mu_;
  Map young_, old_;
};

}  // namespace tongban::delegation

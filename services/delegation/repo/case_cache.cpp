#include "repo/case_cache.hpp"

namespace tongban::delegation {

std::shared_ptr<const CaseRecord> CaseCache::find(const std::string& id) {
  if (!enabled()) return nullptr;
  Map dropped;
  std::lock_guard lock(mu_);
  if (auto it = young_.find(id); it != young_.end()) return it->second;
  auto it = old_.find(id);
  if (it == old_.end()) return nullptr;
  auto c = std::move(it->second);
  old_.erase(it);
  dropped = insert_young(c);  // used again: it survives the next eviction
  return c;
}

void CaseCache::put_written(std::shared_ptr<const CaseRecord> c) { put(std::move(c), true); }
void CaseCache::put_read(std::shared_ptr<const CaseRecord> c) { put(std::move(c), false); }

void CaseCache::put(std::shared_ptr<const CaseRecord> c, bool replace_same_version) {
  if (!enabled() || !c) return;
  const auto newer = [&](const CaseRecord& held) {
    return c->version > held.version || (replace_same_version && c->version == held.version);
  };
  Map dropped;  // declared before the lock: freed after it is released
  std::lock_guard lock(mu_);
  if (auto it = young_.find(c->id); it != young_.end()) {
    if (newer(*it->second)) it->second = std::move(c);
    return;
  }
  if (auto it = old_.find(c->id); it != old_.end()) {
    if (!newer(*it->second)) c = it->second;
    old_.erase(it);
  }
  dropped = insert_young(std::move(c));
}

CaseCache::Map CaseCache::insert_young(std::shared_ptr<const CaseRecord> c) {
  Map dropped;
  if (young_.size() >= half_) {
    dropped = std::exchange(old_, std::exchange(young_, Map{}));
  }
  auto id = c->id;
  young_.emplace(std::move(id), std::move(c));
  return dropped;
}

void CaseCache::forget(const std::string& id) {
  if (!enabled()) return;
  std::lock_guard lock(mu_);
  young_.erase(id);
  old_.erase(id);
}

void CaseCache::age() {
  Map dropped;  // freed after the lock is released
  std::lock_guard lock(mu_);
  dropped = std::exchange(old_, std::exchange(young_, Map{}));
}

std::size_t CaseCache::size() const {
  std::lock_guard lock(mu_);
  return young_.size() + old_.size();
}

}  // namespace tongban::delegation

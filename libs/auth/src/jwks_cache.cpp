#include "tongban/auth/jwks_cache.hpp"

#include <openssl/evp.h>

#include <algorithm>

#include "tongban/core/log.hpp"

namespace tongban::auth {
namespace {

bool same_keys(const Jwks& a, const Jwks& b) {
  if (a.size() != b.size()) return false;
  for (const auto& kid : a.kids()) {
    const Jwk* x = a.find(kid);
    const Jwk* y = b.find(kid);
    if (y == nullptr || x->alg != y->alg || EVP_PKEY_eq(x->key.get(), y->key.get()) != 1) {
      return false;
    }
  }
  return true;
}

}  // namespace

JwksCache::JwksCache(Fetch fetch, const Clock& clock, JwksCacheOptions options)
    : fetch_(std::move(fetch)),
      clock_(clock),
      options_(options),
      snapshot_(std::make_shared<const KeySet>()) {}

std::shared_ptr<const KeySet> JwksCache::current() const {
  std::lock_guard lock(snapshot_mu_);
  return snapshot_;
}

Result<void> JwksCache::refresh() {
  std::lock_guard lock(refresh_mu_);
  return refresh_locked();
}

Result<void> JwksCache::refresh_locked() {
  last_attempt_ = clock_.now();
  attempted_ = true;
  attempts_.fetch_add(1, std::memory_order_relaxed);
  auto failed = [&](Error e) -> Result<void> {
    failures_.fetch_add(1, std::memory_order_relaxed);
    log::warn("jwks refresh failed, keeping the current keys",
              {{"error", e.message}, {"keys", current()->keys.size()}});
    return fail(std::move(e));
  };

  auto body = fetch_ ? fetch_() : Result<std::string>(fail(Error::unavailable("no JWKS source")));
  if (!body) return failed(std::move(body.error()));
  auto parsed = Jwks::parse(*body);
  if (!parsed) return failed(std::move(parsed.error()));
  for (const auto& s : parsed->skipped()) log::warn("jwks key skipped", {{"reason", s}});
  if (parsed->empty()) {
    return failed(Error::unavailable("JWKS holds no usable signing key"));
  }

  auto old = current();
  if (same_keys(old->keys, *parsed)) return {};
  auto next = std::make_shared<KeySet>();
  next->keys = std::move(*parsed);
  next->version = old->version + 1;
  next->fetched_at = last_attempt_;
  auto kids = next->keys.kids();
  std::sort(kids.begin(), kids.end());
  std::string kid_list;
  for (const auto& k : kids) kid_list += (kid_list.empty() ? "" : ",") + k;
  {
    std::lock_guard lock(snapshot_mu_);
    snapshot_ = std::move(next);
    version_.store(snapshot_->version, std::memory_order_release);
  }
  log::info("jwks keys changed", {{"kids", kid_list}, {"version", version()}});
  return {};
}

JwksCache::Lookup JwksCache::find(std::string_view kid) {
  auto snap = current();
  if (const Jwk* k = snap->keys.find(kid)) {
    return {std::shared_ptr<const Jwk>(snap, k), snap->version};
  }
  {
    std::lock_guard lock(refresh_mu_);
    // Another thread may have fetched while we waited for the lock.
    if (version() == snap->version &&
        (!attempted_ || clock_.now() - last_attempt_ >= options_.min_refresh_interval)) {
      (void)refresh_locked();
    }
  }
  snap = current();
  if (const Jwk* k = snap->keys.find(kid)) {
    return {std::shared_ptr<const Jwk>(snap, k), snap->version};
  }
  return {nullptr, snap->version};
}

}  // namespace tongban::auth

// identity's signing keys: shared by every replica through Redis, published as JWKS,
// rotated without a window in which verifiers meet an unknown kid.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tongban/auth/signer.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::identity {

struct KeyRingOptions {
  auth::Alg alg = auth::Alg::ES256;
  // A rotated-in key is published this long before it signs: verifiers refresh their
  // JWKS on an unknown kid at most every 10 s, so by then they all can have it.
  std::chrono::seconds activation_delay{30};
  // A superseded key stays in the JWKS until its last tokens have expired.
  std::chrono::seconds publish_after_superseded{std::chrono::minutes(15) + std::chrono::minutes(5)};
};

class KeyRing {
 public:
  KeyRing(store::Redis& redis, const Clock& clock, KeyRingOptions options = {});

  // Reads the keys from Redis; the first replica ever creates the first key.
  Result<void> load();
  // Adds a new key that becomes the signing key after activation_delay; drops keys whose
  // tokens can no longer be valid. Returns the new kid.
  Result<std::string> rotate();

  // Signs with the newest active key.
  Result<std::string> sign(const boost::json::object& claims) const;
  // {"keys":[...]}: every key that may have signed a still-valid token, and the next one.
  std::string jwks_json() const;
  std::string active_kid() const;

 private:
  struct Entry {
    std::shared_ptr<const auth::Signer> signer;
    Clock::time_point created_at;
    Clock::time_point activates_at;
  };
  static Result<Entry> parse_entry(const std::string& kid, const std::string& json);
  const Entry* active_locked(Clock::time_point now) const;
  bool published_locked(const Entry& e, Clock::time_point now) const;
  Result<std::string> add_key(Clock::time_point activates_at, bool only_if_empty);

  store::Redis& redis_;
  const Clock& clock_;
  KeyRingOptions options_;
  std::string hash_key_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  // sorted by activates_at
};

}  // namespace tongban::identity

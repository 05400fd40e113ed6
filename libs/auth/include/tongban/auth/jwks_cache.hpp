// identity's public keys as this service last saw them: fetched through an injected
// function, versioned, refreshed on an unknown kid (rate-limited), and kept when a fetch
// fails, so identity being down does not stop verification (SPEC §4, degrade don't fail).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "tongban/auth/jwk.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::auth {

struct JwksCacheOptions {
  // An unknown kid triggers at most one fetch per interval: a stream of tokens with made-up
  // kids must not turn into a stream of requests to identity.
  std::chrono::seconds min_refresh_interval{10};
};

// An immutable snapshot of the key set; `version` grows each time the keys change.
struct KeySet {
  Jwks keys;
  std::uint64_t version = 0;
  Clock::time_point fetched_at{};
};

class JwksCache {
 public:
  // Returns the JWKS document body (libs/service wires http::Client GET
  // <identity>/.well-known/jwks.json into it). Called from refresh() on the caller's thread;
  // it must carry its own deadline.
  using Fetch = std::function<Result<std::string>()>;

  JwksCache(Fetch fetch, const Clock& clock, JwksCacheOptions options = {});

  // Fetches now, whatever the rate limit (start-up, and a periodic timer in libs/service).
  // On a failed fetch, an unparsable document or one without a usable key, the current
  // keys stay and the error is returned. Keys absent from a good document are dropped:
  // that is how a retired or compromised key stops verifying.
  Result<void> refresh();

  // The key for `kid`; when unknown, one refresh unless another was attempted within
  // min_refresh_interval (concurrent callers wait for that one fetch), then a second look.
  // key is null when still unknown. The Jwk shares ownership with its snapshot.
  struct Lookup {
    std::shared_ptr<const Jwk> key;
    std::uint64_t version = 0;  // of the snapshot the key came from
  };
  Lookup find(std::string_view kid);

  std::shared_ptr<const KeySet> current() const;
  // Cheap: lets the verified-token cache notice that keys changed.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  std::uint64_t fetch_attempts() const { return attempts_.load(std::memory_order_relaxed); }
  std::uint64_t fetch_failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  Result<void> refresh_locked();  // refresh_mu_ held

  Fetch fetch_;
  const Clock& clock_;
  JwksCacheOptions options_;

  std::mutex refresh_mu_;  // one fetch at a time; guards last_attempt_
  Clock::time_point last_attempt_{};
  bool attempted_ = false;

  mutable std::mutex snapshot_mu_;  // guards snapshot_ (a pointer swap, never held long)
  std::shared_ptr<const KeySet> snapshot_;
  std::atomic<std::uint64_t> version_{0};
  std::atomic<std::uint64_t> attempts_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace tongban::auth

// Tokens revoked before their expiry: single tokens by jti (logout) and every token of a
// subject issued before a moment (logout-all, refresh-family reuse). Fed from identity's
// revocation events on Kafka; read on every verification, cached or not.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tongban/core/clock.hpp"

namespace tongban::auth {

struct Claims;

class RevocationList {
 public:
  // `jti` stays revoked until `expires_at` (the token's exp): after that the token fails
  // on exp anyway and the entry can go.
  void revoke_token(std::string_view jti, Clock::time_point expires_at);
  // Every token of `sub` with iat at or before `before` (NumericDate seconds, so a token
  // issued in the same second as the revocation is revoked too — fail closed). A later
  // call with an earlier moment does not move the cut back.
  void revoke_subject_before(std::string_view sub, Clock::time_point before);

  bool is_token_revoked(std::string_view jti) const;
  bool is_revoked(const Claims& claims) const;

  // Drops jti entries past their expiry and subject entries older than the longest token
  // lifetime (no token issued before them can still be valid), each with 5 minutes of
  // slack beyond any verifier leeway. Returns entries removed; call it from a timer.
  std::size_t purge(Clock::time_point now, std::chrono::seconds max_token_lifetime);

  std::size_t size() const { return entries_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kStripes = 16;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>>;
  struct Stripe {
    mutable std::shared_mutex mu;
    Map jtis;      // jti -> exp (seconds)
    Map subjects;  // sub -> revoked at or before (seconds)
  };
  Stripe& stripe(std::string_view key) const;

  mutable std::array<Stripe, kStripes> stripes_;
  // Lets the hot path skip all locking while nothing is revoked.
  std::atomic<std::size_t> entries_{0};
};

}  // namespace tongban::auth

// Shared pieces of the auth tests: a JWKS served from memory, a manual clock, and helpers
// that build tokens by hand (including the forged ones).
#pragma once

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "tongban/auth/base64url.hpp"
#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/auth/signer.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::auth::test {

inline constexpr std::string_view kIssuer = "https://identity.tongban.test";
inline constexpr std::string_view kAudience = "delegation";
// 2026-11-26T00:00:00Z
inline const Clock::time_point kStart{std::chrono::seconds(1795651200)};

inline std::int64_t secs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A staff member's access token claims valid for 15 minutes from `now`.
inline boost::json::object staff_claims(Clock::time_point now, std::string jti = "jti-1") {
  const auto t = secs(now);
  return boost::json::object{{"iss", kIssuer},
                             {"sub", "staff-0001"},
                             {"sub_type", "staff"},
                             {"aud", boost::json::array{"delegation", "catalog"}},
                             {"roles", boost::json::array{"clerk", "examiner"}},
                             {"scope", "cases:read cases:write"},
                             {"city", "440300"},
                             {"dept", "shenzhen-gov-service-center"},
                             {"acr", "L2"},
                             {"jti", jti},
                             {"iat", t},
                             {"nbf", t},
                             {"exp", t + 900}};
}

inline std::string b64(std::string_view s) { return base64url::encode(s); }
inline std::string b64json(const boost::json::object& o) {
  return base64url::encode(boost::json::serialize(o));
}

// header.payload.signature from parts, signature bytes given raw.
inline std::string assemble(const boost::json::object& header, const boost::json::object& payload,
                            std::string_view sig) {
  return b64json(header) + "." + b64json(payload) + "." + b64(sig);
}

inline std::string jwks_of(std::initializer_list<const Signer*> signers) {
  boost::json::array keys;
  for (const auto* s : signers) keys.push_back(s->public_jwk().to_json());
  return boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
}

inline Signer make_signer(Alg alg, std::string kid) {
  auto s = Signer::generate(alg, std::move(kid));
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

// One service's verification stack over a JWKS the test controls.
struct Stack {
  explicit Stack(std::string jwks, VerifierOptions opts = default_options())
      : document(std::move(jwks)),
        keys(
            [this]() -> Result<std::string> {
              ++fetches;
              if (fetch_fails) return fail(Error::unavailable("identity is down"));
              return document;
            },
            clock),
        verifier(keys, revocations, clock, std::move(opts)) {
    (void)keys.refresh();  // the start-up fetch; tests of a failing one check it themselves
  }

  static VerifierOptions default_options() {
    VerifierOptions o;
    o.issuer = std::string(kIssuer);
    o.audiences = {std::string(kAudience)};
    return o;
  }

  ManualClock clock{kStart};
  std::string document;
  int fetches = 0;
  bool fetch_fails = false;
  JwksCache keys;
  RevocationList revocations;
  Verifier verifier;
};

// The rule of a failed verification, or "ok".
inline std::string outcome(const Result<Principal>& r) {
  if (r) return "ok";
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  return r.error().rule;
}

}  // namespace tongban::auth::test

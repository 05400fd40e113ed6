// Verifies identity's access tokens locally: JWS compact form, signature by a JWKS key
// (the key fixes the algorithm), time claims with leeway, issuer and audience, revocation;
// a verified token is cached until it expires. Failures are 401s naming the rule broken.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/auth/claims.hpp"
#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::auth {

class TokenCache;

struct VerifierOptions {
  // Required value of "iss" (identity's public URL). Empty skips the check: the key set
  // already pins identity as the only signer; set it anyway in every service.
  std::string issuer;
  // "aud" must name at least one of these. Empty skips the check.
  std::vector<std::string> audiences;
  // Clock skew tolerated on exp, nbf and iat.
  std::chrono::seconds leeway{30};
  // Verified tokens kept (each ~1 KB: the token text plus its claims). 0 disables.
  std::size_t cache_entries = 100'000;
  // Longer tokens are rejected before any decoding.
  std::size_t max_token_bytes = 8192;
};

// Rule names carried in Error::rule (field "token"), for the 401 problem document.
namespace rule {
inline constexpr std::string_view kMalformed = "malformed_token";
inline constexpr std::string_view kTooLarge = "token_too_large";
inline constexpr std::string_view kAlgNotAllowed = "alg_not_allowed";
inline constexpr std::string_view kUnsupportedHeader = "unsupported_header";
inline constexpr std::string_view kUnknownKid = "unknown_kid";
inline constexpr std::string_view kBadSignature = "bad_signature";
inline constexpr std::string_view kExpired = "token_expired";
inline constexpr std::string_view kNotYetValid = "token_not_yet_valid";
inline constexpr std::string_view kIssuedInFuture = "token_issued_in_future";
inline constexpr std::string_view kWrongIssuer = "wrong_issuer";
inline constexpr std::string_view kWrongAudience = "wrong_audience";
inline constexpr std::string_view kRevoked = "token_revoked";
inline constexpr std::string_view kMissingClaim = "missing_claim";
inline constexpr std::string_view kInvalidClaim = "invalid_claim";
inline constexpr std::string_view kMissingBearer = "missing_bearer_token";
}  // namespace rule

class Verifier {
 public:
  // The references must outlive the Verifier (libs/service owns all four).
  Verifier(JwksCache& keys, const RevocationList& revocations, const Clock& clock,
           VerifierOptions options = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // Thread-safe. May block on one JWKS fetch when the token names an unknown kid (at
  // most once per JwksCacheOptions::min_refresh_interval across all callers).
  Result<Principal> verify(std::string_view token) const;
  // verify()'s answer when it needs no work: the token was verified before and is still
  // cached (its expiry and revocation are checked again), or is refused on its size alone.
  // nullopt: it would have to be verified — for a caller on an I/O thread, which must not
  // wait for a JWKS fetch.
  std::optional<Result<Principal>> verify_if_cached(std::string_view token) const;

  std::size_t cache_size() const;

 private:
  Result<Principal> admit(std::shared_ptr<const Claims> claims) const;
  Result<std::shared_ptr<const Claims>> verify_uncached(std::string_view token,
                                                        std::int64_t now) const;

  JwksCache& keys_;
  const RevocationList& revocations_;
  const Clock& clock_;
  VerifierOptions options_;
  std::unique_ptr<TokenCache> cache_;
};

// The raw JWS signature check (ES256 raw r||s, EdDSA, RS256 PKCS#1 v1.5) of `signing_input`
// with `key`: what verify() does per token, for other signed statements (datahub's audit
// checkpoints).
bool verify_signature(const Jwk& key, std::string_view signing_input, std::string_view signature);

// The token of an "Authorization: Bearer <token>" header (scheme case-insensitive,
// RFC 6750 §2.1). Errors name the field "Authorization", rule "missing_bearer_token".
Result<std::string_view> bearer_token(std::string_view authorization);

}  // namespace tongban::auth

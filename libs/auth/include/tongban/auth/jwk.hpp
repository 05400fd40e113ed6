// Public keys of a JWKS document (RFC 7517) as OpenSSL 3 keys, each bound to the one
// algorithm it may verify: the key decides the algorithm, never the token header.
#pragma once

#include <openssl/types.h>

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::auth {

// The JWS algorithms tongban accepts (RFC 7518 §3, RFC 8037). HMAC and "none" are
// absent on purpose: a verifier that holds only public keys must never accept them.
enum class Alg { ES256, EdDSA, RS256 };

std::string_view to_string(Alg alg);
std::optional<Alg> alg_from_string(std::string_view name);

// Shared because a key set is an immutable snapshot read by many threads at once.
using PkeyPtr = std::shared_ptr<EVP_PKEY>;
// Takes ownership of `raw` (nullptr stays empty).
PkeyPtr adopt_pkey(EVP_PKEY* raw);

// Smallest RSA modulus accepted (NIST SP 800-57: 2048 bits until 2030).
inline constexpr int kMinRsaBits = 2048;

struct Jwk {
  std::string kid;
  Alg alg = Alg::ES256;
  PkeyPtr key;  // public key; never null in a parsed Jwk

  // The public members of the JWK (kty, crv/x/y, n/e, kid, alg, use:"sig"), ready to be
  // published in a JWKS.
  boost::json::object to_json() const;
};

// One JWK object. `alg`, when present, must match what the key type implies
// (EC P-256 → ES256, OKP Ed25519 → EdDSA, RSA → RS256); when absent it is derived.
// Fails with Errc::invalid_argument naming the member and the rule.
Result<Jwk> parse_jwk(const boost::json::object& jwk);

// Builds a Jwk from a key OpenSSL already holds (e.g. the public half of a signer's key).
Result<Jwk> make_jwk(PkeyPtr key, std::string kid, Alg alg);

class Jwks {
 public:
  // A whole JWKS document {"keys":[...]}. Keys that are not for us (use other than
  // "sig", unknown kty/crv/alg, a missing kid) are skipped and listed in skipped(), as
  // RFC 7517 §5 asks; a usable key that is broken (bad point, short RSA modulus) is
  // skipped too, so one bad entry cannot take all verification down.
  static Result<Jwks> parse(std::string_view document);

  // Replaces any key with the same kid.
  void add(Jwk key);
  const Jwk* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  std::vector<std::string> kids() const;
  const std::vector<std::string>& skipped() const { return skipped_; }

  // {"keys":[...]} as served at /.well-known/jwks.json.
  std::string to_json() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Jwk, Hash, std::equal_to<>> keys_;
  std::vector<std::string> skipped_;  // "kid or index: reason"
};

}  // namespace tongban::auth

// Issues JWTs with a private key (identity's access tokens, and tests): the signing half
// of what Verifier checks, with the public JWK to publish in the JWKS.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "tongban/auth/jwk.hpp"
#include "tongban/core/result.hpp"

namespace tongban::auth {

class Signer {
 public:
  // A fresh key: EC P-256 for ES256, Ed25519 for EdDSA, RSA of `rsa_bits` for RS256.
  static Result<Signer> generate(Alg alg, std::string kid, int rsa_bits = 2048);
  // A PEM private key (PKCS#8 or traditional); the algorithm follows from the key type.
  static Result<Signer> from_pem(std::string_view private_pem, std::string kid);

  // header {"alg","kid","typ":"JWT"} + `claims`, signed. Claims are serialised as given;
  // the caller sets iss/sub/aud/exp/iat/jti (identity owns their policy).
  Result<std::string> sign(const boost::json::object& claims) const;
  // The JWS signature of `signing_input` (ES256: raw r||s, 64 bytes, RFC 7518 §3.4).
  // Exposed so tests can sign hand-made headers.
  Result<std::string> sign_bytes(std::string_view signing_input) const;

  const Jwk& public_jwk() const { return public_; }
  Alg alg() const { return public_.alg; }
  const std::string& kid() const { return public_.kid; }
  std::string private_pem() const;  // PKCS#8, unencrypted: store it as a secret
  std::string public_pem() const;   // SubjectPublicKeyInfo

 private:
  Signer(PkeyPtr key, Jwk pub) : key_(std::move(key)), public_(std::move(pub)) {}
  PkeyPtr key_;  // private key
  Jwk public_;
};

}  // namespace tongban::auth

#include "tongban/auth/signer.hpp"

#include <openssl/pem.h>

#include <boost/json/serialize.hpp>

#include "ossl.hpp"
#include "tongban/auth/base64url.hpp"

namespace tongban::auth {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

Result<Alg> alg_of(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC")) return Alg::ES256;  // make_jwk checks the curve
  if (EVP_PKEY_is_a(key, "ED25519")) return Alg::EdDSA;
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
      return fail(Error::invalid("key", "rsa_modulus_size", "RSA key shorter than 2048 bits"));
    }
    return Alg::RS256;
  }
  return fail(Error::invalid("key", "unsupported_key_type",
                             "signing key must be EC P-256, Ed25519 or RSA"));
}

}  // namespace

Result<Signer> Signer::generate(Alg alg, std::string kid, int rsa_bits) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case Alg::ES256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case Alg::EdDSA:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Alg::RS256:
      if (rsa_bits < kMinRsaBits) {
        return fail(Error::invalid("rsa_bits", "rsa_modulus_size", "RSA keys need >= 2048 bits"));
      }
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
      break;
  }
  PkeyPtr key = adopt_pkey(raw);
  if (!key) return fail(Error::internal("key generation failed: " + ossl::last_error()));
  auto pub = make_jwk(key, std::move(kid), alg);
  if (!pub) return fail(pub.error());
  return Signer(std::move(key), std::move(*pub));
}

Result<Signer> Signer::from_pem(std::string_view private_pem, std::string kid) {
  ossl::Ptr<BIO> bio(BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())));
  if (!bio) return fail(Error::internal("BIO_new_mem_buf failed"));
  PkeyPtr key = adopt_pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return fail(Error::invalid("key", "pem", "not a PEM private key: " + ossl::last_error()));
  }
  auto alg = alg_of(key.get());
  if (!alg) return fail(alg.error());
  auto pub = make_jwk(key, std::move(kid), *alg);
  if (!pub) return fail(pub.error());
  return Signer(std::move(key), std::move(*pub));
}

Result<std::string> Signer::sign_bytes(std::string_view signing_input) const {
  ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  // EdDSA hashes internally (PureEdDSA): no digest may be named.
  const EVP_MD* md = public_.alg == Alg::EdDSA ? nullptr : ossl::sha256();
  std::size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, signing_input.size()) != 1) {
    return fail(Error::internal("EVP_DigestSign: " + ossl::last_error()));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     signing_input.size()) != 1) {
    return fail(Error::internal("EVP_DigestSign: " + ossl::last_error()));
  }
  sig.resize(len);
  if (public_.alg == Alg::ES256) {
    auto raw = ossl::ecdsa_der_to_raw(sig);
    if (!raw) return fail(Error::internal("ECDSA signature is not valid DER"));
    return std::move(*raw);
  }
  return sig;
}

Result<std::string> Signer::sign(const boost::json::object& claims) const {
  const boost::json::object header{
      {"alg", to_string(public_.alg)}, {"kid", public_.kid}, {"typ", "JWT"}};
  std::string input = base64url::encode(boost::json::serialize(header));
  input += '.';
  input += base64url::encode(boost::json::serialize(claims));
  auto sig = sign_bytes(input);
  if (!sig) return fail(sig.error());
  input += '.';
  input += base64url::encode(*sig);
  return input;
}

std::string Signer::private_pem() const {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return bio_text(bio.get());
}

std::string Signer::public_pem() const {
  ossl::Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return {};
  return bio_text(bio.get());
}

}  // namespace tongban::auth

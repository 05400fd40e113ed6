// OpenSSL plumbing shared by the auth sources: RAII owners, error text, the SHA-256
// implementation fetched once, and the ECDSA signature encodings.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tongban::auth::ossl {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

// The last OpenSSL error queue entry as text (and clears the queue), for messages.
std::string last_error();

// SHA-256 fetched once from the default provider: an implicit fetch inside every
// EVP_DigestVerifyInit costs a provider lookup per token.
const EVP_MD* sha256();

// ECDSA P-256 signature encodings: JWS carries raw r||s (RFC 7518 §3.4), OpenSSL
// produces and expects DER. nullopt when the input is not a valid encoding.
std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half = 32);
std::optional<std::string> ecdsa_raw_to_der(std::string_view raw);

// Bytes of a big-endian unsigned integer parameter of `key`, without leading zeros
// (padded on the left to `width` when width > 0).
std::optional<std::string> bn_param(const EVP_PKEY* key, const char* name, std::size_t width = 0);

}  // namespace tongban::auth::ossl

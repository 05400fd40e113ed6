#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>

namespace tongban::auth::ossl {

std::string last_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

const EVP_MD* sha256() {
  // Never freed: lives as long as the default library context.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> owner(sig, &ECDSA_SIG_free);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(half * 2, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, out + half, static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return raw;
}

std::optional<std::string> ecdsa_raw_to_der(std::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0) return std::nullopt;
  const int half = static_cast<int>(raw.size() / 2);
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(in, half, nullptr);
  BIGNUM* s = BN_bin2bn(in + half, half, nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (r == nullptr || s == nullptr || sig == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> owner(sig, &ECDSA_SIG_free);
  const int len = i2d_ECDSA_SIG(sig, nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig, &out) != len) return std::nullopt;
  return der;
}

std::optional<std::string> bn_param(const EVP_PKEY* key, const char* name, std::size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return std::nullopt;
  Ptr<BIGNUM> bn(raw);
  const std::size_t n = static_cast<std::size_t>(BN_num_bytes(bn.get()));
  const std::size_t size = width > n ? width : n;
  std::string out(size, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) <
      0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace tongban::auth::ossl

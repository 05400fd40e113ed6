#include "tongban/auth/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "ossl.hpp"
#include "tongban/auth/base64url.hpp"
#include "tongban/core/json.hpp"

namespace tongban::auth {
namespace {

// RSA moduli above this only make verification slow; nobody issues them for JWTs.
constexpr int kMaxRsaBits = 8192;

Error jwk_error(std::string field, std::string rule, std::string message) {
  return Error::invalid("jwk." + field, std::move(rule), std::move(message));
}

Result<std::string> member_bytes(const boost::json::object& jwk, std::string_view name,
                                 std::size_t exact_size = 0) {
  const auto* v = jwk.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return fail(jwk_error(std::string(name), "required", std::string(name) + " is required"));
  }
  auto bytes = base64url::decode(v->get_string());
  if (!bytes) {
    return fail(jwk_error(std::string(name), "base64url",
                          std::string(name) + " is not base64url without padding"));
  }
  if (exact_size != 0 && bytes->size() != exact_size) {
    return fail(jwk_error(std::string(name), "length",
                          std::string(name) + " must be " + std::to_string(exact_size) +
                              " bytes, got " + std::to_string(bytes->size())));
  }
  return std::move(*bytes);
}

Result<PkeyPtr> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  ossl::Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return fail(jwk_error(
        "kty", "key", std::string("not a valid ") + type + " public key: " + ossl::last_error()));
  }
  return adopt_pkey(raw);
}

// The point is on the curve / the modulus and exponent are sane. fromdata alone does not
// promise either, and an invalid curve point is the classic way into ECDSA key recovery.
Result<void> public_check(const PkeyPtr& key, std::string_view what) {
  ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    return fail(jwk_error(
        "kty", "key",
        std::string(what) + " fails the OpenSSL public key check: " + ossl::last_error()));
  }
  return {};
}

Result<PkeyPtr> ec_p256(const boost::json::object& jwk) {
  auto x = member_bytes(jwk, "x", 32);
  if (!x) return fail(x.error());
  auto y = member_bytes(jwk, "y", 32);
  if (!y) return fail(y.error());
  std::string point = "\x04" + *x + *y;  // SEC 1 uncompressed point
  ossl::Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return fail(Error::internal("OSSL_PARAM_BLD: " + ossl::last_error()));
  }
  auto key = from_params("EC", bld.get());
  if (!key) return key;
  if (auto ok = public_check(*key, "EC point"); !ok) return fail(ok.error());
  return key;
}

Result<PkeyPtr> okp_ed25519(const boost::json::object& jwk) {
  auto x = member_bytes(jwk, "x", 32);
  if (!x) return fail(x.error());
  ossl::Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, x->data(),
                                               x->size()) != 1) {
    return fail(Error::internal("OSSL_PARAM_BLD: " + ossl::last_error()));
  }
  return from_params("ED25519", bld.get());
}

Result<PkeyPtr> rsa(const boost::json::object& jwk) {
  auto n = member_bytes(jwk, "n");
  if (!n) return fail(n.error());
  auto e = member_bytes(jwk, "e");
  if (!e) return fail(e.error());
  if (e->empty() || e->size() > 8) {
    return fail(jwk_error("e", "range", "e must be 1 to 8 bytes"));
  }
  auto to_bn = [](const std::string& b) {
    return ossl::Ptr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()),
                                       static_cast<int>(b.size()), nullptr));
  };
  auto bn_n = to_bn(*n);
  auto bn_e = to_bn(*e);
  if (!bn_n || !bn_e) return fail(Error::internal("BN_bin2bn: " + ossl::last_error()));
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return fail(jwk_error("n", "rsa_modulus_size",
                          "RSA modulus must be " + std::to_string(kMinRsaBits) + " to " +
                              std::to_string(kMaxRsaBits) + " bits, got " + std::to_string(bits)));
  }
  ossl::Ptr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return fail(Error::internal("OSSL_PARAM_BLD: " + ossl::last_error()));
  }
  auto key = from_params("RSA", bld.get());
  if (!key) return key;
  if (auto ok = public_check(*key, "RSA key"); !ok) return fail(ok.error());
  return key;
}

std::string_view str_member(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

// The public members of `key` for `alg`, without kid/alg/use.
Result<boost::json::object> public_members(const EVP_PKEY* key, Alg alg) {
  boost::json::object o;
  switch (alg) {
    case Alg::ES256: {
      char group[64] = {};
      std::size_t len = 0;
      if (!EVP_PKEY_is_a(key, "EC") ||
          EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &len) != 1 ||
          std::string_view(group, len) != "prime256v1") {
        return fail(Error::invalid("alg", "key_type", "ES256 needs an EC P-256 key"));
      }
      auto x = ossl::bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
      auto y = ossl::bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
      if (!x || !y) return fail(Error::internal("EC public point: " + ossl::last_error()));
      o["kty"] = "EC";
      o["crv"] = "P-256";
      o["x"] = base64url::encode(*x);
      o["y"] = base64url::encode(*y);
      break;
    }
    case Alg::EdDSA: {
      if (!EVP_PKEY_is_a(key, "ED25519")) {
        return fail(Error::invalid("alg", "key_type", "EdDSA needs an Ed25519 key"));
      }
      unsigned char pub[32];
      std::size_t len = sizeof(pub);
      if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != 32) {
        return fail(Error::internal("Ed25519 public key: " + ossl::last_error()));
      }
      o["kty"] = "OKP";
      o["crv"] = "Ed25519";
      o["x"] = base64url::encode(std::string_view(reinterpret_cast<char*>(pub), len));
      break;
    }
    case Alg::RS256: {
      if (!EVP_PKEY_is_a(key, "RSA")) {
        return fail(Error::invalid("alg", "key_type", "RS256 needs an RSA key"));
      }
      auto n = ossl::bn_param(key, OSSL_PKEY_PARAM_RSA_N);
      auto e = ossl::bn_param(key, OSSL_PKEY_PARAM_RSA_E);
      if (!n || !e) return fail(Error::internal("RSA public key: " + ossl::last_error()));
      o["kty"] = "RSA";
      o["n"] = base64url::encode(*n);
      o["e"] = base64url::encode(*e);
      break;
    }
  }
  return o;
}

}  // namespace

std::string_view to_string(Alg alg) {
  switch (alg) {
    case Alg::ES256:
      return "ES256";
    case Alg::EdDSA:
      return "EdDSA";
    case Alg::RS256:
      return "RS256";
  }
  return "?";
}

std::optional<Alg> alg_from_string(std::string_view name) {
  if (name == "ES256") return Alg::ES256;
  if (name == "EdDSA") return Alg::EdDSA;
  if (name == "RS256") return Alg::RS256;
  return std::nullopt;
}

PkeyPtr adopt_pkey(EVP_PKEY* raw) {
  if (raw == nullptr) return {};
  return PkeyPtr(raw, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

Result<Jwk> parse_jwk(const boost::json::object& jwk) {
  const std::string_view kty = str_member(jwk, "kty");
  const std::string_view crv = str_member(jwk, "crv");
  const std::string_view kid = str_member(jwk, "kid");
  if (kid.empty() || kid.size() > 256) {
    return fail(jwk_error("kid", "required", "kid is required (1 to 256 characters)"));
  }
  Alg implied;
  if (kty == "EC" && crv == "P-256") {
    implied = Alg::ES256;
  } else if (kty == "OKP" && crv == "Ed25519") {
    implied = Alg::EdDSA;
  } else if (kty == "RSA") {
    implied = Alg::RS256;
  } else {
    return fail(jwk_error(
        "kty", "unsupported_key_type",
        "unsupported key type " + std::string(kty) + (crv.empty() ? "" : "/" + std::string(crv))));
  }
  if (const auto* a = jwk.if_contains("alg"); a != nullptr) {
    const auto alg = a->is_string() ? alg_from_string(a->get_string()) : std::nullopt;
    if (!alg || *alg != implied) {
      return fail(jwk_error(
          "alg", "alg_mismatch",
          "alg does not match the key type (want " + std::string(to_string(implied)) + ")"));
    }
  }
  if (const auto* use = jwk.if_contains("use");
      use != nullptr && !(use->is_string() && use->get_string() == "sig")) {
    return fail(jwk_error("use", "not_signature_key", "use must be \"sig\""));
  }
  Result<PkeyPtr> key = implied == Alg::ES256   ? ec_p256(jwk)
                        : implied == Alg::EdDSA ? okp_ed25519(jwk)
                                                : rsa(jwk);
  if (!key) return fail(key.error());
  return Jwk{std::string(kid), implied, std::move(*key)};
}

Result<Jwk> make_jwk(PkeyPtr key, std::string kid, Alg alg) {
  if (!key) return fail(Error::internal("make_jwk: no key"));
  auto members = public_members(key.get(), alg);
  if (!members) return fail(members.error());
  (*members)["kid"] = kid;
  (*members)["alg"] = to_string(alg);
  // Re-read from the public members: the Jwk never holds a private half.
  return parse_jwk(*members);
}

boost::json::object Jwk::to_json() const {
  auto members = public_members(key.get(), alg);
  boost::json::object o = members ? std::move(*members) : boost::json::object{};
  o["kid"] = kid;
  o["alg"] = to_string(alg);
  o["use"] = "sig";
  return o;
}

Result<Jwks> Jwks::parse(std::string_view document) {
  auto doc = json::parse_object(document);
  if (!doc) {
    return fail(Error{Errc::malformed, "JWKS is not a JSON object: " + doc.error().message, "jwks",
                      "json_syntax", false});
  }
  const auto* keys = doc->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return fail(Error::invalid("jwks.keys", "required", "JWKS needs a \"keys\" array"));
  }
  Jwks out;
  std::size_t index = 0;
  for (const auto& entry : keys->get_array()) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    if (!entry.is_object()) {
      out.skipped_.push_back(where + ": not an object");
      continue;
    }
    auto jwk = parse_jwk(entry.get_object());
    if (!jwk) {
      out.skipped_.push_back(where + ": " + jwk.error().message);
      continue;
    }
    out.add(std::move(*jwk));
  }
  return out;
}

void Jwks::add(Jwk key) {
  std::string kid = key.kid;
  keys_.insert_or_assign(std::move(kid), std::move(key));
}

const Jwk* Jwks::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::string> Jwks::kids() const {
  std::vector<std::string> out;
  out.reserve(keys_.size());
  for (const auto& [kid, _] : keys_) out.push_back(kid);
  return out;
}

std::string Jwks::to_json() const {
  boost::json::array arr;
  for (const auto& [_, key] : keys_) arr.push_back(key.to_json());
  return boost::json::serialize(boost::json::object{{"keys", std::move(arr)}});
}

}  // namespace tongban::auth

#include "tongban/auth/verifier.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include "ossl.hpp"
#include "token_cache.hpp"
#include "tongban/auth/base64url.hpp"

namespace tongban::auth {
namespace {

Error reject(std::string_view rule, std::string message, std::string_view field = "token") {
  return Error{Errc::unauthenticated, std::move(message), std::string(field), std::string(rule),
               false};
}

std::int64_t seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Result<boost::json::object> parse_segment(std::string_view b64, std::string_view what,
                                          boost::json::storage_ptr sp) {
  auto bytes = base64url::decode(b64);
  if (!bytes) {
    return fail(reject(rule::kMalformed, std::string(what) + " is not base64url"));
  }
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 16;
  auto v = boost::json::parse(*bytes, ec, std::move(sp), opts);
  if (ec || !v.is_object()) {
    return fail(reject(rule::kMalformed, std::string(what) + " is not a JSON object"));
  }
  return std::move(v.get_object());
}

}  // namespace

// The signature check proper. The expected length is fixed by the key, not the token.
bool verify_signature(const Jwk& key, std::string_view signing_input, std::string_view sig) {
  std::string der;
  const EVP_MD* md = ossl::sha256();
  switch (key.alg) {
    case Alg::ES256: {
      if (sig.size() != 64) return false;
      auto converted = ossl::ecdsa_raw_to_der(sig);
      if (!converted) return false;
      der = std::move(*converted);
      sig = der;
      break;
    }
    case Alg::EdDSA:
      if (sig.size() != 64) return false;
      md = nullptr;
      break;
    case Alg::RS256:
      if (sig.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.key.get()))) return false;
      break;
  }
  ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) == 1;
  if (!ok) ERR_clear_error();  // a bad signature is not an error worth keeping per thread
  return ok;
}

Verifier::Verifier(JwksCache& keys, const RevocationList& revocations, const Clock& clock,
                   VerifierOptions options)
    : keys_(keys),
      revocations_(revocations),
      clock_(clock),
      options_(std::move(options)),
      cache_(std::make_unique<TokenCache>(options_.cache_entries)) {}

Verifier::~Verifier() = default;

std::size_t Verifier::cache_size() const { return cache_->size(); }

Result<Principal> Verifier::verify(std::string_view token) const {
  if (auto cached = verify_if_cached(token)) return std::move(*cached);
  auto verified = verify_uncached(token, seconds(clock_.now()));
  if (!verified) return fail(std::move(verified.error()));
  return admit(std::move(*verified));
}

std::optional<Result<Principal>> Verifier::verify_if_cached(std::string_view token) const {
  if (token.size() > options_.max_token_bytes) {
    return Result<Principal>(
        fail(reject(rule::kTooLarge, "token is longer than " +
                                         std::to_string(options_.max_token_bytes) + " bytes")));
  }
  auto claims = cache_->find(token, seconds(clock_.now()), keys_.version());
  if (!claims) return std::nullopt;
  return admit(std::move(claims));
}

// Checked on every call, cached or not: a revocation must win within seconds.
Result<Principal> Verifier::admit(std::shared_ptr<const Claims> claims) const {
  if (revocations_.is_revoked(*claims)) {
    return fail(reject(rule::kRevoked, "token has been revoked"));
  }
  return Principal(std::move(claims));
}

Result<std::shared_ptr<const Claims>> Verifier::verify_uncached(std::string_view token,
                                                                std::int64_t now) const {
  // Compact serialisation: exactly three segments (RFC 7515 §7.1). A fourth dot would be
  // JWE or garbage; both are refused before anything is decoded.
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail(reject(rule::kMalformed, "token must have three dot-separated segments"));
  }
  const std::string_view header_b64 = token.substr(0, d1);
  const std::string_view payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_b64 = token.substr(d2 + 1);
  if (header_b64.empty() || payload_b64.empty() || !base64url::is_alphabet(token.substr(0, d1)) ||
      !base64url::is_alphabet(payload_b64) || !base64url::is_alphabet(sig_b64)) {
    return fail(reject(rule::kMalformed, "token segments must be non-empty base64url"));
  }

  // Header and payload are parsed into one stack arena: no heap traffic for a few hundred
  // bytes of JSON that die with this call (claims are copied out as std::string).
  unsigned char arena[8192];
  boost::json::monotonic_resource mr(arena, sizeof(arena));
  auto header = parse_segment(header_b64, "token header", &mr);
  if (!header) return fail(std::move(header.error()));
  const auto* alg_v = header->if_contains("alg");
  if (alg_v == nullptr || !alg_v->is_string()) {
    return fail(reject(rule::kMalformed, "token header has no \"alg\""));
  }
  // "none", HS*, PS* and anything else: refused by name before a key is even looked up.
  const auto alg = alg_from_string(alg_v->get_string());
  if (!alg) return fail(reject(rule::kAlgNotAllowed, "token algorithm is not accepted"));
  const auto* kid_v = header->if_contains("kid");
  if (kid_v == nullptr || !kid_v->is_string() || kid_v->get_string().empty()) {
    return fail(reject(rule::kMalformed, "token header has no \"kid\""));
  }
  // We understand no extension header, so any "crit" must fail (RFC 7515 §4.1.11).
  if (header->contains("crit")) {
    return fail(reject(rule::kUnsupportedHeader, "token header has unsupported \"crit\""));
  }
  // jku/x5u/jwk/x5c are ignored on purpose: keys come only from the configured JWKS.

  const auto [key, key_version] = keys_.find(kid_v->get_string());
  if (!key) return fail(reject(rule::kUnknownKid, "token is signed with an unknown key"));
  if (key->alg != *alg) {
    return fail(reject(rule::kAlgNotAllowed, "token algorithm does not match its key"));
  }

  auto sig = base64url::decode(sig_b64);
  if (!sig) return fail(reject(rule::kMalformed, "token signature is not base64url"));
  if (!verify_signature(*key, token.substr(0, d2), *sig)) {
    return fail(reject(rule::kBadSignature, "token signature does not verify"));
  }

  // Only signed bytes get this far: the payload parser never sees a forger's input.
  auto payload = parse_segment(payload_b64, "token payload", &mr);
  if (!payload) return fail(std::move(payload.error()));
  auto parsed = parse_claims(*payload);
  if (!parsed) return fail(std::move(parsed.error()));
  auto claims = std::make_shared<Claims>(std::move(*parsed));
  claims->kid = key->kid;

  const std::int64_t leeway = options_.leeway.count();
  if (now >= claims->exp + leeway) return fail(reject(rule::kExpired, "token has expired"));
  if (claims->nbf != 0 && now + leeway < claims->nbf) {
    return fail(reject(rule::kNotYetValid, "token is not valid yet"));
  }
  if (claims->iat > now + leeway) {
    return fail(reject(rule::kIssuedInFuture, "token is issued in the future"));
  }
  if (!options_.issuer.empty() && claims->iss != options_.issuer) {
    return fail(reject(rule::kWrongIssuer, "token is from another issuer"));
  }
  if (!options_.audiences.empty() &&
      std::none_of(claims->aud.begin(), claims->aud.end(), [&](const std::string& a) {
        return std::find(options_.audiences.begin(), options_.audiences.end(), a) !=
               options_.audiences.end();
      })) {
    return fail(reject(rule::kWrongAudience, "token is not meant for this service"));
  }

  // Tagged with the version of the key set that held the key: if that set has since been
  // replaced (a key removed), the entry is stale and the token is verified afresh.
  std::shared_ptr<const Claims> result = std::move(claims);
  cache_->insert(token, result, result->exp + leeway, key_version, now);
  return result;
}

Result<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  if (authorization.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), authorization.begin(),
                  [&](char a, char b) { return a == lower(b); })) {
    return fail(
        reject(rule::kMissingBearer, "Authorization must be \"Bearer <token>\"", "Authorization"));
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) {
    return fail(reject(rule::kMissingBearer, "Authorization carries no token", "Authorization"));
  }
  return token;
}

}  // namespace tongban::auth

// Fuzzes token handling in libs/auth: the Authorization header, the JWS compact form, the
// header checks (alg, kid, crit), the claims and the JWKS document. Random bytes never carry
// a valid signature, so half the inputs are signed here first: the fuzzer then reaches the
// claim checks behind the signature. The first byte picks the mode:
//   0: the bytes are a token (or an Authorization header) and are verified as they are;
//   1: "<header JSON>\n<payload JSON>" is base64url-encoded, signed with the test key and
//      verified;
//   2: the bytes are a JWKS document.
// Invariants: no crash; a refusal is a 401 naming the field `token` (or `Authorization`)
// and a rule; only a token signed by the key and naming its kid verifies.
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tongban/auth/base64url.hpp"
#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/auth/signer.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/core/clock.hpp"

namespace {

namespace auth = tongban::auth;

// 2026-11-26T00:00:00Z, so committed seed tokens with exp in 2027 stay valid.
const tongban::Clock::time_point kNow{std::chrono::seconds(1795651200)};

struct Fixture {
  // Ed25519: the cheapest signature, so more inputs per second reach the claims.
  auth::Signer signer = [] {
    auto s = auth::Signer::generate(auth::Alg::EdDSA, "fuzz-key");
    if (!s) std::abort();
    return std::move(*s);
  }();
  tongban::ManualClock clock{kNow};
  auth::JwksCache keys{[this]() -> tongban::Result<std::string> {
                         return "{\"keys\":[" +
                                std::string(boost::json::serialize(signer.public_jwk().to_json())) +
                                "]}";
                       },
                       clock};
  auth::RevocationList revocations;
  auth::Verifier verifier{keys, revocations, clock, options()};

  Fixture() {
    if (!keys.refresh()) std::abort();
    revocations.revoke_token("revoked-jti", kNow + std::chrono::hours(1));
  }
  static auth::VerifierOptions options() {
    auth::VerifierOptions o;
    o.issuer = "https://identity.tongban.test";
    o.audiences = {"delegation"};
    o.cache_entries = 0;  // every input verified, none answered from the cache
    return o;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void check_refusal(const tongban::Error& e) {
  if (e.code != tongban::Errc::unauthenticated || e.rule.empty() ||
      (e.field != "token" && e.field != "Authorization")) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& f = fixture();
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto bearer = auth::bearer_token(in);
      if (!bearer) check_refusal(bearer.error());
      auto r = f.verifier.verify(bearer ? *bearer : in);
      // Without our signature nothing verifies, whatever the header claims.
      if (r) std::abort();
      check_refusal(r.error());
      break;
    }
    case 1: {
      const auto nl = in.find('\n');
      const auto header = in.substr(0, nl);
      const auto payload = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
      const auto input = auth::base64url::encode(header) + "." + auth::base64url::encode(payload);
      auto sig = f.signer.sign_bytes(input);
      if (!sig) std::abort();
      const auto token = input + "." + auth::base64url::encode(*sig);
      auto r = f.verifier.verify(token);
      if (!r) {
        check_refusal(r.error());
      } else if (r->claims().kid != "fuzz-key" || r->claims().jti == "revoked-jti") {
        std::abort();
      }
      break;
    }
    default: {
      auto jwks = auth::Jwks::parse(in);
      if (jwks && !jwks->empty()) {
        for (const auto& kid : jwks->kids()) {
          const auto* key = jwks->find(kid);
          if (!key || !key->key) std::abort();
        }
        // What we publish must parse back: identity serves to_json() to every service.
        auto again = auth::Jwks::parse(jwks->to_json());
        if (!again || again->size() != jwks->size()) std::abort();
      }
      break;
    }
  }
  return 0;
}

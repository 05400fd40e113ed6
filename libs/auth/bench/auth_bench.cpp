// Verification cost: the Verifier next to bare OpenSSL EVP_DigestVerify of the same
// signature (the overhead ratio is what to watch), the cached path, and signing (what
// identity pays per token). Figures go to docs/auth.md.
#include <benchmark/benchmark.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <stdexcept>

#include "tongban/auth/base64url.hpp"
#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/auth/signer.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/core/log.hpp"

namespace {

using namespace tongban;
using namespace tongban::auth;

const Clock::time_point kNow{std::chrono::seconds(1795651200)};

boost::json::object claims(int n) {
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count();
  return {{"iss", "https://identity.tongban.test"},
          {"sub", "110101199003074258"},
          {"sub_type", "staff"},
          {"aud", boost::json::array{"delegation", "catalog"}},
          {"roles", boost::json::array{"clerk", "examiner"}},
          {"scope", "cases:read cases:write"},
          {"city", "440300"},
          {"dept", "shenzhen-gov-service-center"},
          {"acr", "L2"},
          {"jti", "01937f6e-8a4b-7c3d-9e2f-" + std::to_string(100000000000 + n)},
          {"iat", t},
          {"exp", t + 900}};
}

// One algorithm's signer and a verification stack around its JWKS.
struct Setup {
  explicit Setup(Alg alg, std::size_t cache_entries) : signer(make(alg)) {
    log::set_level(log::Level::warn);
    std::string doc = boost::json::serialize(
        boost::json::object{{"keys", boost::json::array{signer.public_jwk().to_json()}}});
    keys = std::make_unique<JwksCache>([doc]() -> Result<std::string> { return doc; }, clock);
    if (!keys->refresh()) throw std::runtime_error("jwks");
    VerifierOptions opts;
    opts.issuer = "https://identity.tongban.test";
    opts.audiences = {"delegation"};
    opts.cache_entries = cache_entries;
    verifier = std::make_unique<Verifier>(*keys, revocations, clock, opts);
  }
  static Signer make(Alg alg) {
    auto s = Signer::generate(alg, "bench");
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
  Signer signer;
  ManualClock clock{kNow};
  std::unique_ptr<JwksCache> keys;
  RevocationList revocations;
  std::unique_ptr<Verifier> verifier;
};

void BM_verify_uncached(benchmark::State& state, Alg alg) {
  Setup s(alg, 0);
  const std::string token = *s.signer.sign(claims(0));
  for (auto _ : state) {
    auto p = s.verifier->verify(token);
    if (!p) state.SkipWithError(p.error().message.c_str());
    benchmark::DoNotOptimize(p);
  }
  state.counters["token_bytes"] = static_cast<double>(token.size());
}

// What the signature check alone costs with OpenSSL: the same key, the same signing input,
// the signature already decoded (and DER for ECDSA): the floor any JWT library sits on.
void BM_openssl_verify(benchmark::State& state, Alg alg) {
  Setup s(alg, 0);
  const std::string token = *s.signer.sign(claims(0));
  const std::string input = token.substr(0, token.rfind('.'));
  std::string sig = *base64url::decode(token.substr(token.rfind('.') + 1));
  if (alg == Alg::ES256) {
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(es, &der);
    sig.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
  }
  EVP_MD* md = alg == Alg::EdDSA ? nullptr : EVP_MD_fetch(nullptr, "SHA256", nullptr);
  // The key as the verifier holds it: parsed from the JWKS document, not the signer's.
  const auto found = s.keys->find("bench");
  if (!found.key) {
    state.SkipWithError("kid not found");
    return;
  }
  EVP_PKEY* key = found.key->key.get();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key);
    int ok = EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                              reinterpret_cast<const unsigned char*>(input.data()), input.size());
    if (ok != 1) state.SkipWithError("verify failed");
    EVP_MD_CTX_free(ctx);
  }
  EVP_MD_free(md);
}

void BM_sign(benchmark::State& state, Alg alg) {
  Setup s(alg, 0);
  const auto c = claims(0);
  for (auto _ : state) {
    auto token = s.signer.sign(c);
    benchmark::DoNotOptimize(token);
  }
}

// Repeat verification of one token: the hot path of a busy service.
void BM_verify_cached(benchmark::State& state) {
  Setup s(Alg::ES256, 100'000);
  const std::string token = *s.signer.sign(claims(0));
  if (!s.verifier->verify(token)) state.SkipWithError("first verify");
  for (auto _ : state) {
    auto p = s.verifier->verify(token);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}

// Many live tokens (as many callers), cycled: the cache lookups miss the CPU caches.
void BM_verify_cached_many(benchmark::State& state) {
  static Setup s(Alg::ES256, 100'000);
  static std::vector<std::string> tokens = [] {
    std::vector<std::string> out;
    for (int i = 0; i < 50'000; ++i) out.push_back(*s.signer.sign(claims(i)));
    for (const auto& t : out) {
      if (!s.verifier->verify(t)) throw std::runtime_error("verify");
    }
    return out;
  }();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto p = s.verifier->verify(tokens[i++ % tokens.size()]);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}

// The cached path while revocations exist (the lookups can no longer be skipped).
void BM_verify_cached_with_revocations(benchmark::State& state) {
  Setup s(Alg::ES256, 100'000);
  for (int i = 0; i < 10'000; ++i) {
    s.revocations.revoke_token("revoked-" + std::to_string(i), kNow + std::chrono::minutes(15));
  }
  s.revocations.revoke_subject_before("someone-else", kNow);
  const std::string token = *s.signer.sign(claims(0));
  if (!s.verifier->verify(token)) state.SkipWithError("first verify");
  for (auto _ : state) {
    auto p = s.verifier->verify(token);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_verify_uncached, ES256, Alg::ES256);
BENCHMARK_CAPTURE(BM_openssl_verify, ES256, Alg::ES256);
BENCHMARK_CAPTURE(BM_verify_uncached, EdDSA, Alg::EdDSA);
BENCHMARK_CAPTURE(BM_openssl_verify, EdDSA, Alg::EdDSA);
BENCHMARK_CAPTURE(BM_verify_uncached, RS256, Alg::RS256);
BENCHMARK_CAPTURE(BM_openssl_verify, RS256, Alg::RS256);
BENCHMARK_CAPTURE(BM_sign, ES256, Alg::ES256);
BENCHMARK_CAPTURE(BM_sign, EdDSA, Alg::EdDSA);
BENCHMARK_CAPTURE(BM_sign, RS256, Alg::RS256);
BENCHMARK(BM_verify_cached);
BENCHMARK(BM_verify_cached_with_revocations);
BENCHMARK(BM_verify_cached_many)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();

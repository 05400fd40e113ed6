// What a login costs identity: argon2id at the configured parameters (the bulk of it) and
// signing the access token. Logins/s per core ≈ 1 / (verify + sign).
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>

#include "tokens/passwords.hpp"
#include "tongban/auth/signer.hpp"

namespace {

using namespace tongban;

void BM_argon2id_verify(benchmark::State& state) {
  identity::PasswordHashing p;
  p.mem_limit = static_cast<std::size_t>(state.range(0)) * 1024;
  p.ops_limit = static_cast<unsigned long long>(state.range(1));
  p.max_concurrent = 1;
  identity::configure_password_hashing(p);
  const auto hash = identity::hash_secret("Correct-Horse-42");
  for (auto _ : state) benchmark::DoNotOptimize(identity::verify_secret(*hash, "Correct-Horse-42"));
  state.SetLabel("m=" + std::to_string(state.range(0)) + "KiB t=" + std::to_string(state.range(1)));
}
// The default (OWASP minimum) and libsodium's INTERACTIVE preset, for comparison.
BENCHMARK(BM_argon2id_verify)->Args({19456, 2})->Args({65536, 2})->Unit(benchmark::kMillisecond);

void BM_sign_access_token(benchmark::State& state) {
  const auto alg = static_cast<auth::Alg>(state.range(0));
  auto signer = auth::Signer::generate(alg, "bench");
  boost::json::object claims{{"iss", "tongban-identity"},
                             {"aud", "tongban"},
                             {"sub", "0190"},
                             {"sub_type", "citizen"},
                             {"iat", 1800000000},
                             {"exp", 1800000900},
                             {"roles", boost::json::array{"citizen"}},
                             {"acr", "L2"},
                             {"city", "440300"},
                             {"jti", "0190-abc"}};
  for (auto _ : state) benchmark::DoNotOptimize(signer->sign(claims));
  state.SetLabel(std::string(auth::to_string(alg)));
}
BENCHMARK(BM_sign_access_token)
    ->Arg(static_cast<int>(auth::Alg::ES256))
    ->Arg(static_cast<int>(auth::Alg::EdDSA))
    ->Arg(static_cast<int>(auth::Alg::RS256))
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

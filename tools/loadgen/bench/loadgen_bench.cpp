// The generator's own costs without a network: recording into the histogram, encoding it,
// and the engine's work per request (schedule, flow, checks, statistics) on the simulated
// loop and transport of the tests.
#include <benchmark/benchmark.h>

#include <random>

#include "../test/sim.hpp"
#include "tongban/loadgen/engine.hpp"
#include "tongban/loadgen/histogram.hpp"

namespace {

using namespace tongban::loadgen;

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  std::mt19937_64 rng(1);
  std::vector<std::int64_t> values(4096);
  for (auto& v : values) v = static_cast<std::int64_t>(rng() % 10'000'000);
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramEncode(benchmark::State& state) {
  Histogram h;
  std::mt19937_64 rng(1);
  std::exponential_distribution<double> d(1.0 / 2000);
  for (int i = 0; i < 1'000'000; ++i) h.record(static_cast<std::int64_t>(d(rng)));
  for (auto _ : state) benchmark::DoNotOptimize(h.to_base64());
}
BENCHMARK(BM_HistogramEncode);

void BM_EnginePerRequest(benchmark::State& state) {
  auto scenario = Registry::instance().load("http");
  (void)scenario->override_targets("http://127.0.0.1:1/");
  constexpr double kRate = 100'000;
  auto plan = RatePlan::build({Stage{Stage::Kind::step, kNanosPerSecond, kRate}});
  RunConfig c;
  c.end = plan->end();
  Vars globals;
  for (auto _ : state) {
    sim::SimLoop loop;
    sim::SimTransport t(loop, 64, sim::constant_server(200'000));
    Worker w(*scenario, globals, c, loop, t, Schedule(*plan, ArrivalProcess::constant, 1));
    w.start();
    loop.run();
    benchmark::DoNotOptimize(w.stats().counters.ok);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kRate));
}
BENCHMARK(BM_EnginePerRequest)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

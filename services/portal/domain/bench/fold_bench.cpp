// The portal's fold under volume: heap bytes the state keeps per case (whole, or sealed once
// finished as the service does), events folded per second, and the indicators computed over
// that state.
// Printed, never asserted.
//
//   build/services/portal/domain/portal_fold_bench
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <random>

#include "domain/indicators.hpp"
#include "test/events.hpp"

namespace {

using namespace tongban;
using namespace tongban::portal;
using namespace tongban::portal::test_events;

// `n` cases between random pairs of real cities, as the load generator's scenarios produce
// them: whole life cycles (seven events, staff of both places acting) when `whole`, else
// submissions alone (one event: the open cases a submission run leaves).
std::vector<Event> cases(int n, bool whole) {
  const auto cities = cities::directory().all();
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, cities.size() - 1);
  std::vector<Event> events;
  events.reserve(static_cast<std::size_t>(n) * 7);
  for (int i = 0; i < n; ++i) {
    std::string a(cities[pick(rng)].code), b(cities[pick(rng)].code);
    if (a == b) b = a == "320100" ? "320200" : "320100";
    CaseScript c("01938f2e-0000-7000-8000-" + std::to_string(100000000000 + i), a, b,
                 "PS-000" + std::to_string(i % 8 + 1));
    c.materials({"id_card", "photo"}, {"household_register"}).submit("2026-03-02T10:00:00+08:00");
    if (whole) {
      c.step("RECEIVED", "receive", "2026-03-02T10:05:00+08:00", a, "公安局户政窗口")
          .step("PRE_EXAMINED", "pre_examine", "2026-03-02T10:10:00+08:00", a, "公安局户政窗口")
          .step("FORWARDED", "forward", "2026-03-02T10:15:00+08:00", a, "公安局户政窗口")
          .step("ACCEPTED", "accept", "2026-03-02T11:00:00+08:00", b, "公安局治安管理支队")
          .step("APPROVED", "approve", "2026-03-03T09:00:00+08:00", b, "公安局治安管理支队")
          .step("COMPLETED", "complete", "2026-03-03T10:00:00+08:00", a, "公安局户政窗口");
    }
    append(events, c.events());
  }
  return events;
}
std::vector<Event> life_cycles(int n) { return cases(n, true); }

// Allocated bytes, counting the large blocks glibc maps on their own (a hash table's array).
std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// Arguments: cases, 1 for whole life cycles or 0 for submissions alone, and 1 to seal finished
// cases as the service does (0: every case kept whole).
void BM_Fold(benchmark::State& st) {
  const auto n = static_cast<int>(st.range(0));
  const auto events = cases(n, st.range(1) == 1);
  const FoldOptions options{st.range(2) == 1 ? &cn2026() : nullptr};
  double bytes = 0;
  for (auto _ : st) {
    const auto before = heap_in_use();
    State state;
    for (const auto& e : events) benchmark::DoNotOptimize(apply(state, e, options));
    bytes = static_cast<double>(heap_in_use() - before);
    benchmark::DoNotOptimize(state);
  }
  st.counters["bytes_per_case"] = bytes / n;
  st.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Fold)
    ->ArgNames({"cases", "whole", "sealing"})
    ->Args({10000, 1, 0})
    ->Args({100000, 1, 0})
    ->Args({100000, 0, 0})
    ->Args({100000, 1, 1})
    ->Args({1000000, 1, 1})
    ->Unit(benchmark::kMillisecond);

// Arguments: cases, and 1 to seal them (the indicators then read per-day counts).
void BM_IndicatorsOverCases(benchmark::State& st) {
  const auto n = static_cast<int>(st.range(0));
  const FoldOptions options{st.range(1) == 1 ? &cn2026() : nullptr};
  State state;
  for (const auto& e : life_cycles(n)) (void)apply(state, e, options);
  // The events just freed leave the heap as no service runs with (each trims every 10 s): a
  // window took 1.5 s here instead of 0.2 without this.
  malloc_trim(0);
  const auto now = at("2026-03-05T12:00:00+08:00");
  for (auto _ : st) {
    benchmark::DoNotOptimize(compute(state, Window::all, now, cities::directory(), cn2026()));
  }
  st.counters["cases"] = n;
}
BENCHMARK(BM_IndicatorsOverCases)
    ->ArgNames({"cases", "sealing"})
    ->Args({100000, 0})
    ->Args({100000, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

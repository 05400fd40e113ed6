// One run of the load generator on this machine: the setup steps, then worker threads that
// share the arrival schedule, a per-second progress line and series, and the report.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tongban/loadgen/engine.hpp"
#include "tongban/loadgen/http_transport.hpp"
#include "tongban/loadgen/report.hpp"
#include "tongban/loadgen/scenario.hpp"

namespace tongban::loadgen {

// What the command line says; unset values fall back to the scenario's defaults.
struct RunOptions {
  std::optional<double> rate;
  std::optional<Nanos> duration;
  std::optional<Nanos> warmup;
  std::vector<Stage> stages;
  std::optional<ArrivalProcess> arrivals;
  std::optional<int> connections;  // per target URL, over all threads
  int threads = 1;
  std::uint64_t seed = 1;
  std::optional<Nanos> timeout;
  Nanos connect_timeout = 2 * kNanosPerSecond;
  std::optional<Nanos> drain;  // after the schedule ends (default: the request timeout)
  std::size_t max_in_flight = 10000;
  Nanos late_threshold = 1'000'000;
  int instance = 0;
  int instances = 1;
  Mode mode = Mode::open;
  int vus = 0;
  Nanos think = 0;
  Nanos expected_interval = 0;
  Headers extra_headers;
  bool progress = true;          // the per-second line on stderr
  Recorder* recorder = nullptr;  // --record
};

// The effective stages and warm-up: command line first, then the scenario's defaults.
Result<RatePlan> resolve_plan(const RunOptions& options, const Scenario& scenario,
                              std::vector<Stage>& stages_out);

// Runs the scenario against its targets. Fails only when the run could not happen (a
// target without URL, failed setup); what went wrong during the load is in the report.
Result<Report> run_load(const RunOptions& options, const Scenario& scenario,
                        std::vector<SecondRow>& series, std::FILE* progress);

// The generator's own CPU time so far (utime + stime from /proc/self/stat), in seconds.
double process_cpu_seconds();

}  // namespace tongban::loadgen

// When each request should start: a rate that is a function of time (stages: step, ramp,
// spike) and the arrivals it implies, constant or Poisson, fixed in advance so that latency
// can be measured from the intended start (no coordinated omission).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::loadgen {

// Time on the run's own axis: nanoseconds since the run started (warm-up included).
using Nanos = std::int64_t;
constexpr Nanos kNanosPerSecond = 1'000'000'000;

// "250ms", "30s", "2m", "1h", "1500us", "0" → nanoseconds. A bare number is seconds.
Result<Nanos> parse_duration(std::string_view text);
std::string format_duration(Nanos d);

// One piece of the rate function. A step holds `rate` for `duration`; a ramp goes linearly
// from the previous stage's end rate to `rate`; a spike climbs to `rate` within `rise`,
// holds, and falls back within `rise` to the rate it started from.
struct Stage {
  enum class Kind { step, ramp, spike };
  Kind kind = Kind::step;
  Nanos duration = 0;
  double rate = 0;  // arrivals per second at the end of the stage (the peak for a spike)
  Nanos rise = 0;   // spike only
};

// "30s@100" (step), "10s->500" (ramp), "spike:20s@2000/1s" (spike of 20 s with 1 s edges).
Result<Stage> parse_stage(std::string_view text);
std::string format_stage(const Stage& stage);

// A piecewise-linear rate function of time and its integral (the expected number of
// arrivals so far), which the schedule inverts.
class RatePlan {
 public:
  // `warmup` is a leading step at the first stage's start rate (or its rate for a step).
  static Result<RatePlan> build(const std::vector<Stage>& stages, Nanos warmup = 0);

  Nanos warmup() const { return warmup_; }
  Nanos end() const { return end_; }  // warm-up plus every stage
  double rate_at(Nanos t) const;
  // Expected arrivals in [0, t).
  double cumulative(Nanos t) const;
  // The time at which cumulative() reaches `lambda`; nullopt at or past the end.
  std::optional<Nanos> invert(double lambda, std::size_t& segment_hint) const;

 private:
  struct Segment {
    Nanos start = 0;
    Nanos duration = 0;
    double r0 = 0;
    double r1 = 0;
    double before = 0;  // cumulative() at start
  };
  std::vector<Segment> segments_;
  Nanos warmup_ = 0;
  Nanos end_ = 0;
  double total_ = 0;
};

enum class ArrivalProcess { constant, poisson };
Result<ArrivalProcess> parse_arrival_process(std::string_view text);
std::string_view to_string(ArrivalProcess p);

struct Arrival {
  std::uint64_t index = 0;  // position in the global schedule (all instances, all workers)
  Nanos at = 0;             // intended start
};

// The global arrival sequence, of which this schedule yields the arrivals with
// index % stride == offset: several workers and several generator instances share one
// rate exactly, however low (wrk2 divides the rate per connection and loses the
// remainder). Constant: arrival k at cumulative = k. Poisson: at cumulative = the sum of k+1
// unit exponentials drawn from `seed`, identical in every instance.
class Schedule {
 public:
  Schedule(const RatePlan& plan, ArrivalProcess process, std::uint64_t seed,
           std::uint64_t stride = 1, std::uint64_t offset = 0);
  std::optional<Arrival> next();

 private:
  const RatePlan* plan_;
  ArrivalProcess process_;
  std::mt19937_64 rng_;
  std::uint64_t stride_;
  std::uint64_t next_index_;
  double poisson_sum_ = 0;
  std::uint64_t poisson_index_ = 0;  // how many exponentials summed so far
  std::size_t segment_hint_ = 0;
  bool done_ = false;
};

}  // namespace tongban::loadgen

// The load engine's core, free of I/O: a worker turns its share of the arrival schedule
// (or its virtual users, closed loop) into flows of HTTP steps over a Transport, on a Loop
// that tells the time and runs timers, and records what happened. The real loop and
// transport are Asio and HTTP/1.1 (http_transport.hpp); tests drive the same worker on
// simulated ones, so no test sleeps.
#pragma once

#include <compare>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tongban/loadgen/histogram.hpp"
#include "tongban/loadgen/scenario.hpp"
#include "tongban/loadgen/schedule.hpp"

namespace tongban::loadgen {

struct HttpResult {
  enum class Outcome { response, connect_error, timeout, io_error };
  Outcome outcome = Outcome::response;
  int status = 0;
  Headers headers;
  std::string body;
  Nanos sent_at = -1;  // when the request went out on a connection (-1: it never did)
  Nanos done_at = 0;
  std::string error;  // transport failures: what happened
};

class Loop {
 public:
  virtual ~Loop() = default;
  virtual Nanos now() const = 0;
  // Runs `fn` on the loop's thread at `when` (at once if it has passed).
  virtual void at(Nanos when, std::function<void()> fn) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends on a free keep-alive connection to the target (waiting for one when all are
  // busy, so a wait shows in the corrected latency only) and calls `done` exactly once on
  // the loop's thread, unless the transport is destroyed first.
  virtual void send(std::size_t target, OutRequest request,
                    std::function<void(HttpResult&&)> done) = 0;
  virtual std::size_t open_connections() const = 0;
};

enum class Mode { open, closed };

// --record FILE: one JSON line per outcome of each step marked `record` (warm-up included):
// {"at", "op", "step", "index", "ok", "status", "error", "vars"}, vars being what the flow
// holds after the step (a case id, its cities). A check after a run reads it to find every
// acknowledged submission; "sent" are all the lines of a step, "acknowledged" the ok ones.
class Recorder {
 public:
  explicit Recorder(std::FILE* out) : out_(out) {}
  void write(std::string_view op, std::string_view step, std::uint64_t index, bool ok, int status,
             std::string_view error, const Vars& vars);
  std::int64_t lines() const;

 private:
  mutable std::mutex mu_;  // workers on several threads share the file
  std::FILE* out_;
  std::int64_t lines_ = 0;
};

struct RunConfig {
  Mode mode = Mode::open;
  Nanos warmup = 0;                   // flows due before this are run but not counted
  Nanos end = 0;                      // no flow starts at or after this (open loop: the plan's end)
  std::size_t max_in_flight = 10000;  // flows; beyond this arrivals wait (and lag)
  Nanos late_threshold = 1'000'000;   // a first request sent later than this is late
  std::uint64_t seed = 1;
  Nanos alarm_granularity = 0;  // see Worker::arm; the runner uses 50 µs
  // Closed loop: virtual users of this worker, pause between their iterations, and the
  // expected interval for HdrHistogram's correction (0: none).
  int vus = 0;
  Nanos think = 0;
  Nanos expected_interval = 0;
  // Iteration k of this worker is arrival index vu_offset + k * vu_stride, so every worker
  // and instance draws its own seeds.
  std::uint64_t vu_offset = 0;
  std::uint64_t vu_stride = 1;
  Recorder* recorder = nullptr;  // --record
};

// Latency of one kind of thing, in microseconds: from when it was due (corrected) and from
// when it was actually sent (uncorrected).
struct Entry {
  std::int64_t count = 0;
  std::int64_t errors = 0;
  Histogram corrected;
  Histogram uncorrected;
  void merge(const Entry& other);
};

struct ErrorKey {
  std::string endpoint;  // "operation/step", or "-" for arrivals never started
  int status = 0;        // 0 when there was no response
  std::string kind;      // connect, timeout, io, status, assertion, template, poll_timeout,
                         // dropped, aborted
  auto operator<=>(const ErrorKey&) const = default;
};

struct ErrorCount {
  std::int64_t count = 0;
  std::string sample;  // the first message seen
};

struct Counters {
  std::int64_t scheduled = 0;  // measured arrivals that came due (open loop)
  std::int64_t started = 0;    // measured flows started
  std::int64_t completed = 0;  // measured flows finished, ok or not
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::int64_t dropped = 0;   // due but never started when the run ended
  std::int64_t aborted = 0;   // started but unfinished when the drain ended
  std::int64_t requests = 0;  // measured requests completed (responses and failures)
  std::int64_t request_errors = 0;
  std::int64_t late = 0;  // first requests sent later than the late threshold
  std::int64_t warmup_flows = 0;
  void merge(const Counters& o);
};

struct Stats {
  Counters counters;
  Entry requests;       // every measured request
  Histogram send_lag;   // first requests: actual send - intended start
  Histogram start_lag;  // arrivals: when the worker started the flow - intended start; the
                        // generator's own delay (CPU, or the in-flight limit)
  std::map<std::string, Entry> operations;
  std::map<std::string, Entry> endpoints;
  std::map<std::string, Histogram> spans;  // "operation/span", corrected
  std::map<ErrorKey, ErrorCount> errors;
  Nanos last_done = 0;  // when the last measured request completed (run time)
  void merge(const Stats& o);
  void add_error(ErrorKey key, std::string_view message, std::int64_t n = 1);
};

// One second's worth, for the progress line and the CSV series.
struct Interval {
  std::int64_t sent = 0;
  std::int64_t done = 0;
  std::int64_t errors = 0;
  std::int64_t late = 0;
  Histogram latency{*Histogram::create(1, Histogram::kDefaultHighest, 2)};  // corrected
  Histogram send_lag{*Histogram::create(1, Histogram::kDefaultHighest, 2)};
  void merge(const Interval& o);
};

class Worker {
 public:
  // Open loop: `schedule` yields this worker's arrivals. Closed loop: pass nullopt and set
  // config.vus.
  Worker(const Scenario& scenario, const Vars& globals, RunConfig config, Loop& loop,
         Transport& transport, std::optional<Schedule> schedule);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  // Nothing left to start and nothing in flight.
  bool finished() const;
  // The drain is over: arrivals not started count as dropped, flows in flight as aborted;
  // later completions are ignored.
  void stop();

  // Runs one flow of `op` now, unmeasured (the setup steps); `done` gets the flow's vars or
  // the first failure.
  void run_once(const Operation& op, std::function<void(Result<Vars>)> done);

  const Stats& stats() const { return stats_; }
  Interval take_interval();  // any thread
  std::size_t in_flight() const { return in_flight_; }

 private:
  struct Flow;
  void on_alarm();
  void arm(Nanos when);
  void start_flow(const Operation& op, std::uint64_t index, Nanos due, bool measured, int vu);
  void run_step(Flow* flow);
  // run_step once the loop reaches `due` (the flow's next intended start).
  void run_step_at(Flow* flow, Nanos due);
  void end_spans(Flow* flow, Nanos done);
  void record(const Flow* flow, bool ok, int status, std::string_view error);
  void on_result(Flow* flow, HttpResult&& result);
  void finish_flow(Flow* flow, bool ok, std::string error = {});
  Flow* acquire_flow();
  void release_flow(Flow* flow);
  void vu_next(int vu, Nanos due);

  const Scenario& scenario_;
  const Vars& globals_;
  RunConfig config_;
  Loop& loop_;
  Transport& transport_;
  std::optional<Schedule> schedule_;
  std::optional<Arrival> next_;
  bool alarm_armed_ = false;
  Nanos alarm_at_ = 0;
  bool stopped_ = false;
  std::size_t in_flight_ = 0;
  std::uint64_t iterations_ = 0;  // closed loop
  int active_vus_ = 0;
  std::vector<std::unique_ptr<Flow>> flows_;
  std::vector<Flow*> free_;
  std::vector<std::string> endpoint_names_;  // per operation, per step: "op/step"
  std::vector<std::size_t> endpoint_base_;
  std::vector<Entry*> endpoint_entries_;  // into stats_.endpoints, filled on first use
  Stats stats_;
  mutable std::mutex interval_mu_;
  Interval interval_;
};

}  // namespace tongban::loadgen

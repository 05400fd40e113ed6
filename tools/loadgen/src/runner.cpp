#include "tongban/loadgen/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "tongban/core/clock.hpp"

namespace tongban::loadgen {
namespace {

using steady = std::chrono::steady_clock;

double ms(std::int64_t micros) { return static_cast<double>(micros) / 1000.0; }

// Runs `fn` on the loop's thread and waits for it.
template <class F>
auto on_loop(IoLoop& loop, F fn) {
  std::packaged_task<decltype(fn())()> task(std::move(fn));
  auto future = task.get_future();
  loop.post([&task] { task(); });
  return future.get();
}

struct Lane {  // one worker thread
  std::unique_ptr<IoLoop> loop;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<Worker> worker;
  std::thread thread;
};

std::size_t share(std::size_t total, std::size_t parts, std::size_t i) {
  return total / parts + (i < total % parts ? 1 : 0);
}

}  // namespace

double process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return static_cast<double>(utime + stime) / ticks;
}

Result<RatePlan> resolve_plan(const RunOptions& o, const Scenario& s, std::vector<Stage>& stages) {
  const Nanos warmup = o.warmup.value_or(s.defaults.warmup.value_or(0));
  stages.clear();
  if (o.mode == Mode::closed) {
    const auto duration = o.duration.value_or(s.defaults.duration.value_or(0));
    if (duration <= 0) {
      return fail(Error::invalid("duration", "required", "a closed-loop run needs --duration"));
    }
    stages.push_back(Stage{Stage::Kind::step, duration, 0});
    // A closed loop has no arrivals; the plan only carries the warm-up and the end.
    stages.back().rate = 1;
    return RatePlan::build(stages, warmup);
  }
  if (!o.stages.empty()) {
    stages = o.stages;
  } else if (o.rate || o.duration || s.defaults.stages.empty()) {
    const auto rate = o.rate ? o.rate : s.defaults.rate;
    const auto duration = o.duration ? o.duration : s.defaults.duration;
    if (!rate) {
      return fail(
          Error::invalid("rate", "required", "no --rate, --stage or scenario default rate"));
    }
    if (!duration) {
      return fail(Error::invalid("duration", "required",
                                 "no --duration, --stage or scenario default duration"));
    }
    stages.push_back(Stage{Stage::Kind::step, *duration, *rate});
  } else {
    stages = s.defaults.stages;
  }
  return RatePlan::build(stages, warmup);
}

Result<Report> run_load(const RunOptions& o, const Scenario& scenario,
                        std::vector<SecondRow>& series, std::FILE* progress) {
  std::vector<Stage> stages;
  auto plan = resolve_plan(o, scenario, stages);
  if (!plan) return fail(plan.error());
  for (const auto& t : scenario.targets) {
    if (t.urls.empty()) {
      return fail(Error::invalid("target", "required",
                                 "target '" + t.name + "' has no URL: pass --target " +
                                     (scenario.targets.size() > 1 ? t.name + "=URL" : "URL")));
    }
  }
  if (o.instances < 1 || o.instance < 0 || o.instance >= o.instances) {
    return fail(Error::invalid("instance", "range", "--instance i/n needs 0 <= i < n"));
  }

  const int connections = o.connections.value_or(scenario.defaults.connections.value_or(16));
  const Nanos timeout =
      o.timeout.value_or(scenario.defaults.timeout.value_or(10 * kNanosPerSecond));
  // Flows may finish after the schedule ends for as long as one request, or one poll (a
  // hand-off awaited), may take.
  Nanos longest = timeout;
  for (const auto& op : scenario.operations) {
    for (const auto& st : op.steps) {
      if (st->poll) longest = std::max(longest, st->poll->timeout);
    }
  }
  const Nanos drain = o.drain.value_or(longest + kNanosPerSecond);
  // Each thread needs a connection of its own to every URL.
  const int threads = std::max(1, std::min(o.threads, connections));
  const auto arrivals =
      o.arrivals.value_or(scenario.defaults.arrivals.value_or(ArrivalProcess::constant));

  TransportOptions topts;
  topts.connect_timeout = o.connect_timeout;
  topts.request_timeout = timeout;
  topts.extra_headers = o.extra_headers;
  topts.keep_headers = false;
  for (const auto& op : scenario.operations) {
    for (const auto& st : op.steps) topts.keep_headers = topts.keep_headers || st->reads_headers;
  }
  if (scenario.setup) topts.keep_headers = true;  // its transport is separate, but cheap

  // Setup: once, on this thread, before the clock of the run starts.
  Vars globals = scenario.vars;
  if (scenario.setup) {
    IoLoop loop(steady::now());
    auto transport = make_http_transport(loop, scenario.targets, topts);
    RunConfig c;
    c.seed = o.seed;
    Worker setup(scenario, globals, c, loop, *transport, std::nullopt);
    std::optional<Result<Vars>> got;
    loop.post([&] {
      setup.run_once(*scenario.setup, [&](Result<Vars> v) {
        got = std::move(v);
        loop.stop();
      });
    });
    loop.run();
    if (!got || !*got) {
      return fail(got ? got->error() : Error::internal("setup did not finish"));
    }
    for (auto& [k, v] : **got) globals[k] = std::move(v);
  }

  Report report;
  report.info.scenario = scenario.name;
  report.info.kind = scenario.kind;
  for (const auto& t : scenario.targets) {
    auto& urls = report.info.targets[t.name];
    for (const auto& u : t.urls) urls.push_back(u.url);
  }
  report.info.mode = o.mode == Mode::open ? "open" : "closed";
  report.info.arrivals = o.mode == Mode::open ? std::string(to_string(arrivals)) : "none";
  if (o.mode == Mode::open) {
    for (const auto& s : stages) report.info.stages.push_back(format_stage(s));
  }
  report.info.warmup_s = static_cast<double>(plan->warmup()) / 1e9;
  report.info.duration_s = static_cast<double>(plan->end() - plan->warmup()) / 1e9;
  report.info.seed = o.seed;
  report.info.instance = std::to_string(o.instance) + "/" + std::to_string(o.instances);
  report.info.threads = threads;
  report.info.connections = connections;
  report.info.vus = o.mode == Mode::closed ? o.vus : 0;
  report.info.max_in_flight = o.max_in_flight;
  report.info.timeout_s = static_cast<double>(timeout) / 1e9;
  report.info.started_at = to_rfc3339(Clock::system().now());

  // Start the run's clock a little ahead, so every thread is ready at second zero.
  const auto epoch = steady::now() + std::chrono::milliseconds(50);
  std::vector<Lane> lanes(static_cast<std::size_t>(threads));
  const auto stride = static_cast<std::uint64_t>(o.instances) * static_cast<std::uint64_t>(threads);
  for (std::size_t t = 0; t < lanes.size(); ++t) {
    auto& lane = lanes[t];
    lane.loop = std::make_unique<IoLoop>(epoch);
    auto lane_opts = topts;
    lane_opts.connections_per_url =
        std::max<std::size_t>(1, share(static_cast<std::size_t>(connections), lanes.size(), t));
    lane.transport = make_http_transport(*lane.loop, scenario.targets, lane_opts);
    RunConfig c;
    c.mode = o.mode;
    c.warmup = plan->warmup();
    c.end = plan->end();
    c.max_in_flight = std::max<std::size_t>(1, share(o.max_in_flight, lanes.size(), t));
    c.late_threshold = o.late_threshold;
    c.seed = o.seed;
    c.alarm_granularity = 50'000;
    c.recorder = o.recorder;
    const auto offset =
        static_cast<std::uint64_t>(o.instance) + static_cast<std::uint64_t>(o.instances) * t;
    std::optional<Schedule> schedule;
    if (o.mode == Mode::open) {
      schedule.emplace(*plan, arrivals, o.seed, stride, offset);
    } else {
      c.vus = static_cast<int>(share(static_cast<std::size_t>(o.vus), lanes.size(), t));
      c.think = o.think;
      c.expected_interval = o.expected_interval;
      c.vu_offset = offset;
      c.vu_stride = stride;
    }
    lane.worker = std::make_unique<Worker>(scenario, globals, c, *lane.loop, *lane.transport,
                                           std::move(schedule));
  }
  for (auto& lane : lanes) {
    lane.loop->post([w = lane.worker.get()] { w->start(); });
    lane.thread = std::thread([l = lane.loop.get()] { l->run(); });
  }

  // The main thread ticks once a second: progress, the series, the CPU, the end.
  const Nanos end = plan->end();
  const Nanos hard_end = end + drain;
  double cpu_before = process_cpu_seconds();
  auto wall_before = steady::now();
  for (int second = 1;; ++second) {
    std::this_thread::sleep_until(epoch + std::chrono::seconds(second));
    const Nanos now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - epoch).count();
    SecondRow row;
    row.second = second - 1;
    row.warmup = static_cast<Nanos>(row.second) * kNanosPerSecond < plan->warmup();
    for (auto& lane : lanes) {
      row.interval.merge(lane.worker->take_interval());
      row.in_flight += on_loop(*lane.loop, [w = lane.worker.get()] { return w->in_flight(); });
    }
    const double cpu_now = process_cpu_seconds();
    const auto wall_now = steady::now();
    const double wall = std::chrono::duration<double>(wall_now - wall_before).count();
    row.cpu_percent = wall > 0 ? 100.0 * (cpu_now - cpu_before) / wall : 0;
    cpu_before = cpu_now;
    wall_before = wall_now;
    if (progress) {
      const auto& i = row.interval;
      std::fprintf(progress,
                   "[%4ds%s] sent %6lld  done %6lld  p50 %8.3f ms  p99 %8.3f ms  errors %lld  "
                   "late %lld  send lag p99 %7.3f ms  in flight %zu  cpu %3.0f%%\n",
                   row.second + 1, row.warmup ? " warmup" : "", static_cast<long long>(i.sent),
                   static_cast<long long>(i.done), ms(i.latency.value_at_percentile(50)),
                   ms(i.latency.value_at_percentile(99)), static_cast<long long>(i.errors),
                   static_cast<long long>(i.late), ms(i.send_lag.value_at_percentile(99)),
                   row.in_flight, row.cpu_percent);
      std::fflush(progress);
    }
    series.push_back(std::move(row));
    if (now < end) continue;
    bool all_done = true;
    for (auto& lane : lanes) {
      all_done = all_done && on_loop(*lane.loop, [w = lane.worker.get()] { return w->finished(); });
    }
    if (all_done || now >= hard_end) break;
  }
  for (auto& lane : lanes) {
    on_loop(*lane.loop, [w = lane.worker.get()] {
      w->stop();
      return 0;
    });
    lane.loop->stop();
  }
  for (auto& lane : lanes) {
    lane.thread.join();
    report.stats.merge(lane.worker->stats());
  }
  // Destroy in order: worker, transport (its sockets), then the loop.
  for (auto& lane : lanes) {
    lane.worker.reset();
    lane.transport.reset();
    lane.loop.reset();
  }
  report.info.active_s =
      static_cast<double>(std::max<Nanos>(0, report.stats.last_done - plan->warmup())) / 1e9;
  report.saturation = assess_saturation(series, report.stats, threads);
  return report;
}

}  // namespace tongban::loadgen

#include "tongban/loadgen/engine.hpp"

#include <gtest/gtest.h>

#include "sim.hpp"

namespace tongban::loadgen {
namespace {

using sim::Reply;
using sim::SimLoop;
using sim::SimTransport;

constexpr Nanos kMs = 1'000'000;
constexpr Nanos kSecond = kNanosPerSecond;

Scenario scenario_from(std::string_view json) {
  auto s = Registry::instance().build(json);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return std::move(*s);
}

Scenario one_get() {
  return scenario_from(R"({"name": "t", "operations": [
      {"name": "get", "steps": [{"name": "get", "path": "/x"}]}]})");
}

struct Run {
  RatePlan plan;
  RunConfig config;
};

Run open_run(double rate, Nanos duration, Nanos warmup = 0) {
  auto plan = RatePlan::build({Stage{Stage::Kind::step, duration, rate}}, warmup);
  EXPECT_TRUE(plan);
  RunConfig c;
  c.warmup = plan->warmup();
  c.end = plan->end();
  return Run{*plan, c};
}

// Runs `workers` workers on one simulated loop and returns their merged stats.
Stats run_open(const Scenario& s, const Run& run, std::size_t workers, std::size_t connections,
               sim::Server server, Nanos drain = 60 * kSecond) {
  SimLoop loop;
  Vars globals;
  std::vector<std::unique_ptr<SimTransport>> transports;
  std::vector<std::unique_ptr<Worker>> ws;
  for (std::size_t w = 0; w < workers; ++w) {
    transports.push_back(std::make_unique<SimTransport>(loop, connections, server));
    ws.push_back(
        std::make_unique<Worker>(s, globals, run.config, loop, *transports.back(),
                                 Schedule(run.plan, ArrivalProcess::constant, 1, workers, w)));
  }
  for (auto& w : ws) w->start();
  loop.run(run.plan.end() + drain);
  Stats total;
  for (auto& w : ws) {
    w->stop();
    total.merge(w->stats());
  }
  return total;
}

TEST(Engine, an_open_loop_run_sends_exactly_rate_times_duration_requests_after_the_warmup) {
  const auto s = one_get();
  const auto run = open_run(500, 4 * kSecond, 1 * kSecond);
  const auto stats = run_open(s, run, 1, 4, sim::constant_server(2 * kMs));
  EXPECT_EQ(stats.counters.scheduled, 2000);
  EXPECT_EQ(stats.counters.started, 2000);
  EXPECT_EQ(stats.counters.requests, 2000);
  EXPECT_EQ(stats.counters.ok, 2000);
  EXPECT_EQ(stats.counters.request_errors, 0);
  EXPECT_EQ(stats.counters.warmup_flows, 500);
  EXPECT_EQ(stats.requests.corrected.count(), 2000);
  EXPECT_EQ(stats.operations.at("get").count, 2000);
  EXPECT_EQ(stats.endpoints.at("get/get").count, 2000);
  EXPECT_EQ(stats.counters.late, 0);
  EXPECT_NEAR(static_cast<double>(stats.requests.corrected.value_at_percentile(99)), 2000, 5);
}

TEST(Engine, a_rate_below_the_number_of_workers_is_exact) {
  const auto s = one_get();
  const auto run = open_run(3, 10 * kSecond);
  const auto stats = run_open(s, run, 8, 1, sim::constant_server(1 * kMs));
  EXPECT_EQ(stats.counters.started, 30);
  EXPECT_EQ(stats.counters.ok, 30);
}

TEST(Engine, an_injected_one_second_server_stall_shows_in_the_corrected_p99_not_the_uncorrected) {
  const auto s = one_get();
  const auto run = open_run(100, 10 * kSecond);
  // 1 ms per request, but nothing is answered between 5 s and 6 s.
  const auto server = [](const OutRequest&, Nanos sent, std::size_t) {
    Nanos done = sent + 1 * kMs;
    if (done >= 5 * kSecond && sent < 6 * kSecond) done = std::max(done, 6 * kSecond);
    return Reply{done};
  };
  const auto stats = run_open(s, run, 1, 1, server);
  EXPECT_EQ(stats.counters.requests, 1000);
  const auto corrected_p99 = stats.requests.corrected.value_at_percentile(99);
  const auto uncorrected_p99 = stats.requests.uncorrected.value_at_percentile(99);
  // About 100 requests were due during the stall: from their intended start they waited up
  // to a second. From their actual send only the one caught in the stall did.
  EXPECT_GE(corrected_p99, 800'000) << "µs";
  EXPECT_LE(uncorrected_p99, 2'000) << "µs";
  EXPECT_GE(stats.requests.uncorrected.max(), 990'000);
  EXPECT_GT(stats.counters.late, 90);
  EXPECT_GE(stats.send_lag.max(), 900'000);
}

TEST(Engine, arrivals_beyond_the_in_flight_limit_wait_and_those_never_started_are_dropped) {
  const auto s = one_get();
  auto run = open_run(100, 2 * kSecond);
  run.config.max_in_flight = 1;
  // The server hangs: the first request never completes within the drain.
  const auto stats = run_open(s, run, 1, 1, sim::constant_server(100 * kSecond), 1 * kSecond);
  EXPECT_EQ(stats.counters.started, 1);
  EXPECT_EQ(stats.counters.aborted, 1);
  EXPECT_EQ(stats.counters.dropped, 199);
  EXPECT_EQ(stats.counters.scheduled, 200);
  EXPECT_EQ(stats.errors.at(ErrorKey{"-", 0, "dropped"}).count, 199);
  EXPECT_EQ(stats.errors.at(ErrorKey{"get/get", 0, "aborted"}).count, 1);
}

TEST(Engine, errors_are_counted_by_endpoint_status_and_kind) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "op", "steps": [{"name": "get", "path": "/x", "expect": {"status": [200]}}]}]})");
  const auto run = open_run(10, 10 * kSecond);
  int n = 0;
  const auto server = [&n](const OutRequest&, Nanos sent, std::size_t) {
    Reply r{sent + kMs};
    switch (n++ % 4) {
      case 1:
        r.status = 503;
        break;
      case 2:
        r.outcome = HttpResult::Outcome::timeout;
        break;
      case 3:
        r.outcome = HttpResult::Outcome::connect_error;
        break;
    }
    return r;
  };
  const auto stats = run_open(s, run, 1, 1, server);
  EXPECT_EQ(stats.counters.requests, 100);
  EXPECT_EQ(stats.counters.request_errors, 75);
  EXPECT_EQ(stats.errors.at(ErrorKey{"op/get", 503, "status"}).count, 25);
  EXPECT_EQ(stats.errors.at(ErrorKey{"op/get", 0, "timeout"}).count, 25);
  EXPECT_EQ(stats.errors.at(ErrorKey{"op/get", 0, "connect"}).count, 25);
  EXPECT_EQ(stats.endpoints.at("op/get").errors, 75);
}

TEST(Engine, steps_use_values_extracted_from_earlier_responses_after_their_think_time) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "flow", "steps": [
        {"name": "login", "method": "POST", "path": "/login", "body": {"user": "u{{ index }}"},
         "extract": {"token": "/token"}, "think": "500ms"},
        {"name": "read", "path": "/me", "headers": {"Authorization": "Bearer {{ token }}"},
         "expect": {"status": 200, "json": {"/ok": true}}}]}]})");
  const auto run = open_run(2, 1 * kSecond);
  SimLoop loop;
  Vars globals;
  std::vector<Nanos> read_at;
  SimTransport t(loop, 4, [&](const OutRequest& r, Nanos sent, std::size_t) {
    Reply reply{sent + 10 * kMs};
    if (r.path == "/login") {
      reply.body = R"({"token": "tok-)" + std::string(r.body.substr(10, 1)) + "\"}";
    } else {
      read_at.push_back(sent);
      reply.body = R"({"ok": true})";
    }
    return reply;
  });
  Worker w(s, globals, run.config, loop, t, Schedule(run.plan, ArrivalProcess::constant, 1));
  w.start();
  loop.run();
  ASSERT_EQ(t.sent_requests.size(), 4u);
  EXPECT_EQ(t.sent_requests[0].method, "POST");
  EXPECT_EQ(t.sent_requests[0].body, R"({"user":"u0"})");
  const auto auth = [](const OutRequest& r) {
    for (const auto& [k, v] : r.headers) {
      if (k == "Authorization") return v;
    }
    return std::string();
  };
  std::vector<std::string> seen;
  for (const auto& r : t.sent_requests) {
    if (r.path == "/me") seen.push_back(auth(r));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Bearer tok-0", "Bearer tok-1"}));
  EXPECT_EQ(read_at, (std::vector<Nanos>{510 * kMs, 1010 * kMs}));
  EXPECT_EQ(w.stats().counters.ok, 2);
  // The flow's latency runs from its intended start to its last response: think included.
  EXPECT_NEAR(static_cast<double>(w.stats().operations.at("flow").corrected.max()), 520'000, 600);
}

TEST(Engine, a_poll_repeats_until_its_condition_holds_and_a_span_measures_the_handoff) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "case", "steps": [
        {"name": "submit", "method": "POST", "path": "/cases", "extract": {"id": "/id"}},
        {"name": "wait", "path": "/cases/{{ id }}",
         "poll": {"until": {"/state": "FORWARDED"}, "interval": "100ms", "timeout": "5s"}}],
       "spans": [{"name": "handoff", "from": "submit", "to": "wait"}]}]})");
  const auto run = open_run(1, 1 * kSecond);
  SimLoop loop;
  Vars globals;
  SimTransport t(loop, 1, [](const OutRequest& r, Nanos sent, std::size_t) {
    Reply reply{sent + 1 * kMs};
    if (r.path == "/cases") {
      reply.body = R"({"id": "c1"})";
    } else if (sent < 300 * kMs) {
      reply.status = 404;  // not visible at the other place yet
    } else {
      reply.body = R"({"state": "FORWARDED"})";
    }
    return reply;
  });
  Worker w(s, globals, run.config, loop, t, Schedule(run.plan, ArrivalProcess::constant, 1));
  w.start();
  loop.run();
  EXPECT_EQ(t.sent_requests.size(), 5u);  // submit, then polls at 1, 102, 203, 304 ms
  EXPECT_EQ(t.sent_requests[1].path, "/cases/c1");
  EXPECT_EQ(w.stats().counters.ok, 1);
  EXPECT_EQ(w.stats().counters.request_errors, 0);
  const auto& handoff = w.stats().spans.at("case/handoff");
  EXPECT_EQ(handoff.count(), 1);
  EXPECT_NEAR(static_cast<double>(handoff.max()), 305'000, 400);
}

TEST(Engine, a_poll_with_backoff_waits_a_share_of_the_time_already_waited) {
  // 10 ms floor, backoff 0.5: each poll waits max(10 ms, half of what it waited so far),
  // so a condition that takes 1 s is seen within half as long again, with a few polls
  // instead of a hundred.
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "case", "steps": [
        {"name": "wait", "path": "/c",
         "poll": {"until": {"/state": "DONE"}, "interval": "10ms", "timeout": "5s",
                  "backoff": 0.5}}]}]})");
  const auto run = open_run(1, 1 * kSecond);
  SimLoop loop;
  Vars globals;
  std::vector<Nanos> polled_at;
  SimTransport t(loop, 1, [&](const OutRequest&, Nanos sent, std::size_t) {
    polled_at.push_back(sent);
    Reply reply{sent};
    reply.body = sent < 1000 * kMs ? R"({"state": "WAIT"})" : R"({"state": "DONE"})";
    return reply;
  });
  Worker w(s, globals, run.config, loop, t, Schedule(run.plan, ArrivalProcess::constant, 1));
  w.start();
  loop.run();
  // 0, 10, 20 (10 ms floor), then +10 (half of 20), 45, 67.5, ... each 1.5 times the last.
  ASSERT_GE(polled_at.size(), 3u);
  EXPECT_EQ(polled_at[1] - polled_at[0], 10 * kMs);
  EXPECT_EQ(polled_at[2] - polled_at[1], 10 * kMs);
  for (std::size_t i = 3; i < polled_at.size(); ++i) {
    const auto waited = polled_at[i - 1] - polled_at[0];
    EXPECT_EQ(polled_at[i] - polled_at[i - 1], std::max<Nanos>(10 * kMs, waited / 2)) << i;
  }
  EXPECT_LE(polled_at.size(), 14u);  // a fixed 10 ms would poll 101 times
  EXPECT_GE(polled_at.back(), 1000 * kMs);
  EXPECT_LE(polled_at.back(), 1500 * kMs);  // found at most half the wait late
  EXPECT_EQ(w.stats().counters.ok, 1);
}

TEST(Engine, a_poll_that_never_sees_its_condition_fails_as_poll_timeout) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "case", "steps": [
        {"name": "wait", "path": "/c",
         "poll": {"until": {"/state": "DONE"}, "interval": "1s", "timeout": "3s"}}]}]})");
  const auto run = open_run(1, 1 * kSecond);
  const auto stats = run_open(s, run, 1, 1, [](const OutRequest&, Nanos sent, std::size_t) {
    return Reply{sent + kMs, HttpResult::Outcome::response, 200, R"({"state": "WAIT"})"};
  });
  EXPECT_EQ(stats.counters.failed, 1);
  EXPECT_EQ(stats.errors.at(ErrorKey{"case/wait", 200, "poll_timeout"}).count, 1);
}

TEST(Engine, let_values_are_drawn_once_per_flow_and_shared_by_its_steps) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "o", "let": {"pair": "{{ city_pair }}"}, "steps": [
        {"name": "at_a", "path": "/a/{{ pair | first }}"},
        {"name": "at_b", "path": "/b/{{ pair | second }}/{{ pair }}"}]}]})");
  const auto run = open_run(20, 1 * kSecond);
  SimLoop loop;
  Vars globals;
  SimTransport t(loop, 2, sim::constant_server(kMs));
  Worker w(s, globals, run.config, loop, t, Schedule(run.plan, ArrivalProcess::constant, 1));
  w.start();
  loop.run();
  ASSERT_EQ(t.sent_requests.size(), 40u);
  std::map<std::string, std::string> a_of;  // pair -> the city sent to A
  for (std::size_t i = 0; i + 1 < t.sent_requests.size(); i += 2) {
    const auto& a = t.sent_requests[i].path;
    const auto& b = t.sent_requests[i + 1].path;
    ASSERT_TRUE(a.starts_with("/a/")) << a;
    const auto pair = b.substr(b.rfind('/') + 1);
    EXPECT_EQ(a.substr(3), pair.substr(0, 6));
    EXPECT_EQ(b.substr(3, 6), pair.substr(7));
  }
}

TEST(Engine, operations_are_drawn_by_weight_from_the_seed) {
  const auto s = scenario_from(R"({"name": "t", "operations": [
      {"name": "a", "weight": 9, "steps": [{"name": "s", "path": "/a"}]},
      {"name": "b", "weight": 1, "steps": [{"name": "s", "path": "/b"}]}]})");
  const auto run = open_run(1000, 10 * kSecond);
  const auto stats = run_open(s, run, 2, 4, sim::constant_server(kMs));
  EXPECT_NEAR(static_cast<double>(stats.operations.at("a").count), 9000, 300);
  EXPECT_EQ(stats.operations.at("a").count + stats.operations.at("b").count, 10'000);
  // The same seed draws the same mix, however many workers share the schedule.
  const auto again = run_open(s, run, 3, 4, sim::constant_server(kMs));
  EXPECT_EQ(again.operations.at("a").count, stats.operations.at("a").count);
}

TEST(Engine, a_closed_loop_runs_its_virtual_users_back_to_back_with_think_time) {
  const auto s = one_get();
  RunConfig c;
  c.mode = Mode::closed;
  c.vus = 2;
  c.think = 90 * kMs;
  c.end = 10 * kSecond;
  SimLoop loop;
  Vars globals;
  SimTransport t(loop, 2, sim::constant_server(10 * kMs));
  Worker w(s, globals, c, loop, t, std::nullopt);
  w.start();
  loop.run();
  EXPECT_TRUE(w.finished());
  // Each user: one request per 100 ms (10 ms service + 90 ms think) for 10 s.
  EXPECT_EQ(w.stats().counters.ok, 200);
  EXPECT_EQ(w.stats().requests.corrected.value_at_percentile(50), 10'007);
}

TEST(Engine, setup_steps_run_once_and_hand_their_values_to_every_flow) {
  const auto s = scenario_from(R"({"name": "t",
      "setup": [{"name": "login", "method": "POST", "path": "/login", "extract": {"token": "/t"}}],
      "operations": [{"name": "get", "steps": [
        {"name": "get", "path": "/r", "headers": {"Authorization": "Bearer {{ token }}"}}]}]})");
  SimLoop loop;
  Vars globals;
  SimTransport t(loop, 1, [](const OutRequest& r, Nanos sent, std::size_t) {
    return Reply{sent + kMs, HttpResult::Outcome::response, 200,
                 r.path == "/login" ? R"({"t": "secret"})" : "{}"};
  });
  const auto run = open_run(5, 1 * kSecond);
  Worker setup(s, globals, run.config, loop, t, std::nullopt);
  std::optional<Result<Vars>> got;
  setup.run_once(*s.setup, [&](Result<Vars> v) { got = std::move(v); });
  loop.run();
  ASSERT_TRUE(got && *got);
  globals = **got;
  EXPECT_EQ(globals.at("token"), "secret");
  Worker w(s, globals, run.config, loop, t, Schedule(run.plan, ArrivalProcess::constant, 1));
  w.start();
  loop.run();
  EXPECT_EQ(w.stats().counters.ok, 5);
  EXPECT_EQ(t.sent_requests.back().headers.at(0).second, "Bearer secret");
}

}  // namespace
}  // namespace tongban::loadgen

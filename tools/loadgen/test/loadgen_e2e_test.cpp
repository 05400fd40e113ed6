// tongban-loadgen against the real platform (tests/support's Stack: identity, catalog,
// datahub and three delegation nodes — Nanjing's, Wuxi's, Xuzhou's, each on its own Redis — on the
// test Kafka), as issue #9 asks CI to show: the smoke scenario completes without errors and
// writes a valid summary; an impossible threshold fails the run; a short hot-pair run
// completes its two-place life cycles and reports the hand-off. And seed-155-cities' whole
// mix on the three nodes, without an error. Counts and exit codes only.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>

#include "tongban/http/client.hpp"
#include "tongban/testing/agreements.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
using tongban::http::Client;
using tongban::http::Method;
using tongban::testing::parse_object;
using tongban::testing::read_file;
using tongban::testing::str;

constexpr const char* kNanjing = "320100";
constexpr const char* kWuxi = "320200";
constexpr const char* kXuzhou = "320300";  // no agreement: where refused submissions go

class LoadgenOnStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) return;
    tongban::testing::StackOptions o;
    o.kafka = *kafka;
    o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                  TONGBAN_DELEGATION_BIN, ""};
    o.catalog_seed_cities = 3;  // Nanjing, Wuxi, Xuzhou
    o.nodes = {{"lg-a", kNanjing}, {"lg-b", kWuxi}, {"lg-c", kXuzhou}};
    stack_ = new tongban::testing::Stack(std::move(o));
    if (!stack_->error().empty()) return;
    // The demo staff of every city (<role>-<code>, as scripts/seed makes them): the smoke
    // scenario logs in any city's clerk, hot-pair the window staff of both places.
    seed_error_ = tongban::testing::seed_demo_staff(TONGBAN_SEED_BIN, stack_->identity_url());
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    if (!stack_) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
    }
    ASSERT_TRUE(stack_->error().empty()) << stack_->error();
    ASSERT_TRUE(seed_error_.empty()) << seed_error_;
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("tongban-loadgen-e2e-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (HasFailure() && stack_) std::cerr << stack_->outputs(6000);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the generator; its exit code (-1 if it hung), its output in `output`.
  int run(std::vector<std::string> args, std::string* output = nullptr) {
    tongban::testing::ChildProcess p(TONGBAN_LOADGEN_BIN, std::move(args), {});
    const auto rc = p.wait(600s);
    if (output) *output = p.output();
    if (!rc) ADD_FAILURE() << "tongban-loadgen did not exit:\n" << p.output();
    return rc.value_or(-1);
  }

  std::vector<std::string> smoke_args(const fs::path& out) {
    return {"run",
            "--scenario",
            "smoke",
            "--target",
            "identity=" + stack_->identity_url(),
            "--target",
            "catalog=" + stack_->catalog_url(),
            "--target",
            "datahub=" + stack_->datahub_url(),
            "--rate",
            "10",
            "--duration",
            "5s",
            "--warmup",
            "1s",
            "--out",
            out.string(),
            "--quiet"};
  }

  std::string login(const std::string& name) {
    return tongban::testing::access_token(stack_->identity_url(), "staff", name,
                                          tongban::testing::kDemoStaffPassword);
  }

  // An agreement between Nanjing and Wuxi in force at both nodes (tests/support signs it).
  void sign_the_pair() {
    if (signed_) return;
    const auto da_a = login("dept_admin-" + std::string(kNanjing));
    const auto da_b = login("dept_admin-" + std::string(kWuxi));
    ASSERT_FALSE(da_a.empty());
    ASSERT_FALSE(da_b.empty());
    std::string error;
    const auto id =
        tongban::testing::sign_agreement({stack_->catalog_url(), stack_->node_url(0), kNanjing,
                                          da_a, kWuxi, da_b, stack_->node_url(1)},
                                         error);
    ASSERT_FALSE(id.empty()) << error;
    signed_ = true;
  }

  static inline tongban::testing::Stack* stack_ = nullptr;
  static inline std::string seed_error_;
  static inline bool signed_ = false;
  Client client_{{.connect_timeout = std::chrono::milliseconds(2000),
                  .request_timeout = std::chrono::milliseconds(30000)}};
  fs::path dir_;
};

TEST_F(LoadgenOnStack, the_smoke_scenario_completes_without_errors_and_writes_a_valid_summary) {
  const auto out = dir_ / "smoke";
  std::string output;
  ASSERT_EQ(run(smoke_args(out), &output), 0) << output;
  const auto s = parse_object(read_file(out / "summary.json"));
  ASSERT_FALSE(s.empty()) << read_file(out / "summary.json");
  // The schema's fields (tools/loadgen/README.md, "The JSON summary").
  EXPECT_EQ(str(s, "schema"), "tongban.loadgen.summary/v1");
  EXPECT_EQ(s.at("generator").at("name").as_string(), "tongban-loadgen");
  EXPECT_TRUE(s.at("generator").at("version").is_string());
  EXPECT_EQ(s.at("scenario").at("name").as_string(), "smoke");
  EXPECT_EQ(s.at("scenario").at("kind").as_string(), "http");
  const auto& run_info = s.at("run").as_object();
  for (const char* k : {"mode", "arrivals", "stages", "warmup_s", "duration_s", "active_s", "seed",
                        "instance", "instances", "threads", "connections", "vus", "max_in_flight",
                        "timeout_s", "started_at", "targets"}) {
    EXPECT_TRUE(run_info.contains(k)) << "run." << k;
  }
  EXPECT_EQ(run_info.at("mode").as_string(), "open");
  EXPECT_EQ(run_info.at("targets").at("identity").as_array().at(0).as_string(),
            stack_->identity_url());
  const auto& counts = s.at("counts").as_object();
  for (const char* k : {"scheduled", "started", "completed", "ok", "failed", "dropped", "aborted",
                        "requests", "request_errors", "late_sends", "warmup_flows"}) {
    ASSERT_TRUE(counts.contains(k) && counts.at(k).is_int64()) << "counts." << k;
  }
  EXPECT_EQ(counts.at("scheduled").as_int64(), 50);
  EXPECT_EQ(counts.at("ok").as_int64(), 50);
  EXPECT_EQ(counts.at("failed").as_int64(), 0);
  EXPECT_EQ(counts.at("dropped").as_int64(), 0);
  EXPECT_EQ(counts.at("request_errors").as_int64(), 0);
  EXPECT_GE(counts.at("requests").as_int64(), 50);
  for (const char* k : {"requests_per_s", "flows_per_s", "ok_flows_per_s"}) {
    EXPECT_TRUE(s.at("throughput").as_object().contains(k)) << "throughput." << k;
  }
  EXPECT_EQ(s.at("error_rate").to_number<double>(), 0.0);
  EXPECT_TRUE(s.at("errors").as_array().empty()) << json::serialize(s.at("errors"));
  const auto latency_ok = [](const json::value& v, std::int64_t count) {
    const auto& o = v.as_object();
    for (const char* k : {"count", "min_ms", "p50_ms", "p90_ms", "p99_ms", "p99_9_ms", "p99_99_ms",
                          "max_ms", "mean_ms", "stddev_ms", "hdr"}) {
      if (!o.contains(k)) return "missing " + std::string(k);
    }
    if (o.at("count").as_int64() != count) return std::string("count differs");
    if (!o.at("hdr").as_string().starts_with("HISTFAAA")) return std::string("hdr");
    if (o.at("p99_ms").to_number<double>() < o.at("p50_ms").to_number<double>()) {
      return std::string("p99 below p50");
    }
    return std::string();
  };
  const auto requests = counts.at("requests").as_int64();
  EXPECT_EQ(latency_ok(s.at("requests").at("corrected"), requests), "");
  EXPECT_EQ(latency_ok(s.at("requests").at("uncorrected"), requests), "");
  EXPECT_TRUE(s.contains("send_lag") && s.contains("start_lag"));
  // Every operation of the scenario ran, each endpoint is listed.
  const auto& ops = s.at("operations").as_object();
  for (const char* op : {"login", "catalog_search", "datahub_directory"}) {
    ASSERT_TRUE(ops.contains(op)) << op;
    EXPECT_EQ(ops.at(op).at("errors").as_int64(), 0) << op;
  }
  EXPECT_TRUE(s.at("endpoints").as_object().contains("login/me"));
  for (const char* k : {"cpu_percent_max", "cpu_percent_mean", "cpu_cores", "warning"}) {
    EXPECT_TRUE(s.at("saturation").as_object().contains(k)) << "saturation." << k;
  }
  // The scenario's own threshold, evaluated and held.
  ASSERT_EQ(s.at("slo").as_array().size(), 1u);
  EXPECT_EQ(s.at("slo").at(0).at("threshold").as_string(), "errors<0.1%");
  EXPECT_TRUE(s.at("slo").at(0).at("passed").as_bool());
  EXPECT_TRUE(s.at("passed").as_bool());
  // The same summary on one line of stdout, for log collectors.
  bool line_found = false;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("{\"schema\"")) continue;
    const auto o = parse_object(line);
    line_found = !o.empty() && o.at("counts").at("ok").as_int64() == 50;
  }
  EXPECT_TRUE(line_found) << output.substr(0, 3000);
  // The series: a row per second, warm-up included.
  const auto csv = read_file(out / "series.csv");
  EXPECT_TRUE(csv.starts_with("second,phase,sent,done,errors"));
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 7);
}

TEST_F(LoadgenOnStack, an_impossible_threshold_makes_the_exit_code_one) {
  const auto out = dir_ / "impossible";
  auto args = smoke_args(out);
  args.insert(args.end(), {"--slo", "p99<1us"});
  std::string output;
  EXPECT_EQ(run(args, &output), 1) << output;
  const auto s = parse_object(read_file(out / "summary.json"));
  ASSERT_FALSE(s.empty());
  EXPECT_FALSE(s.at("passed").as_bool());
  bool failed = false;
  for (const auto& v : s.at("slo").as_array()) {
    if (v.at("threshold").as_string() == "p99<1us") failed = !v.at("passed").as_bool();
  }
  EXPECT_TRUE(failed) << json::serialize(s.at("slo"));
  EXPECT_EQ(s.at("counts").at("request_errors").as_int64(), 0);  // the service was fine
}

TEST_F(LoadgenOnStack, a_short_hot_pair_run_completes_its_life_cycles_and_reports_the_handoff) {
  sign_the_pair();
  if (HasFatalFailure()) return;
  const auto out = dir_ / "hot-pair";
  const auto record = dir_ / "record.ndjson";
  std::string output;
  ASSERT_EQ(run({"run", "--scenario", "hot-pair", "--target", "identity=" + stack_->identity_url(),
                 "--target", "catalog=" + stack_->catalog_url(), "--target",
                 "a=" + stack_->node_url(0), "--target", "b=" + stack_->node_url(1), "--var",
                 "nodes=a=" + std::string(kNanjing) + ";b=" + kWuxi, "--var",
                 "pairs=" + std::string(kNanjing) + "-" + kWuxi,
                 // A node just started may take a while to join its consumer groups on a
                 // busy machine: the first hand-offs wait for it (no timing is asserted).
                 "--var", "poll_timeout=120s", "--rate", "3", "--duration", "5s", "--warmup", "0s",
                 "--record", record.string(), "--out", out.string(), "--quiet"},
                &output),
            0)
      << output;
  const auto s = parse_object(read_file(out / "summary.json"));
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.at("scenario").at("kind").as_string(), "delegation");
  const auto& counts = s.at("counts").as_object();
  EXPECT_EQ(counts.at("scheduled").as_int64(), 15);
  EXPECT_EQ(counts.at("ok").as_int64(), 15);
  EXPECT_EQ(counts.at("request_errors").as_int64(), 0);
  EXPECT_TRUE(s.at("errors").as_array().empty()) << json::serialize(s.at("errors"));
  // Every life cycle reached COMPLETED and was rated; the hand-off span has one per case.
  const auto& endpoints = s.at("endpoints").as_object();
  ASSERT_TRUE(endpoints.contains("lifecycle/complete") && endpoints.contains("lifecycle/rate"))
      << json::serialize(endpoints).substr(0, 2000);
  EXPECT_EQ(endpoints.at("lifecycle/complete").at("count").as_int64(), 15);
  EXPECT_EQ(endpoints.at("lifecycle/rate").at("count").as_int64(), 15);
  const auto& spans = s.at("spans").as_object();
  ASSERT_TRUE(spans.contains("lifecycle/handoff") && spans.contains("lifecycle/completed"))
      << json::serialize(spans);
  EXPECT_EQ(spans.at("lifecycle/handoff").at("count").as_int64(), 15);
  EXPECT_GT(spans.at("lifecycle/handoff").at("p50_ms").to_number<double>(), 0.0);
  EXPECT_EQ(spans.at("lifecycle/completed").at("count").as_int64(), 15);
  // The record: every submission acknowledged with its case, received in one of the two
  // cities for a resident of the other; then forwarded and completed.
  std::map<std::string, int> steps;
  std::set<std::string> cases;
  std::istringstream lines(read_file(record));
  for (std::string line; std::getline(lines, line);) {
    const auto o = parse_object(line);
    ASSERT_FALSE(o.empty()) << line;
    EXPECT_TRUE(o.at("ok").as_bool()) << line;
    const auto step = std::string(o.at("step").as_string());
    ++steps[step];
    if (step != "submit") continue;
    const auto& vars = o.at("vars").as_object();
    cases.insert(str(vars, "case_id"));
    EXPECT_NE(str(vars, "receiving"), str(vars, "accepting"));
  }
  EXPECT_EQ(cases.size(), 15u);
  EXPECT_EQ(steps["forward"], 15);
  EXPECT_EQ(steps["complete"], 15);
  // And the accepting node holds each case as COMPLETED.
  const auto admin = stack_->admin_token();
  int completed = 0;
  std::istringstream again(read_file(record));
  for (std::string line; std::getline(again, line);) {
    const auto o = parse_object(line);
    if (o.at("step").as_string() != "complete") continue;
    const auto& vars = o.at("vars").as_object();
    const auto node =
        str(vars, "accepting") == kNanjing ? stack_->node_url(0) : stack_->node_url(1);
    auto got = client_.request(Method::get, node + "/v1/cases/" + str(vars, "case_id"),
                               {{"Authorization", "Bearer " + admin}}, "");
    completed += got && got->status == 200 && str(parse_object(got->body), "state") == "COMPLETED";
  }
  EXPECT_EQ(completed, 15);
}

// Every action of the delegation kind against the real services: supplements, rejections,
// denials, withdrawals, refusals where no agreement exists (Xuzhou has none), reads.
TEST_F(LoadgenOnStack, the_seed_155_cities_mix_runs_every_action_without_errors) {
  sign_the_pair();
  if (HasFatalFailure()) return;
  const auto out = dir_ / "seed-155";
  std::string output;
  ASSERT_EQ(
      run({"run", "--scenario", "seed-155-cities", "--target", "identity=" + stack_->identity_url(),
           "--target", "catalog=" + stack_->catalog_url(), "--target", "a=" + stack_->node_url(0),
           "--target", "b=" + stack_->node_url(1), "--target", "c=" + stack_->node_url(2), "--var",
           "nodes=a=" + std::string(kNanjing) + ";b=" + kWuxi + ";c=" + kXuzhou, "--var",
           "pairs=" + std::string(kNanjing) + "-" + kWuxi,
           // A node just started may take a while to join its consumer groups on a
           // busy machine: the first hand-offs wait for it (no timing is asserted).
           "--var", "poll_timeout=120s", "--rate", "6", "--duration", "10s", "--warmup", "0s",
           "--seed", "3", "--out", out.string(), "--quiet"},
          &output),
      0)
      << output;
  const auto s = parse_object(read_file(out / "summary.json"));
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s.at("counts").at("ok").as_int64(), 60);
  EXPECT_EQ(s.at("counts").at("request_errors").as_int64(), 0);
  EXPECT_TRUE(s.at("errors").as_array().empty()) << json::serialize(s.at("errors"));
  // With seed 3, every operation of the mix ran at least once.
  const auto& ops = s.at("operations").as_object();
  for (const char* op : {"lifecycle", "supplemented", "rejected", "withdrawn", "refused",
                         "my_cases", "work_queue"}) {
    EXPECT_TRUE(ops.contains(op)) << op << " did not run: " << json::serialize(ops).substr(0, 600);
  }
}

}  // namespace

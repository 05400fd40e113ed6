// tongban-loadgen as a user runs it: the binary against a real HTTP server this test starts
// (libs/http on an ephemeral port). Asserts counts and exit codes, never timings.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "tongban/http/server.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
using tongban::testing::read_file;

class LoadgenRun : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<tongban::http::Router>();
    router->get("/hello", [](tongban::http::Request&) {
      return tongban::http::Response::text(200, "hello, tongban\n");
    });
    router->post("/sessions", [](tongban::http::Request& req) {
      return tongban::http::Response::json(
          200, json::object{{"token", "t-" + std::to_string(req.body.size())}});
    });
    router->get("/me", [](tongban::http::Request& req) {
      const auto* auth = req.header("Authorization");
      return tongban::http::Response::text(auth && auth->starts_with("Bearer t-") ? 200 : 401,
                                           "{}");
    });
    router->get("/unavailable",
                [](tongban::http::Request&) { return tongban::http::Response::text(503, "down"); });
    tongban::http::ServerOptions opts;
    opts.io_threads = 1;
    opts.worker_threads = 4;
    auto server = tongban::http::Server::start(opts, router, nullptr);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("tongban-loadgen-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the binary; returns its exit code (-1 if it hung).
  int run(std::vector<std::string> args, std::string* output = nullptr) {
    tongban::testing::ChildProcess p(TONGBAN_LOADGEN_BIN, std::move(args), {});
    const auto rc = p.wait(120s);
    if (output) *output = p.output();
    if (!rc) ADD_FAILURE() << "tongban-loadgen did not exit:\n" << p.output();
    return rc.value_or(-1);
  }

  json::object summary(const fs::path& out) {
    const auto text = read_file(out / "summary.json");
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    EXPECT_FALSE(ec) << text;
    return v.is_object() ? v.get_object() : json::object{};
  }

  std::int64_t count(const json::object& s, std::string_view key) {
    return s.at("counts").at(key).as_int64();
  }

  std::unique_ptr<tongban::http::Server> server_;
  std::string base_;
  fs::path dir_;
};

TEST_F(LoadgenRun, a_fixed_rate_run_sends_rate_times_duration_requests_without_errors) {
  const auto out = dir_ / "fixed";
  std::string output;
  ASSERT_EQ(run({"run", "--target", base_ + "/hello", "--rate", "200", "--duration", "3s",
                 "--warmup", "1s", "--connections", "4", "--out", out.string(), "--quiet"},
                &output),
            0)
      << output;
  const auto s = summary(out);
  EXPECT_EQ(s.at("schema").as_string(), "tongban.loadgen.summary/v1");
  EXPECT_NEAR(static_cast<double>(count(s, "requests")), 600, 1);
  EXPECT_EQ(count(s, "started"), count(s, "requests"));
  EXPECT_EQ(count(s, "request_errors"), 0);
  EXPECT_EQ(count(s, "dropped"), 0);
  EXPECT_EQ(count(s, "warmup_flows"), 200);
  EXPECT_TRUE(s.at("passed").as_bool());
  EXPECT_TRUE(s.at("errors").as_array().empty());
  EXPECT_EQ(s.at("requests").at("corrected").at("count").as_int64(), count(s, "requests"));
  EXPECT_TRUE(s.at("requests").at("corrected").at("hdr").as_string().starts_with("HISTFAAA"));
  // The series has a row per second and the spectrum its 100 % line.
  const auto csv = read_file(out / "series.csv");
  EXPECT_TRUE(csv.starts_with("second,phase,sent,done"));
  EXPECT_GE(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_NE(read_file(out / "latency.hgrm").find("1.000000"), std::string::npos);
  EXPECT_FALSE(read_file(out / "latency-uncorrected.hgrm").empty());
}

TEST_F(LoadgenRun, an_impossible_slo_makes_the_exit_code_non_zero) {
  const auto out = dir_ / "slo";
  EXPECT_EQ(run({"run", "--target", base_ + "/hello", "--rate", "50", "--duration", "1s", "--slo",
                 "p99<1us", "--slo", "errors<0.1%", "--out", out.string(), "--quiet"}),
            1);
  const auto s = summary(out);
  EXPECT_FALSE(s.at("passed").as_bool());
  const auto& slos = s.at("slo").as_array();
  ASSERT_EQ(slos.size(), 2u);
  EXPECT_FALSE(slos[0].at("passed").as_bool());
  EXPECT_TRUE(slos[1].at("passed").as_bool());
}

TEST_F(LoadgenRun, errors_are_counted_by_endpoint_status_and_kind) {
  const auto out = dir_ / "errors";
  std::string output;
  EXPECT_EQ(run({"run", "--target", base_ + "/unavailable", "--rate", "20", "--duration", "1s",
                 "--slo", "errors<1%", "--out", out.string(), "--quiet"},
                &output),
            1)
      << output;
  const auto s = summary(out);
  EXPECT_EQ(count(s, "request_errors"), 20);
  const auto& errors = s.at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("endpoint").as_string(), "get/get");
  EXPECT_EQ(errors[0].at("status").as_int64(), 503);
  EXPECT_EQ(errors[0].at("kind").as_string(), "status");
  EXPECT_EQ(errors[0].at("count").as_int64(), 20);
}

TEST_F(LoadgenRun, a_target_that_refuses_connections_counts_connect_errors) {
  // A port from the server we stop: nothing listens there any more.
  const std::string dead = base_;
  server_->stop(1s);
  server_.reset();
  const auto out = dir_ / "refused";
  EXPECT_EQ(run({"run", "--target", dead + "/hello", "--rate", "10", "--duration", "1s", "--slo",
                 "errors<1%", "--out", out.string(), "--quiet"}),
            1);
  const auto s = summary(out);
  EXPECT_EQ(count(s, "request_errors"), 10);
  EXPECT_EQ(s.at("errors").as_array()[0].at("kind").as_string(), "connect");
}

TEST_F(LoadgenRun, a_scenario_file_chains_steps_through_extracted_values) {
  const auto file = dir_ / "login.json";
  std::ofstream(file) << R"({
    "name": "login-me",
    "targets": {"api": null},
    "operations": [{"name": "login", "steps": [
      {"name": "login", "target": "api", "method": "POST", "path": "/sessions",
       "body": {"user": "u{{ index }}"}, "expect": {"status": 200}, "extract": {"token": "/token"}},
      {"name": "me", "target": "api", "path": "/me",
       "headers": {"Authorization": "Bearer {{ token }}"}, "expect": {"status": 200}}]}],
    "defaults": {"rate": 40, "duration": "1s"},
    "slo": ["errors<0.1%"]
  })";
  const auto out = dir_ / "scenario";
  std::string output;
  ASSERT_EQ(run({"run", "--scenario", file.string(), "--target", "api=" + base_, "--out",
                 out.string(), "--quiet"},
                &output),
            0)
      << output;
  const auto s = summary(out);
  EXPECT_EQ(count(s, "started"), 40);
  EXPECT_EQ(count(s, "ok"), 40);
  EXPECT_EQ(count(s, "requests"), 80);
  EXPECT_EQ(s.at("endpoints").at("login/me").at("count").as_int64(), 40);
}

TEST_F(LoadgenRun, two_instances_sharing_a_rate_merge_into_the_whole_run) {
  const auto a = dir_ / "a";
  const auto b = dir_ / "b";
  const std::vector<std::string> common = {
      "run", "--target", base_ + "/hello", "--rate", "100", "--duration", "2s", "--quiet", "--out"};
  auto args_a = common;
  args_a.insert(args_a.end(), {a.string(), "--instance", "0/2"});
  auto args_b = common;
  args_b.insert(args_b.end(), {b.string(), "--instance", "1/2"});
  tongban::testing::ChildProcess pa(TONGBAN_LOADGEN_BIN, args_a, {});
  tongban::testing::ChildProcess pb(TONGBAN_LOADGEN_BIN, args_b, {});
  ASSERT_EQ(pa.wait(60s), 0) << pa.output();
  ASSERT_EQ(pb.wait(60s), 0) << pb.output();
  EXPECT_EQ(count(summary(a), "requests"), 100);
  EXPECT_EQ(count(summary(b), "requests"), 100);
  const auto merged = dir_ / "merged";
  ASSERT_EQ(run({"merge", (a / "summary.json").string(), (b / "summary.json").string(), "--out",
                 merged.string(), "--slo", "errors<0.1%"}),
            0);
  const auto m = summary(merged);
  EXPECT_EQ(count(m, "requests"), 200);
  EXPECT_EQ(m.at("run").at("instances").as_int64(), 2);
  EXPECT_EQ(m.at("requests").at("corrected").at("count").as_int64(), 200);
}

TEST_F(LoadgenRun, bad_usage_exits_with_two_and_says_why) {
  std::string output;
  EXPECT_EQ(run({"run", "--rate", "fast"}, &output), 2);
  EXPECT_NE(output.find("--rate"), std::string::npos);
  EXPECT_EQ(run({"run", "--rate", "10", "--duration", "1s"}, &output), 2);
  EXPECT_NE(output.find("--target"), std::string::npos) << output;
  EXPECT_EQ(run({"run", "--target", base_, "--slo", "p99<fast"}, &output), 2);
  EXPECT_EQ(run({"scenarios"}, &output), 0);
  EXPECT_NE(output.find("smoke"), std::string::npos);
  EXPECT_EQ(run({"check", "smoke"}, &output), 0) << output;
  const auto broken = dir_ / "broken.json";
  std::ofstream(broken) << R"({"name": "b", "operations": [{"name": "o", "steps": [
      {"name": "s", "path": "/{{ nowhere }}"}]}]})";
  EXPECT_EQ(run({"check", broken.string()}, &output), 2);
  EXPECT_NE(output.find("nowhere"), std::string::npos) << output;
}

}  // namespace

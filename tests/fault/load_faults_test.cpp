// Faults under load (issue #10): the platform as processes — identity, catalog, datahub, two
// delegation nodes (Nanjing's and Wuxi's), portal — on a Redis with an append-only file and a
// Kafka broker of this test's own, while tongban-loadgen runs hot-pair life cycles between
// the two cities at a steady rate. One generator run per fault: kill -9 each service in turn
// and start it again; stop and start the broker; restart Redis. Afterwards, from what the
// generator recorded (--record) and what the nodes and the portal hold:
//   every acknowledged submission exists exactly once at its receiving node,
//   every forwarded case is visible exactly once at its accepting node,
//   no timeline has a version twice or a gap (no event applied twice, none skipped),
//   the portal's funnel counts the cases the nodes hold, state by state.
// The counts (sent, acknowledged, found, duplicates, lost) are printed and written to
// <build>/test-results/load-faults.json; docs/reliability.md keeps figures of runs.
//
// Knobs (scripts/fault runs a longer version): TONGBAN_FAULT_RATE (cases/s, default 4),
// TONGBAN_FAULT_HOLD (seconds of load after each restart, default 8), TONGBAN_FAULT_ROUNDS
// (times through the list of faults, default 1).
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/agreements.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/process.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
using tongban::http::Client;
using tongban::http::Method;
using tongban::testing::ChildProcess;
using tongban::testing::parse_object;
using tongban::testing::read_file;
using tongban::testing::str;

constexpr const char* kNanjing = "320100";  // node a
constexpr const char* kWuxi = "320200";     // node b
constexpr const char* kAdminPassword = tongban::testing::Stack::kAdminPassword;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(250ms);
  }
  return probe();
}

void log_line(const std::string& text) { std::cout << "[load-faults] " << text << std::endl; }

// A process this test can kill and start again with the same port and environment. The
// processes it replaced are kept, so their output can be shown when the test fails.
struct Proc {
  std::string name;
  std::string binary;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::unique_ptr<ChildProcess> child;
  std::vector<std::unique_ptr<ChildProcess>> retired;

  void start() {
    if (child) retired.push_back(std::move(child));
    child = std::make_unique<ChildProcess>(binary, args, env);
  }
  void kill9() {
    if (!child) return;
    child->signal(SIGKILL);
    child->wait(10s);
  }
  void stop(std::chrono::seconds grace) {
    if (!child) return;
    child->signal(SIGTERM);
    if (!child->wait(grace)) {
      child->signal(SIGKILL);
      child->wait(10s);
    }
  }
  std::string output(std::size_t max_bytes) const {
    std::string out;
    for (const auto& r : retired) out += r->output().substr(0, max_bytes / 2) + "\n[restarted]\n";
    if (child) out += child->output().substr(0, max_bytes);
    return out;
  }
};

class LoadFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tongban::testing::server_from_env("TONGBAN_TEST_KAFKA")) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "the test environment is not set up (scripts/test-env start): "
                      "this test needs the Kafka jars scripts/setup fetches";
    }
    dir_ = fs::temp_directory_path() / ("tongban-load-faults-" + tongban::ids::random_hex(4));
    fs::create_directories(dir_ / "redis");
    fs::create_directories(dir_ / "kafka");
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto* p : all()) {
        std::cerr << "---- " << p->name << "\n" << p->output(8000) << "\n";
      }
    }
    // Services first (they flush to Kafka and Redis), then the broker and Redis.
    for (auto* p : {&portal_, &node_b_, &node_a_, &datahub_, &catalog_, &identity_}) p->stop(20s);
    kafka_.stop(60s);
    redis_.stop(20s);
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
  }

  std::vector<Proc*> all() {
    return {&redis_, &kafka_, &identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_};
  }

  // ---- the servers ---------------------------------------------------------------------

  void start_redis() {
    redis_.name = "redis";
    redis_.binary = "/usr/bin/redis-server";
    redis_port_ = tongban::testing::free_port();
    // The append-only file with fsync every second, as scripts/lib/redis.sh runs it.
    redis_.args = {"--port",        std::to_string(redis_port_),
                   "--bind",        "127.0.0.1",
                   "--dir",         (dir_ / "redis").string(),
                   "--appendonly",  "yes",
                   "--appendfsync", "everysec",
                   "--save",        ""};
    redis_.start();
    ASSERT_TRUE(eventually([&] { return tongban::testing::port_answers(redis_port_); }, 30s))
        << redis_.output(2000);
  }

  // The broker of scripts/lib/kafka.sh (same configuration), but a child of this test so it
  // cannot outlive it.
  void start_kafka() {
    kafka_.name = "kafka";
    kafka_port_ = tongban::testing::free_port();
    const int controller = tongban::testing::free_port();
    const auto kdir = (dir_ / "kafka").string();
    const std::string script = std::string(TONGBAN_SOURCE_DIR) + "/scripts/lib";
    ChildProcess prepare(
        "/bin/bash",
        {"-c",
         "set -euo pipefail; source \"$0/common.sh\"; source \"$0/kafka.sh\"; kafka_require_jars;"
         " kafka_write_config \"$1\" \"$2\" \"$3\"; id=-; while [[ $id == -* ]]; do"
         " id=\"$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')\"; done;"
         " \"$TB_JAVA\" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
         " -Dlog4j.configuration=\"file:$1/log4j.properties\" -cp \"$(kafka_classpath)\""
         " kafka.tools.StorageTool format -t \"$id\" -c \"$1/server.properties\" >\"$1/format.log\""
         " 2>&1; printf 'JAVA=%s\\nCP=%s\\n' \"$(command -v \"$TB_JAVA\")\" \"$(kafka_classpath)\"",
         script, kdir, std::to_string(kafka_port_), std::to_string(controller)},
        {});
    ASSERT_EQ(prepare.wait(180s), 0) << prepare.output();
    std::string java, classpath;
    for (const auto& line : prepare.lines()) {
      if (line.starts_with("JAVA=")) java = line.substr(5);
      if (line.starts_with("CP=")) classpath = line.substr(3);
    }
    ASSERT_FALSE(java.empty() || classpath.empty()) << prepare.output();
    kafka_.binary = java;
    kafka_.args = {"-Xmx512m",
                   "-Xms256m",
                   "-XX:+UseG1GC",
                   "-XX:MaxGCPauseMillis=20",
                   "-XX:+ExitOnOutOfMemoryError",
                   "-Djava.awt.headless=true",
                   "-Dlog4j.configuration=file:" + kdir + "/log4j.properties",
                   "-Dkafka.logs.dir=" + kdir + "/logs",
                   "-cp",
                   classpath,
                   "kafka.Kafka",
                   kdir + "/server.properties"};
    restart_kafka(false);
  }

  int kafka_starts() {
    const auto log = read_file(dir_ / "kafka" / "logs" / "server.log");
    int n = 0;
    for (auto at = log.find("Kafka Server started"); at != std::string::npos;
         at = log.find("Kafka Server started", at + 1)) {
      ++n;
    }
    return n;
  }

  void restart_kafka(bool stop_first) {
    if (stop_first) kafka_.stop(60s);  // a clean broker shutdown (SIGTERM), as an operator would
    const int before = kafka_starts();
    kafka_.start();
    ASSERT_TRUE(eventually(
        [&] { return kafka_starts() > before && tongban::testing::port_answers(kafka_port_); },
        240s))
        << kafka_.output(3000) << read_file(dir_ / "kafka" / "logs" / "server.log").substr(0, 4000);
  }

  std::map<std::string, std::string> base_env(int port) {
    return {{"TONGBAN_HTTP_PORT", std::to_string(port)},
            {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
            {"TONGBAN_REDIS_ADDR", "127.0.0.1:" + std::to_string(redis_port_)},
            {"TONGBAN_KAFKA_BOOTSTRAP", "127.0.0.1:" + std::to_string(kafka_port_)}};
  }

  std::string url(const Proc& p) const {
    return "http://127.0.0.1:" + p.env.at("TONGBAN_HTTP_PORT");
  }

  void wait_ready(Proc& p) {
    Client c({.connect_timeout = std::chrono::milliseconds(500),
              .request_timeout = std::chrono::milliseconds(2000)});
    ASSERT_TRUE(eventually(
        [&] {
          auto r = c.get(url(p) + "/readyz");
          return r && r->status == 200;
        },
        180s))
        << p.name << " not ready:\n"
        << p.output(4000);
  }

  void start_services() {
    const auto suffix = tongban::ids::random_hex(3);
    auto setup = [&](Proc& p, const char* name, const char* binary) {
      p.name = name;
      p.binary = binary;
      p.env = base_env(tongban::testing::free_port());
    };
    setup(identity_, "identity", TONGBAN_IDENTITY_BIN);
    identity_.env["TONGBAN_IDENTITY_ADMIN_PASSWORD"] = kAdminPassword;
    identity_.env["TONGBAN_IDENTITY_ARGON2_MEM_KIB"] = "8192";
    identity_.env["TONGBAN_IDENTITY_ARGON2_OPS"] = "1";
    const auto jwks = url(identity_) + "/.well-known/jwks.json";
    setup(catalog_, "catalog", TONGBAN_CATALOG_BIN);
    catalog_.env["TONGBAN_CATALOG_SEED"] = "true";
    catalog_.env["TONGBAN_CATALOG_SEED_CITIES"] = "3";
    setup(datahub_, "datahub", TONGBAN_DATAHUB_BIN);
    setup(node_a_, "delegation-a", TONGBAN_DELEGATION_BIN);
    node_a_.env["TONGBAN_DELEGATION_NODE"] = "fault-a-" + suffix;
    node_a_.env["TONGBAN_DELEGATION_CITIES"] = kNanjing;
    setup(node_b_, "delegation-b", TONGBAN_DELEGATION_BIN);
    node_b_.env["TONGBAN_DELEGATION_NODE"] = "fault-b-" + suffix;
    node_b_.env["TONGBAN_DELEGATION_CITIES"] = kWuxi;
    for (auto* n : {&node_a_, &node_b_}) {
      n->env["TONGBAN_DELEGATION_DATAHUB_URL"] = url(datahub_);
      n->env["TONGBAN_DELEGATION_CATALOG_URL"] = url(catalog_);
    }
    setup(portal_, "portal", TONGBAN_PORTAL_BIN);
    portal_.env["TONGBAN_PORTAL_IDENTITY_URL"] = url(identity_);
    portal_.env["TONGBAN_PORTAL_NAMESPACE"] = "fault-" + suffix;
    portal_.env["TONGBAN_PORTAL_GROUP"] = "portal-fault-" + suffix;
    portal_.env["TONGBAN_PORTAL_CACHE_TTL"] = "0";
    for (auto* p : {&catalog_, &datahub_, &node_a_, &node_b_, &portal_}) {
      p->env["TONGBAN_JWKS_URL"] = jwks;
    }
    for (auto* p : {&identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_}) p->start();
    for (auto* p : {&identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_}) {
      wait_ready(*p);
      if (HasFatalFailure()) return;
    }
  }

  // ---- accounts and the agreement ------------------------------------------------------

  std::string login(const std::string& name, const std::string& password) {
    return tongban::testing::access_token(url(identity_), "staff", name, password);
  }

  tongban::http::Response get(const std::string& u, const std::string& token) {
    auto r = client_.request(Method::get, u, {{"Authorization", "Bearer " + token}}, "");
    return r ? *r : tongban::http::Response{};
  }

  void seed_and_sign() {
    // The demo staff of Nanjing and Wuxi (the first two cities), as scripts/seed names them.
    const auto seeded = tongban::testing::seed_demo_staff(TONGBAN_SEED_BIN, url(identity_), 2);
    ASSERT_TRUE(seeded.empty()) << seeded;
    const auto* password = tongban::testing::kDemoStaffPassword;
    admin_ = login("admin", kAdminPassword);
    const auto da_a = login("dept_admin-" + std::string(kNanjing), password);
    const auto da_b = login("dept_admin-" + std::string(kWuxi), password);
    ASSERT_FALSE(admin_.empty() || da_a.empty() || da_b.empty());
    std::string error;
    const auto id = tongban::testing::sign_agreement(
        {url(catalog_), url(node_a_), kNanjing, da_a, kWuxi, da_b, url(node_b_)}, error);
    ASSERT_FALSE(id.empty()) << error;
  }

  // ---- the generator -------------------------------------------------------------------

  // Starts hot-pair life cycles between the two nodes for `seconds`, recording into `record`.
  std::unique_ptr<ChildProcess> start_load(int seconds, const fs::path& record,
                                           const fs::path& out) {
    return std::make_unique<ChildProcess>(
        TONGBAN_LOADGEN_BIN,
        std::vector<std::string>{
            "run", "--scenario", "hot-pair", "--target", "identity=" + url(identity_), "--target",
            "catalog=" + url(catalog_), "--target", "a=" + url(node_a_), "--target",
            "b=" + url(node_b_), "--var", "nodes=a=" + std::string(kNanjing) + ";b=" + kWuxi,
            "--var", "pairs=" + std::string(kNanjing) + "-" + kWuxi,
            // The hand-off waits out a broker restart.
            "--var", "poll_timeout=300s", "--var", "poll_interval=50ms", "--rate",
            std::to_string(env_int("TONGBAN_FAULT_RATE", 4)), "--duration",
            std::to_string(seconds) + "s", "--warmup", "0s", "--timeout", "5s", "--drain", "320s",
            "--record", record.string(), "--out", out.string(), "--quiet"},
        std::map<std::string, std::string>{});
  }

  Proc redis_, kafka_, identity_, catalog_, datahub_, node_a_, node_b_, portal_;
  int redis_port_ = 0, kafka_port_ = 0;
  fs::path dir_;
  std::string admin_;
  Client client_{{.connect_timeout = std::chrono::milliseconds(2000),
                  .request_timeout = std::chrono::milliseconds(30000)}};
};

struct Seen {
  std::string state, holder;
  int listed = 0;  // times the node's state indexes list it
};

TEST_F(LoadFaults, nothing_acknowledged_is_lost_or_doubled_when_services_kafka_and_redis_restart) {
  start_redis();
  if (HasFatalFailure()) return;
  start_kafka();
  if (HasFatalFailure()) return;
  start_services();
  if (HasFatalFailure()) return;
  seed_and_sign();
  if (HasFatalFailure()) return;

  // ---- load with faults ----
  const int hold = env_int("TONGBAN_FAULT_HOLD", 8);
  const int rounds = env_int("TONGBAN_FAULT_ROUNDS", 1);
  struct Fault {
    std::string name;
    int expected_s;  // how long the fault and the restart take at most, roughly
    std::function<void()> inject;
  };
  auto kill_restart = [&](Proc& p) {
    return [&] {
      p.kill9();
      p.start();
      wait_ready(p);
    };
  };
  const std::vector<Fault> faults{
      {"kill -9 identity", 10, kill_restart(identity_)},
      {"kill -9 catalog", 10, kill_restart(catalog_)},
      {"kill -9 datahub", 10, kill_restart(datahub_)},
      {"kill -9 delegation node a (Nanjing)", 10, kill_restart(node_a_)},
      {"kill -9 delegation node b (Wuxi)", 10, kill_restart(node_b_)},
      {"kill -9 portal", 10, kill_restart(portal_)},
      {"Kafka broker stop and start", 90,
       [&] {
         restart_kafka(true);
         for (auto* p : {&identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_}) {
           wait_ready(*p);
         }
       }},
      {"Redis restart (AOF)", 10,
       [&] {
         redis_.stop(20s);  // SIGTERM: Redis fsyncs its append-only file and exits
         redis_.start();
         ASSERT_TRUE(eventually([&] { return tongban::testing::port_answers(redis_port_); }, 30s));
         for (auto* p : {&identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_}) {
           wait_ready(*p);
         }
       }},
      // A crash of the process (the host stays up): what Redis wrote to its AOF before
      // answering is in the page cache, so nothing acknowledged may be lost either.
      {"kill -9 Redis, restart from its AOF", 10,
       [&] {
         redis_.kill9();
         redis_.start();
         ASSERT_TRUE(eventually([&] { return tongban::testing::port_answers(redis_port_); }, 30s));
         for (auto* p : {&identity_, &catalog_, &datahub_, &node_a_, &node_b_, &portal_}) {
           wait_ready(*p);
         }
       }},
  };
  std::vector<fs::path> records;
  std::vector<std::string> fault_log;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& f : faults) {
      const auto tag = std::to_string(records.size());
      records.push_back(dir_ / ("record-" + tag + ".ndjson"));
      const auto out = dir_ / ("run-" + tag);
      const int seconds = 5 + f.expected_s + hold;
      auto load = start_load(seconds, records.back(), out);
      std::this_thread::sleep_for(5s);  // steady load first
      const auto t0 = std::chrono::steady_clock::now();
      log_line("fault: " + f.name);
      f.inject();
      if (HasFatalFailure()) return;
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
      const auto rc = load->wait(std::chrono::seconds(seconds + 400));
      ASSERT_TRUE(rc) << "the generator did not end:\n" << load->output();
      // 0 or 1 (its error threshold fails during faults); 2 and 3 mean it could not run.
      ASSERT_TRUE(*rc == 0 || *rc == 1) << load->output();
      const auto summary = parse_object(read_file(out / "summary.json"));
      const auto& c = summary.at("counts").as_object();
      std::string errors;
      for (const auto& e : summary.at("errors").as_array()) {
        errors += std::string(errors.empty() ? " (" : ", ") +
                  std::string(e.at("endpoint").as_string()) + " " +
                  std::string(e.at("kind").as_string()) + " " +
                  std::to_string(e.at("status").as_int64()) + " x" +
                  std::to_string(e.at("count").as_int64()) + ": " +
                  std::string(e.at("sample").as_string()).substr(0, 100);
      }
      fault_log.push_back(f.name + ": back in " + std::to_string(took) + " ms; flows " +
                          std::to_string(c.at("ok").as_int64()) + " ok, " +
                          std::to_string(c.at("failed").as_int64()) + " failed" +
                          (errors.empty() ? "" : errors + ")"));
      log_line(fault_log.back());
    }
  }

  // ---- what the generator was told ----
  struct Submitted {
    std::string receiving, accepting;
  };
  std::map<std::string, Submitted> acknowledged;  // case id -> cities
  std::set<std::string> forwarded_ack;
  std::int64_t sent = 0, submit_failed_without_answer = 0;
  for (const auto& record : records) {
    std::istringstream lines(read_file(record));
    for (std::string line; std::getline(lines, line);) {
      const auto o = parse_object(line);
      ASSERT_FALSE(o.empty()) << line;
      const auto step = str(o, "step");
      const auto& vars = o.at("vars").as_object();
      const bool ok = o.at("ok").as_bool();
      if (step == "submit") {
        ++sent;
        if (ok) {
          acknowledged[str(vars, "case_id")] = {str(vars, "receiving"), str(vars, "accepting")};
        } else if (o.at("status").as_int64() == 0 || o.at("status").as_int64() >= 500) {
          ++submit_failed_without_answer;  // may exist or not: the answer was lost
        }
      }
      if (step == "forward" && ok) forwarded_ack.insert(str(vars, "case_id"));
    }
  }
  ASSERT_GT(acknowledged.size(), 0u);

  // ---- what the nodes hold, once the hand-offs have settled ----
  const std::vector<std::string> states{"SUBMITTED",         "RECEIVED",  "SUPPLEMENT_REQUESTED",
                                        "PRE_EXAMINED",      "FORWARDED", "ACCEPTED",
                                        "REJECTED",          "APPROVED",  "DENIED",
                                        "RESULT_DISPATCHED", "COMPLETED", "WITHDRAWN"};
  // Every case a node holds, by listing each state's index page by page.
  const auto holdings = [&](const std::string& base) {
    std::map<std::string, Seen> seen;
    for (const auto& s : states) {
      std::string cursor;
      for (int page = 0; page < 10000; ++page) {
        auto r = get(base + "/v1/cases?state=" + s + "&limit=200" +
                         (cursor.empty() ? "" : "&cursor=" + cursor),
                     admin_);
        EXPECT_EQ(r.status, 200) << r.body;
        const auto doc = parse_object(r.body);
        if (doc.empty()) break;
        for (const auto& c : doc.at("cases").as_array()) {
          auto& x = seen[str(c.as_object(), "id")];
          ++x.listed;
          x.state = str(c.as_object(), "state");
          x.holder = str(c.as_object(), "holder");
        }
        if (!doc.at("next_cursor").is_string()) break;
        cursor = std::string(doc.at("next_cursor").as_string());
      }
    }
    return seen;
  };
  std::map<std::string, Seen> at_a, at_b;
  // A case forwarded at one node is held as "accepting" at the other once its event is read.
  const auto settled = [&] {
    at_a = holdings(url(node_a_));
    at_b = holdings(url(node_b_));
    for (const auto& [here, there] : {std::pair{&at_a, &at_b}, std::pair{&at_b, &at_a}}) {
      for (const auto& [id, x] : *here) {
        if (x.holder != "forwarded" && x.holder != "mirror") continue;
        auto it = there->find(id);
        if (it == there->end() || it->second.holder != "accepting") return false;
      }
    }
    return true;
  };
  const bool quiet = eventually(settled, 300s);

  std::int64_t found = 0, lost = 0, duplicates = 0, forwarded = 0, forwarded_visible = 0,
               forwarded_lost = 0;
  std::vector<std::string> findings;
  for (const auto& [id, s] : acknowledged) {
    const auto& here = s.receiving == kNanjing ? at_a : at_b;
    auto it = here.find(id);
    if (it == here.end()) {
      ++lost;
      findings.push_back("lost: acknowledged submission " + id + " at " + s.receiving);
      continue;
    }
    ++found;
  }
  // Index entries listed more than once, and cases nobody was told about beyond the
  // submissions whose answer was lost.
  std::set<std::string> all_ids;
  for (const auto* node : {&at_a, &at_b}) {
    for (const auto& [id, x] : *node) {
      all_ids.insert(id);
      if (x.listed > 1) {
        duplicates += x.listed - 1;
        findings.push_back("listed " + std::to_string(x.listed) + " times: " + id + " at node " +
                           (node == &at_a ? "a" : "b"));
      }
    }
  }
  std::int64_t unacknowledged = 0;
  for (const auto& id : all_ids) unacknowledged += acknowledged.contains(id) ? 0 : 1;
  if (unacknowledged > submit_failed_without_answer) {
    duplicates += unacknowledged - submit_failed_without_answer;
    findings.push_back(std::to_string(unacknowledged) + " cases nobody was told about, but only " +
                       std::to_string(submit_failed_without_answer) + " answers were lost");
  }
  // Forwarded: acknowledged, or found forwarded at the receiving node.
  std::set<std::string> forwarded_ids = forwarded_ack;
  for (const auto* node : {&at_a, &at_b}) {
    for (const auto& [id, x] : *node) {
      if (x.holder == "forwarded" || x.holder == "mirror") forwarded_ids.insert(id);
    }
  }
  std::map<std::string, int> current;  // state -> cases, from the node writing each case
  for (const auto& id : forwarded_ids) {
    ++forwarded;
    const auto a_has = at_a.find(id), b_has = at_b.find(id);
    const bool at_accepting = (a_has != at_a.end() && a_has->second.holder == "accepting") ||
                              (b_has != at_b.end() && b_has->second.holder == "accepting");
    if (at_accepting) {
      ++forwarded_visible;
    } else {
      ++forwarded_lost;
      findings.push_back("forwarded but not at its accepting node: " + id);
    }
  }
  const std::int64_t cases_total = static_cast<std::int64_t>(all_ids.size());
  // Timelines at the writing node (and the other node's read-only copy): versions 1..n,
  // each once, n the case's version.
  std::int64_t timelines = 0, timeline_faults = 0, mirrors_behind = 0;
  for (const auto& id : all_ids) {
    // The writer: the accepting copy, else the receiving one (or one whose hand-off is
    // still pending: "forwarded").
    const Seen* writer = nullptr;
    const std::map<std::string, Seen>* writer_node = nullptr;
    for (const char* holder : {"accepting", "receiving", "forwarded"}) {
      for (const auto* node : {&at_a, &at_b}) {
        auto it = node->find(id);
        if (!writer && it != node->end() && it->second.holder == holder) {
          writer = &it->second;
          writer_node = node;
        }
      }
    }
    if (!writer) {
      ++timeline_faults;
      findings.push_back("no node writes " + id);
      continue;
    }
    ++current[writer->state];
    const auto* other = writer_node == &at_a ? &at_b : &at_a;
    std::vector<std::pair<std::string, std::vector<int>>> copies;
    copies.emplace_back(url(writer_node == &at_a ? node_a_ : node_b_), std::vector<int>{});
    if (other->contains(id)) {
      copies.emplace_back(url(other == &at_a ? node_a_ : node_b_), std::vector<int>{});
    }
    int writer_version = 0;
    for (auto& [base, versions] : copies) {
      auto r = get(base + "/v1/cases/" + id + "/timeline", admin_);
      const auto doc = parse_object(r.body);
      if (r.status != 200 || doc.empty()) {
        ++timeline_faults;
        findings.push_back("no timeline for " + id + " at " + base + ": " + r.body.substr(0, 200));
        continue;
      }
      ++timelines;
      for (const auto& e : doc.at("entries").as_array()) {
        versions.push_back(e.at("version").to_number<int>());
      }
      const int version = doc.at("version").to_number<int>();
      bool ok = static_cast<int>(versions.size()) == version;
      for (std::size_t i = 0; ok && i < versions.size(); ++i)
        ok = versions[i] == static_cast<int>(i) + 1;
      if (!ok) {
        ++timeline_faults;
        std::string vs;
        for (int v : versions) vs += std::to_string(v) + " ";
        findings.push_back("timeline of " + id + " at " + base + " (version " +
                           std::to_string(version) + "): " + vs);
      }
      if (&versions == &copies.front().second) {
        writer_version = version;
      } else if (version != writer_version) {
        ++mirrors_behind;  // a read-only copy that did not follow every event
        findings.push_back("copy of " + id + " at " + base + " has version " +
                           std::to_string(version) + ", its writer " +
                           std::to_string(writer_version));
      }
    }
  }

  // ---- the portal's funnel against the cases ----
  json::object funnel;
  std::string portal_diff;
  const bool portal_agrees = eventually(
      [&] {
        auto r = get(url(portal_) + "/v1/indicators?window=all", admin_);
        const auto doc = parse_object(r.body);
        if (doc.empty()) return false;
        funnel = doc.at("funnel").as_object();
        portal_diff.clear();
        if (funnel.at("submitted").to_number<std::int64_t>() != cases_total) {
          portal_diff += "submitted " + json::serialize(funnel.at("submitted")) + " vs " +
                         std::to_string(cases_total) + "; ";
        }
        const auto& cur = funnel.at("current").as_object();
        std::set<std::string> keys;
        for (const auto& [k, v] : cur) keys.insert(std::string(k));
        for (const auto& [k, v] : current) keys.insert(k);
        for (const auto& k : keys) {
          const auto* v = cur.if_contains(k);
          const std::int64_t portal = v ? v->to_number<std::int64_t>() : 0;
          const std::int64_t nodes = current.contains(k) ? current.at(k) : 0;
          if (portal != nodes) {
            portal_diff += k + " " + std::to_string(portal) + " vs " + std::to_string(nodes) + "; ";
          }
        }
        return portal_diff.empty();
      },
      180s);

  // ---- the portal sealed the finished cases, through its restarts ----
  // The funnel above already counts sealed cases: this shows they were sealed, not kept whole.
  std::int64_t finished = 0;
  for (const auto* s : {"REJECTED", "DENIED", "COMPLETED", "WITHDRAWN"}) {
    if (current.contains(s)) finished += current.at(s);
  }
  auto portal_gauge = [&](const std::string& name) -> std::int64_t {
    const auto body = get(url(portal_) + "/metrics", "").body;
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
  };
  const auto sealed = portal_gauge("tongban_portal_sealed_cases");
  const auto open = portal_gauge("tongban_portal_open_cases");

  // ---- the figures ----
  json::object figures{{"rate", env_int("TONGBAN_FAULT_RATE", 4)},
                       {"hold_s", hold},
                       {"rounds", rounds},
                       {"faults", json::array(fault_log.begin(), fault_log.end())},
                       {"sent", sent},
                       {"acknowledged", static_cast<std::int64_t>(acknowledged.size())},
                       {"found", found},
                       {"duplicates", duplicates},
                       {"lost", lost},
                       {"answers_lost", submit_failed_without_answer},
                       {"unacknowledged_found", unacknowledged},
                       {"forwarded", forwarded},
                       {"forwarded_visible", forwarded_visible},
                       {"forwarded_lost", forwarded_lost},
                       {"cases", cases_total},
                       {"timelines_checked", timelines},
                       {"timeline_faults", timeline_faults},
                       {"copies_behind", mirrors_behind},
                       {"handoffs_settled", quiet},
                       {"portal_funnel", funnel},
                       {"portal_agrees", portal_agrees},
                       {"portal_sealed", sealed},
                       {"portal_open", open}};
  log_line("sent " + std::to_string(sent) + ", acknowledged " +
           std::to_string(acknowledged.size()) + ", found " + std::to_string(found) +
           ", duplicates " + std::to_string(duplicates) + ", lost " + std::to_string(lost) +
           " (answers lost " + std::to_string(submit_failed_without_answer) +
           ", unacknowledged found " + std::to_string(unacknowledged) + ")");
  log_line("forwarded " + std::to_string(forwarded) + ", visible at the accepting node " +
           std::to_string(forwarded_visible) + ", lost " + std::to_string(forwarded_lost));
  log_line("timelines checked " + std::to_string(timelines) + ", faulty " +
           std::to_string(timeline_faults) + ", read-only copies behind " +
           std::to_string(mirrors_behind));
  log_line("portal funnel " + json::serialize(funnel) + (portal_agrees ? " = " : " != ") +
           "the nodes' cases (" + std::to_string(cases_total) + ")" +
           (portal_diff.empty() ? "" : ": " + portal_diff));
  log_line("portal: " + std::to_string(sealed) + " cases sealed, " + std::to_string(open) +
           " held whole; the nodes hold " + std::to_string(finished) + " finished");
  for (std::size_t i = 0; i < findings.size() && i < 40; ++i) log_line("finding: " + findings[i]);
  {
    std::ofstream out(std::string(TONGBAN_ARTEFACTS) + "/load-faults.json");
    out << json::serialize(figures) << "\n";
  }

  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(found, static_cast<std::int64_t>(acknowledged.size()));
  EXPECT_TRUE(quiet) << "hand-offs still pending after 5 minutes";
  EXPECT_EQ(forwarded_lost, 0);
  EXPECT_GE(forwarded, static_cast<std::int64_t>(forwarded_ack.size()));
  EXPECT_EQ(timeline_faults, 0);
  EXPECT_EQ(mirrors_behind, 0);
  EXPECT_TRUE(portal_agrees) << portal_diff;
  // Every finished case is sealed once its events are all folded, which the funnel's
  // agreement above shows they are.
  EXPECT_GT(finished, 0) << "the scenario finished no case: sealing untested";
  EXPECT_EQ(sealed, finished);
  EXPECT_EQ(open, cases_total - finished);
}

}  // namespace

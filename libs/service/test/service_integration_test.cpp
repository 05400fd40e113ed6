// The service skeleton as a real process against the test Redis and Kafka.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

#include "tongban/auth/signer.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/http/server.hpp"
#include "tongban/service/service.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::testing::ChildProcess;

std::map<std::string, std::string> base_env(const std::string& redis, const std::string& kafka) {
  return {{"TONGBAN_HTTP_PORT", "0"},
          {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
          {"TONGBAN_REDIS_ADDR", redis},
          {"TONGBAN_KAFKA_BOOTSTRAP", kafka},
          {"TONGBAN_DRAIN_TIMEOUT_MS", "5000"}};
}

std::string url(int port, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// Whether a thread of process `pid` has the name `name` (/proc/<pid>/task/<tid>/comm).
bool has_thread_named(pid_t pid, std::string_view name) {
  const auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (std::getline(comm, line) && line == name) return true;
  }
  return false;
}

TEST(ServiceSkeleton, serves_probes_metrics_and_openapi) {
  TONGBAN_REQUIRE_ENV(redis, "TONGBAN_TEST_REDIS");
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, base_env(redis, kafka));
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();
  tongban::http::Client client;

  // The fixture is linked as the services are (tongban_program): the malloc it runs on is
  // the one the build chose, and the start line names it for an operator. jemalloc runs with
  // the settings compiled in (cmake/jemalloc_conf.c): its background thread is there.
  auto started = p.wait_for_log("service started", 5s);
  ASSERT_TRUE(started) << p.output();
  const std::string allocator(boost::json::parse(*started).at("allocator").as_string());
  EXPECT_EQ(allocator, TONGBAN_FIXTURE_ALLOCATOR) << *started;
  if (allocator == "jemalloc") {
    EXPECT_TRUE(has_thread_named(p.pid(), "jemalloc_bg_thd"));
  }

  auto health = client.get(url(*port, "/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  std::optional<tongban::http::Response> ready;
  for (int i = 0; i < 100; ++i) {  // the producer may need a moment for metadata
    auto r = client.get(url(*port, "/readyz"));
    ASSERT_TRUE(r);
    ready = *r;
    if (r->status == 200) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ready->status, 200) << ready->body;
  auto checks = boost::json::parse(ready->body).at("checks").as_object();
  EXPECT_EQ(checks.at("redis").as_string(), "ok");
  EXPECT_EQ(checks.at("kafka").as_string(), "ok");

  auto metrics = client.get(url(*port, "/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("http_server_requests_total"), std::string::npos);
  // Served on the Redis client's loop (TONGBAN_HTTP_ON_REDIS_LOOP is on by default).
  EXPECT_NE(metrics->body.find(R"(fixture_scraped_on{thread="redis-io"} 1)"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("route=\"/healthz\""), std::string::npos);
  EXPECT_NE(metrics->body.find("process_resident_memory_bytes"), std::string::npos);

  auto openapi = client.get(url(*port, "/openapi.yaml"));
  ASSERT_TRUE(openapi);
  EXPECT_EQ(*openapi->header("Content-Type"), "application/yaml");
  EXPECT_EQ(openapi->body.rfind("openapi: 3.1.0", 0), 0u);
}

// Counts the lines of `text` that start with `prefix`.
int lines_starting(const std::string& text, std::string_view prefix) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.starts_with(prefix) ? 1 : 0;
  return n;
}

TEST(ServiceSkeleton, consumer_groups_share_one_family_per_metric_with_their_lag) {
  TONGBAN_REQUIRE_ENV(redis, "TONGBAN_TEST_REDIS");
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  const auto topic = "tongban.fixture.metrics_" + tongban::ids::random_hex(4) + ".v1";
  auto env = base_env(redis, kafka);
  env["TONGBAN_FIXTURE_TOPIC"] = topic;
  env["TONGBAN_KAFKA_TOPIC_PARTITIONS"] = "1";
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, env);
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();

  auto producer = tongban::bus::Producer::create(tongban::bus::KafkaConfig{kafka, "fixture", {}});
  ASSERT_TRUE(producer) << producer.error().message;
  for (int i = 0; i < 3; ++i) {
    auto e = tongban::bus::Envelope::make("/tongban/fixture", "tongban.fixture.happened.v1", "k",
                                          boost::json::object{{"i", i}});
    ASSERT_TRUE((*producer)->produce_sync(tongban::bus::to_message(topic, e), 10s));
  }
  tongban::http::Client client;
  std::string body;
  const auto level = [&](const std::string& group) {
    return body.find("tongban_consumer_processed_total{group=\"" + group + "\"} 3") !=
               std::string::npos &&
           body.find("tongban_consumer_event_age_seconds_count{group=\"" + group + "\"} 3") !=
               std::string::npos &&
           body.find("tongban_consumer_event_age_seconds_bucket{group=\"" + group +
                     "\",le=\"+Inf\"} 3") != std::string::npos &&
           body.find("tongban_consumer_lag{group=\"" + group + "\",topic=\"" + topic +
                     "\",partition=\"0\"} 0") != std::string::npos;
  };
  for (int i = 0; i < 300 && !(level("fixture-a-" + topic) && level("fixture-b-" + topic)); ++i) {
    std::this_thread::sleep_for(100ms);
    auto r = client.get(url(*port, "/metrics"));
    ASSERT_TRUE(r);
    body = r->body;
  }
  EXPECT_TRUE(level("fixture-a-" + topic) && level("fixture-b-" + topic)) << body;
  // The text format allows one TYPE line per metric: a second one fails promtool and the
  // Go parsers, and with them the whole scrape.
  for (const char* name : {"tongban_consumer_processed_total", "tongban_consumer_duplicates_total",
                           "tongban_consumer_dead_lettered_total", "tongban_consumer_lag",
                           "tongban_consumer_event_age_seconds"}) {
    EXPECT_EQ(lines_starting(body, std::string("# TYPE ") + name + " "), 1) << name;
  }
  EXPECT_EQ(lines_starting(body, "# TYPE tongban_consumer_event_age_seconds histogram"), 1);
  // The relay's backlog is on /metrics although the scrape runs on the Redis client's own
  // thread (TONGBAN_HTTP_ON_REDIS_LOOP), where a Redis call would be refused.
  for (int i = 0;
       i < 100 && body.find("tongban_outbox_backlog{service=\"fixture\"} 0") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(100ms);
    body = client.get(url(*port, "/metrics"))->body;
  }
  EXPECT_NE(body.find("tongban_outbox_backlog{service=\"fixture\"} 0"), std::string::npos) << body;
  EXPECT_NE(body.find("tongban_outbox_batches{service=\"fixture\"} 0"), std::string::npos)
      << "nothing published yet: no batch";
}

TEST(ServiceSkeleton, where_a_scrape_runs_follows_the_loop_setting_and_scrape_on_workers) {
  TONGBAN_REQUIRE_ENV(redis, "TONGBAN_TEST_REDIS");
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  const auto scraped_on = [&](std::map<std::string, std::string> extra) {
    auto env = base_env(redis, kafka);
    env.insert(extra.begin(), extra.end());
    ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, env);
    auto port = p.wait_for_port(20s);
    EXPECT_TRUE(port) << p.output();
    if (!port) return std::string("no port");
    auto r = tongban::http::Client().get(url(*port, "/metrics"));
    if (!r) return std::string("no answer");
    const std::string label = "fixture_scraped_on{thread=\"";
    const auto at = r->body.find(label);
    if (at == std::string::npos) return std::string("no sample");
    const auto from = at + label.size();
    return r->body.substr(from, r->body.find('"', from) - from);
  };
  EXPECT_EQ(scraped_on({{"TONGBAN_HTTP_ON_REDIS_LOOP", "false"}}), "http-io");
  EXPECT_EQ(scraped_on({{"TONGBAN_FIXTURE_SCRAPE_ON_WORKERS", "1"}}), "http-worker")
      << "a service whose collectors compute keeps them off the I/O thread";
}

TEST(ServiceSkeleton, readiness_fails_when_redis_is_unreachable_but_liveness_holds) {
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  auto env = base_env("127.0.0.1:1", kafka);
  env["TONGBAN_REDIS_CONNECT_TIMEOUT_MS"] = "200";
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, env);
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();
  tongban::http::Client client;
  auto ready = client.get(url(*port, "/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(boost::json::parse(ready->body).at("checks").at("redis").as_string(), "ok");
  EXPECT_EQ(client.get(url(*port, "/healthz"))->status, 200);
}

TEST(ServiceSkeleton, sigterm_drains_in_flight_requests_then_exits_zero) {
  TONGBAN_REQUIRE_ENV(redis, "TONGBAN_TEST_REDIS");
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, base_env(redis, kafka));
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();
  auto in_flight = std::async(
      std::launch::async, [&] { return tongban::http::Client().get(url(*port, "/slow?ms=1500")); });
  std::this_thread::sleep_for(300ms);  // the request is in the handler now
  p.signal(SIGTERM);
  auto res = in_flight.get();
  ASSERT_TRUE(res) << res.error().message;
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "slept 1500");
  auto code = p.wait(15s);
  ASSERT_TRUE(code) << "process did not exit";
  EXPECT_EQ(*code, 0) << p.output();
  EXPECT_TRUE(p.wait_for_log("shutting down", 0ms));
  EXPECT_TRUE(p.wait_for_log("stopped", 0ms));
  for (const auto& line : p.lines()) {
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << "every log line is JSON: " << line;
  }
}

// A request still waiting for Redis when the drain gives up: its callback runs before run()
// returns (the Redis client is closed there), not later from the client's destructor, when
// what it refers to is gone. Its own Redis, paused, so no reply comes.
TEST(ServiceSkeleton, a_redis_callback_the_drain_gave_up_on_runs_before_run_returns) {
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  tongban::testing::PrivateRedis redis;
  ASSERT_TRUE(redis.ready());
  auto env = base_env(redis.address(), kafka);
  env["TONGBAN_DRAIN_TIMEOUT_MS"] = "300";
  // Longer than the server's stop waits for its sessions after the drain (2 s): a command
  // that timed out meanwhile would have run its callback during the stop anyway.
  env["TONGBAN_REDIS_TIMEOUT_MS"] = "6000";
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, env);
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();
  auto opts = tongban::store::parse_redis_address(redis.address());
  auto admin = tongban::store::Redis::connect(*opts);
  ASSERT_TRUE(admin);
  ASSERT_TRUE((*admin)->command({"CLIENT", "PAUSE", "8000", "ALL"}));
  auto in_flight = std::async(std::launch::async, [&] {
    return tongban::http::Client({.connect_timeout = 2000ms, .request_timeout = 10000ms})
        .get(url(*port, "/redis-get"));
  });
  std::this_thread::sleep_for(300ms);  // the command waits for the paused Redis now
  p.signal(SIGTERM);
  auto code = p.wait(15s);
  ASSERT_TRUE(code) << "process did not exit";
  EXPECT_EQ(*code, 0) << p.output();
  (void)in_flight.get();  // cut by the drain or answered 503: either way not "answered"
  const auto lines = p.lines();
  const auto at = [&](std::string_view msg) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find("\"msg\":\"" + std::string(msg) + "\"") != std::string::npos) return i;
    }
    return lines.size();
  };
  ASSERT_LT(at("redis callback ran"), lines.size()) << p.output();
  EXPECT_LT(at("redis callback ran"), at("run returned")) << p.output();
  EXPECT_NE(p.output().find("\"ok\":false"), std::string::npos) << p.output();
}

TEST(ServiceSkeleton, invalid_configuration_exits_2_naming_the_variable) {
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, {{"TONGBAN_HTTP_PORT", "eighty"}});
  auto code = p.wait(10s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 2);
  auto line = p.wait_for_log("invalid configuration", 0ms);
  ASSERT_TRUE(line) << p.output();
  EXPECT_NE(line->find("TONGBAN_HTTP_PORT"), std::string::npos);
}

TEST(ServiceSkeleton, print_env_lists_every_knob) {
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {"--print-env"}, {});
  ASSERT_EQ(p.wait(10s), 0);
  boost::json::array knobs;
  for (const auto& line : p.lines()) {
    if (!line.empty() && line.front() == '[') knobs = boost::json::parse(line).as_array();
  }
  ASSERT_FALSE(knobs.empty()) << p.output();
  std::set<std::string> names;
  for (const auto& k : knobs) names.insert(std::string(k.at("name").as_string()));
  for (const char* n : {"TONGBAN_HTTP_PORT", "TONGBAN_REDIS_ADDR", "TONGBAN_KAFKA_BOOTSTRAP",
                        "TONGBAN_LOG_LEVEL", "TONGBAN_DRAIN_TIMEOUT_MS"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

// identity stand-in for this test only: a real HTTP server publishing a real key's JWKS.
TEST(ServiceSkeleton, authenticates_bearer_tokens_against_identitys_jwks) {
  TONGBAN_REQUIRE_ENV(redis, "TONGBAN_TEST_REDIS");
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  auto signer = tongban::auth::Signer::generate(tongban::auth::Alg::ES256, "k1");
  ASSERT_TRUE(signer);
  auto stranger = tongban::auth::Signer::generate(tongban::auth::Alg::ES256, "k-unknown");
  ASSERT_TRUE(stranger);
  tongban::auth::Jwks jwks;
  jwks.add(signer->public_jwk());
  auto router = std::make_shared<tongban::http::Router>();
  const std::string doc = jwks.to_json();
  router->get("/.well-known/jwks.json", [doc](tongban::http::Request&) {
    return tongban::http::Response::text(200, doc, "application/json");
  });
  auto jwks_server = tongban::http::Server::start({}, router, nullptr);
  ASSERT_TRUE(jwks_server);

  auto env = base_env(redis, kafka);
  env["TONGBAN_JWKS_URL"] = url((*jwks_server)->port(), "/.well-known/jwks.json");
  env["TONGBAN_FIXTURE_AUTH"] = "1";
  ChildProcess p(TONGBAN_SERVICE_FIXTURE, {}, env);
  auto port = p.wait_for_port(20s);
  ASSERT_TRUE(port) << p.output();

  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto token = [&](const tongban::auth::Signer& s, std::int64_t exp) {
    boost::json::object claims{{"iss", "tongban-identity"},
                               {"aud", "tongban"},
                               {"sub", "citizen-1"},
                               {"sub_type", "citizen"},
                               {"iat", now - 10},
                               {"exp", exp},
                               {"jti", "t-" + std::to_string(exp)}};
    return *s.sign(claims);
  };
  auto me = [&](std::optional<std::string> bearer) {
    tongban::http::Headers h;
    if (bearer) h.emplace_back("Authorization", "Bearer " + *bearer);
    return *tongban::http::Client().get(url(*port, "/me"), h);
  };
  auto rule_of = [](const tongban::http::Response& r) {
    return std::string(boost::json::parse(r.body).at("rule").as_string());
  };

  auto ok = me(token(*signer, now + 900));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "citizen-1");

  auto missing = me(std::nullopt);
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(rule_of(missing), "missing_bearer_token");

  auto expired = me(token(*signer, now - 3600));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(rule_of(expired), "token_expired");

  auto forged = me(token(*stranger, now + 900));
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(rule_of(forged), "unknown_kid");

  // identity revokes the subject's tokens: the service must reject them within seconds.
  tongban::bus::KafkaConfig kafka_config;
  kafka_config.bootstrap_servers = kafka;
  auto producer = tongban::bus::Producer::create(kafka_config);
  ASSERT_TRUE(producer);
  auto event = tongban::bus::Envelope::make(
      "/tongban/identity", std::string(tongban::service::kSubjectRevokedType), "citizen-1",
      boost::json::object{{"subject_id", "citizen-1"},
                          {"before", tongban::to_rfc3339(tongban::Clock::system().now())}});
  ASSERT_TRUE((*producer)->produce_sync(
      tongban::bus::to_message(std::string(tongban::service::kRevocationTopic), event, {}), 10s));
  const auto good = token(*signer, now + 900);
  int status = 0;
  for (int i = 0; i < 150 && status != 401; ++i) {
    status = me(good).status;
    if (status != 401) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401) << "a revoked subject's token is refused within 15 s";
  EXPECT_EQ(rule_of(me(good)), "token_revoked");
  (*jwks_server)->stop(1s);
}

TEST(ServiceSkeleton, every_knob_is_documented_in_configuration_md) {
  EXPECT_GT(tongban::testing::print_env_knobs(TONGBAN_SERVICE_FIXTURE).size(), 20u);
  EXPECT_EQ(
      tongban::testing::undocumented_knobs(
          TONGBAN_SERVICE_FIXTURE, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md"}),
      std::vector<std::string>{});
}

}  // namespace

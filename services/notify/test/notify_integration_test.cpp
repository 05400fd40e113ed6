// The binary on a private Redis and the test Kafka: health, a case event counted once even
// when delivered twice, and every knob documented.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <thread>

#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;

TEST(NotifyIntegration, counts_a_case_event_once_even_when_delivered_twice) {
  auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
  if (!kafka) {
    if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
    GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
  }
  tongban::testing::PrivateRedis redis;
  ASSERT_TRUE(redis.ready());
  tongban::testing::ChildProcess app(TONGBAN_NOTIFY_BIN, {},
                                     {{"TONGBAN_HTTP_PORT", "0"},
                                      {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                      {"TONGBAN_REDIS_ADDR", redis.address()},
                                      {"TONGBAN_KAFKA_BOOTSTRAP", *kafka}});
  auto port = app.wait_for_port(60s);
  ASSERT_TRUE(port) << app.output();
  const auto base = "http://127.0.0.1:" + std::to_string(*port);
  tongban::http::Client client;
  auto health = client.get(base + "/healthz");
  ASSERT_TRUE(health && health->status == 200);

  // A state no other test uses, so the count is this test's alone.
  const auto state = "TEST_" + tongban::ids::random_hex(4);
  auto producer =
      tongban::bus::Producer::create(tongban::bus::KafkaConfig{*kafka, "notify-test", {}});
  ASSERT_TRUE(producer);
  auto e = tongban::bus::Envelope::make("/test", "tongban.delegation.case_received.v1", "case-1",
                                        boost::json::object{{"state", state}});
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        (*producer)->produce_sync(tongban::bus::to_message("tongban.delegation.cases.v1", e), 10s));
  }
  long long count = 0;
  for (int i = 0; i < 300 && count == 0; ++i) {
    auto r = client.get(base + "/v1/case-counts");
    if (r && r->status == 200) {
      const auto doc = boost::json::parse(r->body).as_object();
      const auto* n = doc.at("cases_by_state").as_object().if_contains(state);
      if (n) count = n->to_number<long long>();
    }
    if (count == 0) std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(1s);  // room for a second count, were dedupe broken
  auto r = client.get(base + "/v1/case-counts");
  ASSERT_TRUE(r && r->status == 200);
  const auto doc = boost::json::parse(r->body).as_object();
  EXPECT_EQ(doc.at("cases_by_state").at(state).to_number<long long>(), 1) << r->body;
}

TEST(NotifyIntegration, every_config_knob_is_documented) {
  auto missing = tongban::testing::undocumented_knobs(
      TONGBAN_NOTIFY_BIN, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md",
                             std::string(TONGBAN_SOURCE_DIR) + "/services/notify/README.md"});
  EXPECT_TRUE(missing.empty()) << "undocumented: " << ::testing::PrintToString(missing);
}

}  // namespace

// Poison messages on every topic the services consume: each consumer group sends what it
// cannot read to <topic>.dlq and goes on with the next message — shown by the groups'
// counters on /metrics (dead-lettered up, then processed up for a message after the poison
// on the same partition).
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;

// Sums a consumer counter over the groups whose name contains `group_part`.
double counter(const std::string& metrics, const std::string& name, const std::string& group_part) {
  double sum = 0;
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) != 0) continue;
    const auto g = line.find("group=\"");
    if (g == std::string::npos) continue;
    const auto end = line.find('"', g + 7);
    if (line.substr(g + 7, end - g - 7).find(group_part) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

struct Group {
  std::string service;     // whose /metrics
  std::string group_part;  // a substring of the group name
  int poisoned_topics;     // how many of the poisoned topics it reads
};

TEST(PoisonMessages, every_consumer_group_dead_letters_poison_and_goes_on) {
  auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
  if (!kafka) {
    if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
    GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
  }
  tongban::testing::StackOptions o;
  o.kafka = *kafka;
  o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                TONGBAN_DELEGATION_BIN, TONGBAN_PORTAL_BIN};
  o.catalog_seed_cities = 1;
  o.nodes = {{"poison", "all"}};
  tongban::testing::Stack stack(std::move(o));
  ASSERT_TRUE(stack.error().empty()) << stack.error();
  const std::map<std::string, std::string> urls{{"identity", stack.identity_url()},
                                                {"catalog", stack.catalog_url()},
                                                {"datahub", stack.datahub_url()},
                                                {"delegation", stack.node_url(0)},
                                                {"portal", stack.portal_url()}};
  const std::vector<Group> groups{{"datahub", ".cases", 1},       {"datahub", ".catalog", 1},
                                  {"delegation", ".cases", 1},    {"delegation", ".agreements", 1},
                                  {"delegation", ".catalog", 1},  {"portal", "portal-stack", 5},
                                  {"identity", "revocations", 1}, {"catalog", "revocations", 1},
                                  {"datahub", "revocations", 1},  {"delegation", "revocations", 1},
                                  {"portal", "revocations", 1}};
  tongban::http::Client client;
  auto metrics = [&](const std::string& service) {
    auto r = client.get(urls.at(service) + "/metrics");
    return r && r->status == 200 ? r->body : std::string();
  };
  // Let every group finish reading the topics' history before counting.
  std::map<std::string, double> processed_before, dead_before;
  double last = -1;
  for (int i = 0; i < 60; ++i) {
    double total = 0;
    for (const auto& g : groups) {
      total += counter(metrics(g.service), "tongban_consumer_processed_total", g.group_part);
    }
    if (total == last) break;
    last = total;
    std::this_thread::sleep_for(1s);
  }
  for (const auto& g : groups) {
    const auto m = metrics(g.service);
    processed_before[g.service + g.group_part] =
        counter(m, "tongban_consumer_processed_total", g.group_part);
    dead_before[g.service + g.group_part] =
        counter(m, "tongban_consumer_dead_lettered_total", g.group_part);
  }

  auto producer =
      tongban::bus::Producer::create(tongban::bus::KafkaConfig{*kafka, "poison-test", {}});
  ASSERT_TRUE(producer) << producer.error().message;
  const std::vector<std::string> topics{
      "tongban.delegation.cases.v1", "tongban.delegation.agreements.v1",
      "tongban.catalog.items.v1",    "tongban.datahub.calls.v1",
      "tongban.datahub.licences.v1", "tongban.identity.revocations.v1"};
  const auto key = "poison-" + tongban::ids::random_hex(6);
  for (const auto& topic : topics) {
    // Not JSON at all, then a well-formed event of a type nobody folds: same key, same
    // partition, so the second is read only after the first was dealt with.
    tongban::bus::OutgoingMessage garbage{topic, key, "\x01 not an event {", {}};
    ASSERT_TRUE((*producer)->produce_sync(garbage, 10s)) << topic;
    auto e = tongban::bus::Envelope::make("/tongban/test", "tongban.test.noop.v1", key,
                                          boost::json::object{{"note", "after the poison"}});
    ASSERT_TRUE((*producer)->produce_sync(tongban::bus::to_message(topic, e), 10s)) << topic;
  }

  for (const auto& g : groups) {
    const auto id = g.service + g.group_part;
    double dead = 0, processed = 0;
    const bool ok = [&] {
      for (int i = 0; i < 120; ++i) {
        const auto m = metrics(g.service);
        dead = counter(m, "tongban_consumer_dead_lettered_total", g.group_part);
        processed = counter(m, "tongban_consumer_processed_total", g.group_part);
        if (dead >= dead_before[id] + g.poisoned_topics &&
            processed >= processed_before[id] + g.poisoned_topics) {
          return true;
        }
        std::this_thread::sleep_for(500ms);
      }
      return false;
    }();
    EXPECT_TRUE(ok) << g.service << " " << g.group_part << ": dead-lettered " << dead_before[id]
                    << " -> " << dead << ", processed " << processed_before[id] << " -> "
                    << processed << " (expected +" << g.poisoned_topics << " each)";
  }
  std::cout << "poison: " << topics.size() << " topics, " << groups.size()
            << " consumer groups: every poison dead-lettered, every group went on\n";
}

}  // namespace

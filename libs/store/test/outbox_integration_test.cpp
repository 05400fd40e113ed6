// The transactional outbox end to end: state + outbox entry in one MULTI/EXEC, the relay
// publishing to a real Kafka, deletion only after the delivery report, a crash between
// publish and delete (duplicate published, applied once through RedisDedupe), and the
// lease that keeps a single relay active per outbox.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include "test_redis.hpp"
#include "tongban/bus/admin.hpp"
#include "tongban/bus/consumer.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/store/dedupe.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/outbox_relay.hpp"
#include "tongban/store/transaction.hpp"

namespace tongban::store {
namespace {

using namespace std::chrono_literals;
using test::eventually;

class OutboxIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis_opts = test::shared_redis();
    const char* kafka = std::getenv("TONGBAN_TEST_KAFKA");
    if (!redis_opts || kafka == nullptr || *kafka == '\0') {
      if (test::servers_required()) {
        FAIL() << "TONGBAN_TEST_REDIS / TONGBAN_TEST_KAFKA not set but TONGBAN_REQUIRE_SERVERS=1";
      }
      GTEST_SKIP() << "TONGBAN_TEST_REDIS and TONGBAN_TEST_KAFKA needed "
                      "(eval \"$(scripts/test-env env)\")";
    }
    auto redis = Redis::connect(*redis_opts);
    ASSERT_TRUE(redis.has_value());
    redis_ = std::move(*redis);
    kafka_.bootstrap_servers = kafka;
    kafka_.client_id = "store-outbox-test";
    bus::ProducerOptions popts;
    popts.linger = 1ms;
    popts.message_timeout = 5000ms;
    auto producer = bus::Producer::create(kafka_, popts);
    ASSERT_TRUE(producer.has_value()) << producer.error().message;
    producer_ = std::move(*producer);

    const std::string suffix = ids::random_hex(4);
    service_ = "outboxtest" + suffix;
    topic_ = "tongban.outboxtest" + suffix + ".case.v1";
    auto topics = bus::ensure_topics(kafka_, {{topic_, 3, 1}, {bus::dlq_topic(topic_), 1, 1}}, 20s);
    ASSERT_TRUE(topics.has_value()) << topics.error().message;
  }

  void TearDown() override {
    if (consumer_) consumer_->stop();
    if (redis_) {
      Keyspace ks(service_);
      redis_->command({"DEL", ks.outbox(), ks.outbox() + ":lease"});
      for (const auto& id : ids_) {
        redis_->command(
            {"DEL", ks.key("case", id), "tb:" + service_ + ":dedupe:" + group_ + ":" + id});
      }
    }
  }

  // Adds a state change and its event to `tx`; returns the event's id.
  std::string add_change(Transaction& tx, const std::string& case_id, const std::string& state) {
    Keyspace ks(service_);
    auto env = bus::Envelope::make("/tongban/" + service_, "tongban.outboxtest.case_changed.v1",
                                   case_id, boost::json::object{{"state", state}});
    tx.add({"HSET", ks.key("case", case_id), "state", state})
        .add_outbox(ks.outbox(), {topic_, case_id, bus::encode(env),
                                  "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"});
    ids_.push_back(case_id);
    return env.id;
  }
  void commit(Transaction& tx) {
    auto r = tx.exec(*redis_);
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }

  // A state change and its event, atomically.
  std::string change_state(const std::string& case_id, const std::string& state) {
    Transaction tx;
    auto id = add_change(tx, case_id, state);
    commit(tx);
    return id;
  }

  // n state changes and their events in one transaction: a relay step sees all or none.
  void change_states_together(const std::string& prefix, int n) {
    Transaction tx;
    for (int i = 0; i < n; ++i) add_change(tx, prefix + std::to_string(i), "forwarded");
    commit(tx);
  }

  // A consumer that applies each event once, deduping through Redis.
  void start_consumer() {
    group_ = "outboxtest-" + ids::random_hex(4);
    dedupe_ = std::make_shared<RedisDedupe>(*redis_, service_, 600s);
    bus::ConsumerOptions o;
    o.group_id = group_;
    o.topics = {topic_};
    auto runner = bus::ConsumerRunner::create(
        kafka_, o,
        [this](const bus::Envelope& e, const bus::IncomingMessage& m) -> Result<void> {
          std::lock_guard lock(mu_);
          ++applied_[e.id];
          if (const std::string* tp = m.header("traceparent")) traceparents_.insert(*tp);
          return {};
        },
        *producer_, dedupe_);
    ASSERT_TRUE(runner.has_value()) << runner.error().message;
    consumer_ = std::move(*runner);
    consumer_->start();
  }

  OutboxRelayOptions relay_options(std::string owner) {
    OutboxRelayOptions o;
    o.service = service_;
    o.owner = std::move(owner);
    o.lease_ttl = 1500ms;
    o.idle_wait = 200ms;
    o.retry_backoff = 100ms;
    return o;
  }

  std::size_t applied_count() {
    std::lock_guard lock(mu_);
    return applied_.size();
  }
  int max_applications() {
    std::lock_guard lock(mu_);
    int m = 0;
    for (auto& [id, n] : applied_) m = std::max(m, n);
    return m;
  }
  long long backlog() { return redis_->command({"XLEN", Keyspace(service_).outbox()})->integer(); }

  std::unique_ptr<Redis> redis_;
  bus::KafkaConfig kafka_;
  std::unique_ptr<bus::Producer> producer_;
  std::string service_, topic_, group_;
  std::vector<std::string> ids_;
  std::shared_ptr<RedisDedupe> dedupe_;
  std::unique_ptr<bus::ConsumerRunner> consumer_;
  std::mutex mu_;
  std::map<std::string, int> applied_;
  std::set<std::string> traceparents_;
};

TEST_F(OutboxIntegration, state_and_event_commit_together_and_the_relay_publishes_then_deletes) {
  for (int i = 0; i < 20; ++i) change_state("case-" + std::to_string(i), "forwarded");
  EXPECT_EQ(backlog(), 20);
  EXPECT_EQ(redis_->command({"HGET", Keyspace(service_).key("case", "case-3"), "state"})->str(),
            "forwarded");

  start_consumer();
  OutboxRelay relay(*redis_, *producer_, relay_options("relay-a"));
  relay.start();
  EXPECT_TRUE(eventually([&] { return applied_count() == 20; }, 30s)) << applied_count();
  EXPECT_TRUE(eventually([&] { return backlog() == 0; }));
  EXPECT_EQ(relay.published(), 20);
  EXPECT_EQ(max_applications(), 1);
  EXPECT_TRUE(eventually([&] { return relay.backlog() == 0; })) << "as the relay's step counts it";
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(traceparents_.size(), 1u) << "traceparent travels as a Kafka header";
  }

  // New entries wake the idle relay.
  change_state("case-late", "accepted");
  EXPECT_TRUE(eventually([&] { return applied_count() == 21; }, 30s));
  relay.stop();
}

TEST_F(OutboxIntegration, a_step_deletes_what_the_previous_one_published_in_the_same_round_trip) {
  for (int i = 0; i < 3; ++i) change_state("case-" + std::to_string(i), "forwarded");
  OutboxRelay relay(*redis_, *producer_, relay_options("relay-a"));
  OutboxRelay standby(*redis_, *producer_, relay_options("relay-b"));
  EXPECT_EQ(relay.backlog(), std::nullopt) << "no step yet: unknown, not 0";
  auto first = relay.relay_once();
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(*first, 3);
  EXPECT_TRUE(relay.leader());
  EXPECT_EQ(backlog(), 3) << "published, deleted by the next step";
  EXPECT_EQ(relay.backlog(), 3) << "counted by the step, before it published";
  ASSERT_EQ(*standby.relay_once(), 0);
  EXPECT_FALSE(standby.leader());
  EXPECT_EQ(standby.backlog(), 3) << "a standby counts the backlog too";
  auto second = relay.relay_once();
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*second, 0);
  EXPECT_EQ(backlog(), 0);
  EXPECT_EQ(relay.backlog(), 0);
  EXPECT_EQ(relay.published(), 3);

  // stop() deletes what the last step published, and gives the lease up.
  change_state("case-3", "forwarded");
  ASSERT_EQ(*relay.relay_once(), 1);
  relay.stop();
  EXPECT_EQ(backlog(), 0);
  EXPECT_TRUE(redis_->command({"EXISTS", Keyspace(service_).outbox() + ":lease"})->integer() == 0);
}

TEST_F(OutboxIntegration, a_busy_relay_gathers_before_its_next_step) {
  auto o = relay_options("relay-a");
  o.gather = 2s;
  o.lease_ttl = 120s;  // a gather is capped at half the lease
  OutboxRelay relay(*redis_, *producer_, o);
  relay.start();
  // The step that publishes these two starts after this point, and the next one `gather`
  // after that step started: an entry added once they are out waits for it.
  const auto added = std::chrono::steady_clock::now();
  change_states_together("busy-", 2);
  ASSERT_TRUE(eventually([&] { return relay.published() == 2; }, 30s)) << relay.published();
  EXPECT_EQ(relay.batches(), 1) << "one step published both";
  change_state("busy-late", "forwarded");
  ASSERT_TRUE(eventually([&] { return relay.published() == 3; }, 30s)) << relay.published();
  EXPECT_EQ(relay.batches(), 2);
  EXPECT_GE(std::chrono::steady_clock::now() - added, 2s - 50ms);
  relay.stop();
  EXPECT_EQ(backlog(), 0);
}

TEST_F(OutboxIntegration, a_relay_with_one_entry_per_step_or_full_batches_does_not_gather) {
  auto o = relay_options("relay-a");
  o.gather = 30s;  // far above what any of the waits below may take
  o.lease_ttl = 120s;
  o.batch_size = 2;
  OutboxRelay relay(*redis_, *producer_, o);
  relay.start();
  // Behind: five entries go in steps of 2, 2 and 1; full batches follow one another at once.
  change_states_together("behind-", 5);
  EXPECT_TRUE(eventually([&] { return relay.published() == 5; }, 15s)) << relay.published();
  EXPECT_EQ(relay.batches(), 3);
  // Quiet: that last step carried one entry, so a new one is not held back either.
  change_state("quiet-1", "forwarded");
  EXPECT_TRUE(eventually([&] { return relay.published() == 6; }, 15s)) << relay.published();

  // A relay waiting to gather (two entries, a batch holds three) stops at once.
  o.batch_size = 3;
  OutboxRelay busy(*redis_, *producer_, o);
  relay.stop();
  busy.start();
  change_states_together("stop-", 2);
  ASSERT_TRUE(eventually([&] { return busy.published() == 2; }, 15s)) << busy.published();
  const auto stopping = std::chrono::steady_clock::now();
  busy.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 15s) << "stop() waited out the gather";
  EXPECT_EQ(backlog(), 0) << "stop() deletes what was published";
}

TEST_F(OutboxIntegration, an_entry_whose_delivery_fails_stays_in_the_outbox_and_blocks_later_ones) {
  Keyspace ks(service_);
  // A topic that does not exist (auto-creation is off): its delivery report fails.
  OutboxMessage bad{"tongban.outboxtest.missing" + ids::random_hex(4) + ".v1", "k", "{}", ""};
  Transaction tx;
  tx.add_outbox(ks.outbox(), bad);
  ASSERT_TRUE(tx.exec(*redis_).has_value());
  change_state("after-the-bad-one", "x");

  OutboxRelay relay(*redis_, *producer_, relay_options("relay-a"));
  auto r = relay.relay_once();
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(backlog(), 2) << "nothing is deleted without a delivery report, nor out of order";
  EXPECT_EQ(relay.delivery_failures(), 1);
}

TEST_F(OutboxIntegration,
       a_relay_crashing_between_publish_and_delete_republishes_and_consumers_apply_once) {
  for (int i = 0; i < 5; ++i) change_state("case-" + std::to_string(i), "forwarded");
  start_consumer();

  auto crashing = relay_options("relay-crashing");
  crashing.stop_before_delete = true;
  {
    OutboxRelay relay(*redis_, *producer_, crashing);
    relay.start();
    EXPECT_TRUE(eventually([&] { return relay.published() == 5; }, 30s));
  }  // "crashed": published, entries still in the outbox, lease left to lapse
  EXPECT_EQ(backlog(), 5);
  EXPECT_TRUE(eventually([&] { return applied_count() == 5; }, 30s));

  OutboxRelay restarted(*redis_, *producer_, relay_options("relay-restarted"));
  restarted.start();
  EXPECT_TRUE(eventually([&] { return backlog() == 0; }, 30s));
  EXPECT_EQ(restarted.published(), 5) << "the restart republished the undeleted entries";
  EXPECT_TRUE(eventually([&] { return consumer_->duplicates() >= 5; }, 30s))
      << consumer_->duplicates();
  EXPECT_EQ(applied_count(), 5u);
  EXPECT_EQ(max_applications(), 1) << "a duplicate was applied twice";
  restarted.stop();
}

TEST_F(OutboxIntegration, two_relays_on_one_outbox_only_the_lease_holder_publishes) {
  start_consumer();
  OutboxRelay a(*redis_, *producer_, relay_options("relay-a"));
  OutboxRelay b(*redis_, *producer_, relay_options("relay-b"));
  a.start();
  b.start();
  for (int i = 0; i < 50; ++i) change_state("case-" + std::to_string(i), "forwarded");
  EXPECT_TRUE(eventually([&] { return applied_count() == 50; }, 30s)) << applied_count();
  EXPECT_TRUE(eventually([&] { return backlog() == 0; }));
  EXPECT_EQ(a.published() + b.published(), 50);
  EXPECT_TRUE(a.published() == 0 || b.published() == 0)
      << "a=" << a.published() << " b=" << b.published();
  EXPECT_NE(a.leader(), b.leader());
  EXPECT_EQ(consumer_->duplicates(), 0);

  // The holder stops (releasing the lease): the standby takes over.
  OutboxRelay& holder = a.leader() ? a : b;
  OutboxRelay& standby = a.leader() ? b : a;
  holder.stop();
  change_state("after-handover", "x");
  EXPECT_TRUE(eventually([&] { return applied_count() == 51; }, 30s));
  EXPECT_TRUE(standby.leader());
  standby.stop();
}

TEST_F(OutboxIntegration, dedupe_marks_expire_and_are_per_consumer) {
  RedisDedupe dedupe(*redis_, service_, 60s);
  EXPECT_FALSE(*dedupe.seen("g1", "e1"));
  ASSERT_TRUE(dedupe.mark("g1", "e1").has_value());
  ASSERT_TRUE(dedupe.mark("g1", "e1").has_value()) << "marking twice is fine";
  EXPECT_TRUE(*dedupe.seen("g1", "e1"));
  EXPECT_FALSE(*dedupe.seen("g2", "e1"));
  auto ttl = redis_->command({"TTL", dedupe.key("g1", "e1")});
  EXPECT_GT(ttl->integer(), 0);
  EXPECT_LE(ttl->integer(), 60);
  redis_->command({"DEL", dedupe.key("g1", "e1")});
}

}  // namespace
}  // namespace tongban::store

// libs/bus against the real broker (TONGBAN_TEST_KAFKA). Each test uses its own topics
// and consumer groups, so runs never see each other's data.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../src/kafka.hpp"
#include "tongban/bus/admin.hpp"
#include "tongban/bus/consumer.hpp"
#include "tongban/bus/dlq.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/trace.hpp"

namespace tongban::bus {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;

// Polls `done` until it holds or the generous deadline passes (no timing assertions).
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

class InMemoryDedupe final : public DedupeStore {
 public:
  Result<bool> seen(const std::string& consumer, const std::string& id) override {
    std::lock_guard lock(mutex_);
    return marked_.contains(consumer + "/" + id);
  }
  Result<void> mark(const std::string& consumer, const std::string& id) override {
    std::lock_guard lock(mutex_);
    marked_.insert(consumer + "/" + id);
    return {};
  }

 private:
  std::mutex mutex_;
  std::set<std::string> marked_;
};

// A DLQ that can never be reached: every publish fails, as when the brokers of the DLQ
// are down or the topic is not writable.
class UnreachableDlq final : public Producer {
 public:
  Result<void> produce(OutgoingMessage, DeliveryCallback) override {
    calls.fetch_add(1);
    return fail(Error::unavailable("test: DLQ unreachable"));
  }
  Result<void> produce_sync(OutgoingMessage m, std::chrono::milliseconds) override {
    return produce(std::move(m), {});
  }
  Result<void> flush(std::chrono::milliseconds) override { return {}; }
  bool healthy() const override { return true; }
  Result<void> ping(std::chrono::milliseconds) override { return {}; }
  std::atomic<int> calls{0};
};

class BusIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bootstrap = std::getenv("TONGBAN_TEST_KAFKA");
    if (bootstrap == nullptr || *bootstrap == '\0') {
      const char* require = std::getenv("TONGBAN_REQUIRE_SERVERS");
      if (require != nullptr && std::string_view(require) == "1") {
        FAIL() << "TONGBAN_TEST_KAFKA is not set but TONGBAN_REQUIRE_SERVERS=1";
      }
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set (scripts/test-env start; eval "
                      "\"$(scripts/test-env env)\")";
    }
    config_.bootstrap_servers = bootstrap;
    config_.client_id = "bus_integration_test";
    auto producer = Producer::create(config_);
    ASSERT_TRUE(producer) << producer.error().message;
    producer_ = std::move(*producer);
  }

  std::string new_topic(const std::string& stream, int partitions) {
    auto name = topic_name("bustest", stream + "_" + ids::random_hex(4));
    auto r = ensure_topics(config_, {{name, partitions, 1}}, 15s);
    EXPECT_TRUE(r) << r.error().message;
    return name;
  }

  std::string new_group() { return "bustest-" + ids::random_hex(6); }

  // Publishes an event and waits for the broker's acknowledgement; returns it.
  Envelope publish(const std::string& topic, const std::string& subject, boost::json::object data,
                   Headers headers = {}) {
    auto e =
        Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", subject, std::move(data));
    publish_raw(topic, subject, encode(e), std::move(headers));
    return e;
  }
  void publish_raw(const std::string& topic, const std::string& key, std::string value,
                   Headers headers = {}) {
    auto r = producer_->produce_sync({topic, key, std::move(value), std::move(headers)}, 30s);
    ASSERT_TRUE(r) << r.error().message;
  }

  ConsumerOptions options(const std::string& topic, const std::string& group) {
    ConsumerOptions o;
    o.group_id = group;
    o.topics = {topic};
    o.max_attempts = 3;
    o.retry_backoff = 10ms;
    o.session_timeout = 10s;
    return o;
  }

  std::unique_ptr<ConsumerRunner> runner(ConsumerOptions o, EnvelopeHandler handler,
                                         Producer* dlq = nullptr,
                                         std::shared_ptr<DedupeStore> dedupe = nullptr) {
    auto r = ConsumerRunner::create(config_, std::move(o), std::move(handler),
                                    dlq != nullptr ? *dlq : *producer_, std::move(dedupe));
    EXPECT_TRUE(r) << r.error().message;
    if (!r) return nullptr;
    (*r)->start();
    return std::move(*r);
  }

  std::vector<DeadLetter> dead_letters(const std::string& topic, std::size_t expect) {
    std::vector<DeadLetter> letters;
    eventually([&] {
      auto r = read_dead_letters(config_, dlq_topic(topic), 100, 20s);
      if (r) letters = std::move(*r);
      return letters.size() >= expect;
    });
    return letters;
  }

  // What the group has committed for the partition (RD_KAFKA_OFFSET_INVALID: nothing).
  long long committed(const std::string& group, const std::string& topic, int partition) {
    auto conf = detail::make_conf(config_, {{"group.id", group}});
    EXPECT_TRUE(conf);
    auto rk = detail::make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
    EXPECT_TRUE(rk);
    detail::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    const auto err = rd_kafka_committed(rk->get(), list.get(), 10000);
    EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << detail::err_text(err);
    return list->elems[0].offset;
  }

  KafkaConfig config_;
  std::unique_ptr<Producer> producer_;
};

std::string header_or(const Headers& headers, std::string_view name, std::string fallback = {}) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return fallback;
}

std::string run_command(const std::string& cmd, int& status) {
  std::string out;
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  status = ::pclose(pipe);
  return out;
}

// The lines of the tool's output that carry `key` (log lines share stdout).
std::vector<boost::json::object> json_lines_with(const std::string& text, std::string_view key) {
  std::vector<boost::json::object> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    boost::system::error_code ec;
    auto v = boost::json::parse(text.substr(start, end - start), ec);
    if (!ec && v.is_object() && v.as_object().contains(key)) out.push_back(v.as_object());
    start = end + 1;
  }
  return out;
}

TEST_F(BusIntegration, producer_is_healthy_and_pings_the_broker) {
  EXPECT_TRUE(producer_->healthy());
  auto ping = producer_->ping(10s);
  EXPECT_TRUE(ping) << ping.error().message;
}

TEST_F(BusIntegration, a_fatal_idempotence_error_makes_the_producer_unhealthy) {
  auto producer = Producer::create(config_);
  ASSERT_TRUE(producer);
  rd_kafka_t* rk = detail::native_handle(**producer);
  ASSERT_NE(rk, nullptr);
  // What the broker causes when it fences the producer id or loses a sequence.
  ASSERT_EQ(rd_kafka_test_fatal_error(rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                      "injected by the test"),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE(eventually([&] { return !(*producer)->healthy(); }));
  auto r = (*producer)->produce({new_topic("fatal", 1), "k", "v", {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "producer_fatal");
}

TEST_F(BusIntegration, ping_fails_when_no_broker_listens) {
  KafkaConfig nowhere;
  nowhere.bootstrap_servers = "127.0.0.1:1";
  auto producer = Producer::create(nowhere, {.linger = 5ms, .message_timeout = 1000ms});
  ASSERT_TRUE(producer);
  auto ping = (*producer)->ping(500ms);
  ASSERT_FALSE(ping);
  EXPECT_TRUE(ping.error().retryable);
}

TEST_F(BusIntegration, ensure_topics_accepts_existing_topics) {
  const auto topic = new_topic("existing", 1);
  auto again = ensure_topics(config_, {{topic, 1, 1}}, 15s);
  EXPECT_TRUE(again) << again.error().message;
}

TEST_F(BusIntegration, delivers_every_message_in_order_per_key_whether_or_not_it_gathers) {
  const auto topic = new_topic("ordered", 3);
  constexpr int kKeys = 4;
  constexpr int kPerKey = 50;
  // Enqueue everything asynchronously (the idempotent producer keeps per-partition order
  // even with retries and several requests in flight), then wait for the reports.
  std::atomic<int> acked{0};
  for (int i = 0; i < kPerKey; ++i) {
    for (int k = 0; k < kKeys; ++k) {
      const auto subject = "case-" + std::to_string(k);
      auto e = Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", subject,
                              boost::json::object{{"seq", i}});
      auto r = producer_->produce({topic, subject, encode(e), {}}, [&](const Result<void>& d) {
        if (d) acked.fetch_add(1);
      });
      ASSERT_TRUE(r) << r.error().message;
    }
  }
  ASSERT_TRUE(producer_->flush(30s));
  ASSERT_EQ(acked.load(), kKeys * kPerKey);

  // A group that gathers its fetches (ConsumerOptions::gather) gets the same, in the same order.
  for (const auto gather : {0ms, 200ms}) {
    SCOPED_TRACE("gather " + std::to_string(gather.count()) + " ms");
    std::mutex mutex;
    std::map<std::string, std::vector<std::int64_t>> seen;
    auto o = options(topic, new_group());
    o.gather = gather;
    auto r = runner(o, [&](const Envelope& e, const IncomingMessage& m) {
      EXPECT_EQ(m.key, e.subject);
      std::lock_guard lock(mutex);
      seen[e.subject].push_back(e.data.at("seq").as_int64());
      return Result<void>{};
    });
    ASSERT_TRUE(r);
    ASSERT_TRUE(eventually([&] { return r->processed() == kKeys * kPerKey; }))
        << "processed " << r->processed();
    r->stop();
    std::lock_guard lock(mutex);
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(kKeys));
    for (const auto& [subject, seqs] : seen) {
      std::vector<std::int64_t> want(kPerKey);
      for (int i = 0; i < kPerKey; ++i) want[i] = i;
      EXPECT_EQ(seqs, want) << subject;
    }
    EXPECT_EQ(r->dead_lettered(), 0);
  }
}

TEST_F(BusIntegration, a_failing_message_is_retried_then_dead_lettered_while_later_ones_flow) {
  const auto topic = new_topic("retry", 1);
  const auto trace = TraceContext::start().header();
  const auto bad = publish(topic, "case-1", {{"fail", true}}, {{"traceparent", trace}});
  const auto good1 = publish(topic, "case-1", {{"fail", false}});
  const auto good2 = publish(topic, "case-1", {{"fail", false}});

  std::atomic<int> bad_attempts{0};
  std::mutex mutex;
  std::vector<std::string> handled;
  const auto group = new_group();
  auto r = runner(options(topic, group), [&](const Envelope& e, const IncomingMessage&) {
    if (e.data.at("fail").as_bool()) {
      bad_attempts.fetch_add(1);
      return Result<void>(fail(Error::unavailable("downstream is down")));
    }
    std::lock_guard lock(mutex);
    handled.push_back(e.id);
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() == 2 && r->dead_lettered() == 1; }));
  EXPECT_EQ(bad_attempts.load(), 3);  // max_attempts
  // The dead letter's offset counts as done, like the later ones: all three committed.
  r->stop();
  EXPECT_EQ(committed(group, topic, 0), 3);
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, (std::vector<std::string>{good1.id, good2.id}));
  }

  auto letters = dead_letters(topic, 1);
  ASSERT_EQ(letters.size(), 1u);
  const auto& d = letters[0];
  EXPECT_EQ(d.key, "case-1");
  auto decoded = decode(d.value);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->id, bad.id);                         // the original value, untouched
  EXPECT_EQ(header_or(d.headers, "traceparent"), trace);  // original headers kept
  EXPECT_EQ(d.original_topic, topic);
  EXPECT_EQ(d.original_partition, 0);
  EXPECT_EQ(d.original_offset, 0);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_NE(d.reason.find("downstream is down"), std::string::npos) << d.reason;
  Clock::time_point when;
  EXPECT_TRUE(parse_rfc3339(d.time, when)) << d.time;

  r->stop();
}

TEST_F(BusIntegration, an_undecodable_message_goes_to_the_dlq_without_calling_the_handler) {
  const auto topic = new_topic("poison", 1);
  publish_raw(topic, "case-9", "this is not a CloudEvent");
  const auto good = publish(topic, "case-9", {{"ok", true}});
  std::atomic<int> calls{0};
  const auto group = new_group();
  auto r = runner(options(topic, group), [&](const Envelope& e, const IncomingMessage&) {
    calls.fetch_add(1);
    EXPECT_EQ(e.id, good.id);
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() == 1 && r->dead_lettered() == 1; }));
  r->stop();
  EXPECT_EQ(calls.load(), 1);
  auto letters = dead_letters(topic, 1);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].value, "this is not a CloudEvent");
  EXPECT_EQ(letters[0].attempts, 0);
  EXPECT_NE(letters[0].reason.find("undecodable"), std::string::npos) << letters[0].reason;
  EXPECT_EQ(committed(group, topic, 0), 2);  // both offsets done: next to read is 2
}

TEST_F(BusIntegration, a_message_that_cannot_reach_the_dlq_is_not_committed_and_comes_back) {
  const auto topic = new_topic("uncommitted", 1);
  const auto bad = publish(topic, "case-2", {{"fail", true}});
  const auto later = publish(topic, "case-2", {{"fail", false}});
  const auto group = new_group();

  UnreachableDlq dlq;
  std::atomic<int> first_calls{0};
  auto first = runner(
      options(topic, group),
      [&](const Envelope& e, const IncomingMessage&) {
        first_calls.fetch_add(1);
        if (e.data.at("fail").as_bool()) {
          return Result<void>(fail(Error::invalid("data", "rule", "never valid")));
        }
        return Result<void>{};
      },
      &dlq);
  ASSERT_TRUE(first);
  // The DLQ publish keeps failing; the partition stalls rather than skip the message.
  ASSERT_TRUE(eventually([&] { return dlq.calls.load() >= 2; }));
  first->stop();
  EXPECT_EQ(first->processed(), 0);
  EXPECT_EQ(first->dead_lettered(), 0);
  EXPECT_EQ(first_calls.load(), 1);  // non-retryable: one attempt, then the DLQ
  EXPECT_EQ(committed(group, topic, 0), RD_KAFKA_OFFSET_INVALID);

  // A new member of the same group gets the failed message again.
  std::mutex mutex;
  std::vector<std::string> seen;
  auto second = runner(options(topic, group), [&](const Envelope& e, const IncomingMessage&) {
    std::lock_guard lock(mutex);
    seen.push_back(e.id);
    return Result<void>{};
  });
  ASSERT_TRUE(second);
  ASSERT_TRUE(eventually([&] { return second->processed() == 2; }));
  second->stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, (std::vector<std::string>{bad.id, later.id}));
  EXPECT_EQ(committed(group, topic, 0), 2);
}

TEST_F(BusIntegration, stopping_mid_retry_leaves_the_message_uncommitted) {
  const auto topic = new_topic("midretry", 1);
  const auto event = publish(topic, "case-3", {});
  const auto group = new_group();
  auto o = options(topic, group);
  o.max_attempts = 10;
  o.retry_backoff = 2s;
  std::atomic<int> attempts{0};
  auto first = runner(o, [&](const Envelope&, const IncomingMessage&) {
    attempts.fetch_add(1);
    return Result<void>(fail(Error::unavailable("still down")));
  });
  ASSERT_TRUE(first);
  ASSERT_TRUE(eventually([&] { return attempts.load() >= 1; }));
  first->stop();  // interrupts the backoff
  EXPECT_EQ(first->dead_lettered(), 0);
  EXPECT_EQ(committed(group, topic, 0), RD_KAFKA_OFFSET_INVALID);

  std::atomic<bool> redelivered{false};
  auto second = runner(options(topic, group), [&](const Envelope& e, const IncomingMessage&) {
    redelivered.store(e.id == event.id);
    return Result<void>{};
  });
  ASSERT_TRUE(second);
  ASSERT_TRUE(eventually([&] { return redelivered.load(); }));
}

// ConsumerOptions::flush: a handler leaves its writes pending; the runner flushes them for
// what it has at hand and stores offsets only after that.
TEST_F(BusIntegration, a_flushing_group_flushes_per_batch_in_order_and_commits_after_the_flush) {
  const auto topic = new_topic("flush", 1);
  constexpr int kMessages = 300;
  for (int i = 0; i < kMessages; ++i) {
    auto e = Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", "case-1",
                            boost::json::object{{"seq", i}});
    ASSERT_TRUE(producer_->produce({topic, "case-1", encode(e), {}}, [](const Result<void>&) {}));
  }
  ASSERT_TRUE(producer_->flush(30s));
  const auto group = new_group();
  std::mutex mutex;
  std::vector<std::int64_t> pending, flushed;
  std::vector<std::size_t> batches;
  auto o = options(topic, group);
  o.max_batch = 64;
  o.flush = [&] {
    std::lock_guard lock(mutex);
    batches.push_back(pending.size());
    flushed.insert(flushed.end(), pending.begin(), pending.end());
    pending.clear();
    return Result<void>{};
  };
  auto r = runner(o, [&](const Envelope& e, const IncomingMessage&) {
    std::lock_guard lock(mutex);
    pending.push_back(e.data.at("seq").as_int64());
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return flushed.size() == kMessages;
  }));
  r->stop();
  std::lock_guard lock(mutex);
  std::vector<std::int64_t> want(kMessages);
  for (int i = 0; i < kMessages; ++i) want[i] = i;
  EXPECT_EQ(flushed, want);
  EXPECT_TRUE(pending.empty());
  // Batches, not one flush per message, and none above max_batch.
  EXPECT_GE(batches.size(), static_cast<std::size_t>(kMessages / 64));
  EXPECT_LT(batches.size(), static_cast<std::size_t>(kMessages / 2));
  EXPECT_LE(*std::max_element(batches.begin(), batches.end()), 64u);
  EXPECT_EQ(committed(group, topic, 0), kMessages);
}

TEST_F(BusIntegration, a_batch_whose_flush_keeps_failing_is_handled_again_and_nothing_is_lost) {
  const auto topic = new_topic("flushfail", 1);
  constexpr int kMessages = 20;
  for (int i = 0; i < kMessages; ++i) publish(topic, "case-1", {{"seq", i}});
  const auto group = new_group();
  std::mutex mutex;
  std::vector<std::int64_t> handled, pending, flushed;
  std::atomic<bool> store_down{true};
  std::atomic<int> failed_flushes{0}, discards{0};
  auto o = options(topic, group);
  // The retry budget is half of this: a flush failing for 5 s gives the batch up.
  o.max_poll_interval = 10s;
  o.retry_backoff = 100ms;
  o.flush = [&]() -> Result<void> {
    std::lock_guard lock(mutex);
    if (store_down.load()) {
      failed_flushes.fetch_add(1);
      return fail(Error::unavailable("store down"));
    }
    flushed.insert(flushed.end(), pending.begin(), pending.end());
    pending.clear();
    return {};
  };
  // Given up: what was pending comes again, so it is dropped here (else flushed twice).
  o.discard = [&] {
    std::lock_guard lock(mutex);
    discards.fetch_add(1);
    pending.clear();
    store_down.store(false);
  };
  auto r = runner(o, [&](const Envelope& e, const IncomingMessage&) {
    std::lock_guard lock(mutex);
    handled.push_back(e.data.at("seq").as_int64());
    pending.push_back(e.data.at("seq").as_int64());
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return flushed.size() == kMessages;
  })) << "failed flushes "
      << failed_flushes.load();
  EXPECT_GE(failed_flushes.load(), 2);  // retried before it was given up
  EXPECT_EQ(discards.load(), 1);
  r->stop();
  std::lock_guard lock(mutex);
  std::vector<std::int64_t> want(kMessages);
  for (int i = 0; i < kMessages; ++i) want[i] = i;
  EXPECT_EQ(flushed, want);
  EXPECT_GT(handled.size(), static_cast<std::size_t>(kMessages));  // some came twice
  EXPECT_EQ(committed(group, topic, 0), kMessages);
}

TEST_F(BusIntegration, stopping_with_an_unflushed_batch_leaves_it_uncommitted) {
  const auto topic = new_topic("flushstop", 1);
  for (int i = 0; i < 5; ++i) publish(topic, "case-1", {{"seq", i}});
  const auto group = new_group();
  std::atomic<int> flushes{0};
  auto o = options(topic, group);
  o.retry_backoff = 2s;
  o.flush = [&]() -> Result<void> {
    flushes.fetch_add(1);
    return fail(Error::unavailable("store down"));
  };
  auto first = runner(o, [](const Envelope&, const IncomingMessage&) { return Result<void>{}; });
  ASSERT_TRUE(first);
  ASSERT_TRUE(eventually([&] { return flushes.load() >= 1; }));
  first->stop();  // interrupts the flush's backoff
  EXPECT_EQ(committed(group, topic, 0), RD_KAFKA_OFFSET_INVALID);

  std::atomic<int> redelivered{0};
  auto second = runner(options(topic, group), [&](const Envelope&, const IncomingMessage&) {
    redelivered.fetch_add(1);
    return Result<void>{};
  });
  ASSERT_TRUE(second);
  ASSERT_TRUE(eventually([&] { return redelivered.load() == 5; }));
}

TEST_F(BusIntegration, a_duplicate_event_is_applied_once) {
  const auto topic = new_topic("dedupe", 1);
  auto e = Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", "case-4",
                          boost::json::object{{"n", 1}});
  const auto other = Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", "case-4",
                                    boost::json::object{{"n", 2}});
  // The same event id twice, as an outbox relay that crashed after publishing would send.
  publish_raw(topic, "case-4", encode(e));
  publish_raw(topic, "case-4", encode(other));
  publish_raw(topic, "case-4", encode(e));

  auto dedupe = std::make_shared<InMemoryDedupe>();
  std::mutex mutex;
  std::map<std::string, int> applied;
  auto r = runner(
      options(topic, new_group()),
      [&](const Envelope& env, const IncomingMessage&) {
        std::lock_guard lock(mutex);
        ++applied[env.id];
        return Result<void>{};
      },
      nullptr, dedupe);
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() + r->duplicates() == 3; }));
  r->stop();
  EXPECT_EQ(r->processed(), 2);
  EXPECT_EQ(r->duplicates(), 1);
  std::lock_guard lock(mutex);
  EXPECT_EQ(applied[e.id], 1);
  EXPECT_EQ(applied[other.id], 1);
}

// Events the consumer's `concerns` rejects are done without the handler and without the
// dedupe store; the group's offset moves past them (a new member starts after them).
class CountingDedupe final : public DedupeStore {
 public:
  Result<bool> seen(const std::string&, const std::string&) override {
    calls.fetch_add(1);
    return false;
  }
  Result<void> mark(const std::string&, const std::string&) override {
    calls.fetch_add(1);
    return {};
  }
  std::atomic<int> calls{0};
};

TEST_F(BusIntegration, events_that_do_not_concern_the_consumer_skip_the_handler_and_dedupe) {
  const auto topic = new_topic("concerns", 1);
  for (int n = 1; n <= 6; ++n) {
    publish_raw(topic, "k",
                encode(Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1",
                                      "case-" + std::to_string(n), boost::json::object{{"n", n}})));
  }
  const auto group = new_group();
  auto dedupe = std::make_shared<CountingDedupe>();
  std::mutex mutex;
  std::vector<std::int64_t> handled;
  auto o = options(topic, group);
  o.concerns = [](const Envelope& e) { return e.data.at("n").to_number<int>() % 3 == 0; };
  auto r = runner(
      o,
      [&](const Envelope& env, const IncomingMessage&) {
        std::lock_guard lock(mutex);
        handled.push_back(env.data.at("n").to_number<std::int64_t>());
        return Result<void>{};
      },
      nullptr, dedupe);
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() == 6; }));
  r->stop();
  EXPECT_EQ(r->passed_by(), 4);
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, (std::vector<std::int64_t>{3, 6}));
  }
  EXPECT_EQ(dedupe->calls.load(), 4);  // seen + mark for each of the two handled
  // The skipped ones were committed with the rest: the group starts after all six.
  publish_raw(topic, "k",
              encode(Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", "case-9",
                                    boost::json::object{{"n", 9}})));
  std::atomic<int> again{0};
  std::atomic<std::int64_t> first{0};
  auto r2 = runner(options(topic, group), [&](const Envelope& env, const IncomingMessage&) {
    if (again.fetch_add(1) == 0) first = env.data.at("n").to_number<std::int64_t>();
    return Result<void>{};
  });
  ASSERT_TRUE(r2);
  ASSERT_TRUE(eventually([&] { return again.load() >= 1; }));
  r2->stop();
  EXPECT_EQ(first.load(), 9);
}

TEST_F(BusIntegration, events_passed_by_on_their_raw_head_are_committed_without_being_decoded) {
  const auto topic = new_topic("passes_by", 1);
  // Its head (source, type) comes first and says "pass by"; what follows is no JSON at all,
  // so a consumer that decoded it would dead-letter it.
  publish_raw(topic, "k", R"({"source":"/tongban/mine","type":"tongban.bustest.echo.v1",#)");
  publish(topic, "k", {{"n", 1}});
  // Unreadable head: decoded, and dead-lettered as before.
  publish_raw(topic, "k", "not json");
  publish(topic, "k", {{"n", 2}});
  const auto group = new_group();
  std::mutex mutex;
  std::vector<std::int64_t> handled;
  auto o = options(topic, group);
  o.passes_by = [](const EnvelopeHead& h) {
    return h.source == "/tongban/mine" && h.type == "tongban.bustest.echo.v1";
  };
  auto r = runner(o, [&](const Envelope& env, const IncomingMessage&) {
    std::lock_guard lock(mutex);
    handled.push_back(env.data.at("n").to_number<std::int64_t>());
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() == 3 && r->dead_lettered() == 1; }));
  r->stop();
  EXPECT_EQ(r->passed_by(), 1);
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handled, (std::vector<std::int64_t>{1, 2}));
  }
  const auto dead = dead_letters(topic, 1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].value, "not json");
  EXPECT_EQ(committed(group, topic, 0), 4);  // the one passed by is committed with the rest
}

TEST_F(BusIntegration, an_event_is_aged_from_its_time_to_the_handler_and_passed_by_ones_are_not) {
  const auto topic = new_topic("ages", 1);
  // Written 100 s ago (an outbox that stalled): the group's join time does not matter.
  auto old = Envelope::make("/tongban/bustest", "tongban.bustest.happened.v1", "case-1",
                            boost::json::object{{"n", 1}});
  old.time -= std::chrono::seconds(100);
  publish_raw(topic, "k", encode(old));
  publish_raw(topic, "k", R"({"source":"/tongban/mine","type":"tongban.bustest.echo.v1"})");
  auto o = options(topic, new_group());
  o.passes_by = [](const EnvelopeHead& h) { return h.source == "/tongban/mine"; };
  std::atomic<int> handled{0};
  auto r = runner(o, [&](const Envelope&, const IncomingMessage&) {
    ++handled;
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->processed() == 2; }));
  publish(topic, "k", {{"n", 2}});  // fresh, while the group is consuming
  ASSERT_TRUE(eventually([&] { return handled.load() == 2; }));
  r->stop();
  const auto ages = r->event_ages();
  EXPECT_EQ(ages.count, 2) << "the event passed by is not aged";
  const auto& bounds = EventAges::kBounds;
  const auto bucket_of = [&](double seconds) {
    return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) -
                                    bounds.begin());
  };
  EXPECT_EQ(ages.counts[bucket_of(100)], 1) << "60 s < age <= 300 s";
  long long within_a_second = 0;
  for (std::size_t i = 0; i <= bucket_of(1); ++i) within_a_second += ages.counts[i];
  EXPECT_EQ(within_a_second, 1) << "the fresh one";
  EXPECT_GE(ages.sum_seconds, 100);
  EXPECT_LT(ages.sum_seconds, 160);
}

TEST_F(BusIntegration, lag_counts_what_the_group_has_not_taken_and_drops_to_zero) {
  const auto topic = new_topic("lag", 1);
  for (int n = 1; n <= 20; ++n) publish(topic, "k", {{"n", n}});
  // The handler holds the first message: the group has taken one of twenty.
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> handled{0};
  auto r = runner(options(topic, new_group()), [&](const Envelope&, const IncomingMessage&) {
    if (handled.fetch_add(1) == 0) {
      std::unique_lock lock(mutex);
      released_cv.wait(lock, [&] { return released; });
    }
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  std::vector<PartitionLag> held;
  ASSERT_TRUE(eventually([&] {
    held = r->lag();
    return handled.load() == 1 && held.size() == 1 && held[0].messages == 19;
  })) << (held.empty() ? std::string("no partition reported")
                       : std::to_string(held[0].messages) + " behind");
  EXPECT_EQ(held[0].topic, topic);
  EXPECT_EQ(held[0].partition, 0);
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  released_cv.notify_all();
  ASSERT_TRUE(eventually([&] {
    const auto now = r->lag();
    return r->processed() == 20 && now.size() == 1 && now[0].messages == 0;
  }));
  // A message published later shows as lag until it is taken, then the group is level again.
  publish(topic, "k", {{"n", 21}});
  ASSERT_TRUE(eventually([&] {
    const auto now = r->lag();
    return r->processed() == 21 && now.size() == 1 && now[0].messages == 0;
  }));
  r->stop();
}

TEST_F(BusIntegration, dlq_tool_lists_and_replays_a_dead_letter_to_a_healthy_handler) {
  const auto topic = new_topic("replay", 1);
  const auto trace = TraceContext::start().header();
  const auto event = publish(topic, "case-5", {{"amount", 7}}, {{"traceparent", trace}});
  std::atomic<bool> healthy{false};
  std::mutex mutex;
  std::vector<IncomingMessage> applied;
  auto r = runner(options(topic, new_group()), [&](const Envelope& e, const IncomingMessage& m) {
    if (!healthy.load()) {
      return Result<void>(fail(Error::invalid("data.amount", "limit", "amount not accepted")));
    }
    EXPECT_EQ(e.id, event.id);
    std::lock_guard lock(mutex);
    applied.push_back(m);
    return Result<void>{};
  });
  ASSERT_TRUE(r);
  ASSERT_TRUE(eventually([&] { return r->dead_lettered() == 1; }));
  ASSERT_EQ(dead_letters(topic, 1).size(), 1u);

  const std::string bin = TONGBAN_DLQ_BIN;
  const std::string args = dlq_topic(topic) + " --bootstrap " + config_.bootstrap_servers;
  int status = 0;
  const auto listed = run_command(bin + " list " + args, status);
  ASSERT_EQ(status, 0) << listed;
  const auto letters = json_lines_with(listed, "dlq_offset");
  ASSERT_EQ(letters.size(), 1u) << listed;
  EXPECT_EQ(letters[0].at("original_topic").as_string(), topic);
  EXPECT_EQ(letters[0].at("original_offset"), 0);
  EXPECT_EQ(letters[0].at("attempts"), 1);
  EXPECT_EQ(letters[0].at("key"), "case-5");
  EXPECT_NE(std::string(letters[0].at("reason").as_string()).find("amount not accepted"),
            std::string::npos);

  healthy.store(true);
  const auto replayed = run_command(bin + " replay " + args + " --offset 0", status);
  ASSERT_EQ(status, 0) << replayed;
  const auto lines = json_lines_with(replayed, "replayed");
  ASSERT_EQ(lines.size(), 1u) << replayed;
  EXPECT_EQ(lines[0].at("replayed"), true);
  EXPECT_EQ(lines[0].at("topic").as_string(), topic);

  ASSERT_TRUE(eventually([&] { return r->processed() == 1; }));
  r->stop();
  std::lock_guard lock(mutex);
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].key, "case-5");
  EXPECT_EQ(applied[0].offset, 1);  // republished after the original
  ASSERT_NE(applied[0].header("traceparent"), nullptr);
  EXPECT_EQ(*applied[0].header("traceparent"), trace);
  for (const auto& [name, value] : applied[0].headers) {
    EXPECT_FALSE(std::string_view(name).starts_with(kDlqHeaderPrefix)) << name;
  }
}

TEST_F(BusIntegration, dlq_tool_reports_a_missing_topic) {
  int status = 0;
  const auto out =
      run_command(std::string(TONGBAN_DLQ_BIN) + " list tongban.bustest.none_" +
                      ids::random_hex(4) + ".v1.dlq --bootstrap " + config_.bootstrap_servers,
                  status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("does not exist"), std::string::npos) << out;
}

}  // namespace
}  // namespace tongban::bus

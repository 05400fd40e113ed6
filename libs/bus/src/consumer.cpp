#include "tongban/bus/consumer.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "kafka.hpp"
#include "tongban/bus/admin.hpp"
#include "tongban/bus/dlq.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/thread_name.hpp"

namespace tongban::bus {

const std::string* IncomingMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

namespace {

using namespace detail;
using Ms = std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr Ms kMaxBackoff{5000};
constexpr Ms kEnsureTopicsTimeout{15000};
constexpr std::size_t kMaxReasonLength = 1000;

std::string partitions_text(const rd_kafka_topic_partition_list_t* parts) {
  std::string out;
  for (int i = 0; i < parts->cnt; ++i) {
    if (!out.empty()) out += ",";
    out +=
        std::string(parts->elems[i].topic) + "[" + std::to_string(parts->elems[i].partition) + "]";
  }
  return out;
}

class KafkaConsumerRunner final : public ConsumerRunner {
 public:
  KafkaConsumerRunner(ConsumerOptions options, EnvelopeHandler handler, Producer& dlq_producer,
                      std::shared_ptr<DedupeStore> dedupe)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        dlq_producer_(dlq_producer),
        dedupe_(std::move(dedupe)) {}

  ~KafkaConsumerRunner() override { stop(); }

  Result<void> init(const KafkaConfig& config) {
    if (options_.group_id.empty()) {
      return fail(Error::invalid("group_id", "required", "a consumer group id is required"));
    }
    if (options_.topics.empty()) {
      return fail(Error::invalid("topics", "required", "at least one topic is required"));
    }
    if (options_.max_attempts < 1) {
      return fail(Error::invalid("max_attempts", "minimum", "max_attempts must be at least 1"));
    }
    if (!handler_) return fail(Error::invalid("handler", "required", "a handler is required"));

    // A poison message must always have somewhere to go, so the DLQs exist before the
    // first message is read.
    std::vector<TopicSpec> dlqs;
    for (const auto& t : options_.topics) {
      dlqs.push_back({dlq_topic(t), options_.dlq_partitions, options_.dlq_replication_factor});
    }
    if (auto r = ensure_topics(config, dlqs, kEnsureTopicsTimeout); !r) return fail(r.error());

    auto conf = make_conf(
        config, {{"group.id", options_.group_id},
                 // Auto-commit only commits what we stored, and we store an offset only once its
                 // message was handled or dead-lettered: a failed message is never committed.
                 {"enable.auto.commit", "true"},
                 {"enable.auto.offset.store", "false"},
                 {"auto.commit.interval.ms", "1000"},
                 {"partition.assignment.strategy", "cooperative-sticky"},
                 {"max.poll.interval.ms", std::to_string(options_.max_poll_interval.count())},
                 {"session.timeout.ms", std::to_string(options_.session_timeout.count())},
                 {"auto.offset.reset", options_.from_beginning ? "earliest" : "latest"},
                 // A subscribed topic that did not exist yet (another service creating it at
                 // the same moment) is picked up at the next metadata refresh: every 5 s, not
                 // librdkafka's default 5 min.
                 {"topic.metadata.refresh.interval.ms", "5000"},
                 // librdkafka pre-fetches up to 64 MB and 100,000 messages per partition by
                 // default: a service reading a topic's history (catalog's 32,000 items) held
                 // ~100 MB of it. A few MB keep the fetch pipeline full at any rate we reach;
                 // TONGBAN_KAFKA_PROP_* overrides them.
                 {"queued.max.messages.kbytes", "4096"},
                 {"queued.min.messages", "2000"},
                 {"fetch.max.bytes", "4194304"},
                 // ConsumerOptions::gather; without it, librdkafka's defaults.
                 {"fetch.min.bytes", options_.gather.count() > 0 ? "1048576" : "1"},
                 {"fetch.wait.max.ms",
                  std::to_string(options_.gather.count() > 0 ? options_.gather.count() : 500)}});
    if (!conf) return fail(conf.error());
    rd_kafka_conf_set_opaque(conf->get(), this);
    rd_kafka_conf_set_rebalance_cb(conf->get(), &KafkaConsumerRunner::on_rebalance);
    auto handle = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
    if (!handle) return fail(handle.error());
    rk_ = std::move(*handle);
    // One queue for messages, rebalances and errors: everything is served by our thread.
    rd_kafka_poll_set_consumer(rk_.get());

    PartitionListPtr topics(
        rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
    for (const auto& t : options_.topics) {
      rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (const auto err = rd_kafka_subscribe(rk_.get(), topics.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(to_error(err, "subscribe"));
    }
    return {};
  }

  void start() override {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (thread_.joinable() || closed_) return;
    log::info("consumer started",
              {{"component", "bus"}, {"group", options_.group_id}, {"topics", topics_text()}});
    thread_ = std::thread([this] {
      // "bus:" and the group's last part (a service runs one consumer per group).
      const auto& g = options_.group_id;
      name_this_thread("bus:" + g.substr(g.find_last_of('.') + 1));
      run();
    });
  }

  void stop() override {
    std::lock_guard lifecycle(lifecycle_mutex_);
    if (closed_ || !rk_) return;
    {
      std::lock_guard lock(wake_mutex_);
      stopping_.store(true);
    }
    wake_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    // The poll thread has destroyed its last message (messages must go before close, or
    // close waits for them); commit what was stored, then leave the group. The handle
    // itself is destroyed with this object, after close.
    if (const auto err = rd_kafka_commit(rk_.get(), nullptr, 0);
        err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      log::warn("final offset commit failed",
                {{"component", "bus"}, {"group", options_.group_id}, {"error", err_text(err)}});
    }
    if (const auto err = rd_kafka_consumer_close(rk_.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::warn("consumer close failed",
                {{"component", "bus"}, {"group", options_.group_id}, {"error", err_text(err)}});
    }
    closed_ = true;
    log::info("consumer stopped", {{"component", "bus"},
                                   {"group", options_.group_id},
                                   {"processed", processed_.load()},
                                   {"passed_by", passed_by_.load()},
                                   {"duplicates", duplicates_.load()},
                                   {"dead_lettered", dead_lettered_.load()}});
  }

  long long processed() const override { return processed_.load(); }
  long long passed_by() const override { return passed_by_.load(); }
  EventAges event_ages() const override {
    EventAges ages;
    for (std::size_t i = 0; i < ages.counts.size(); ++i) {
      ages.counts[i] = age_counts_[i].load(std::memory_order_relaxed);
      ages.count += ages.counts[i];
    }
    ages.sum_seconds = static_cast<double>(age_sum_us_.load(std::memory_order_relaxed)) / 1e6;
    return ages;
  }

  std::vector<PartitionLag> lag() const override {
    std::vector<PartitionLag> out;
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(rk_.get(), &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        assigned == nullptr) {
      return out;
    }
    const PartitionListPtr parts(assigned);
    if (rd_kafka_position(rk_.get(), parts.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    for (int i = 0; i < parts->cnt; ++i) {
      const auto& p = parts->elems[i];
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (p.offset < 0 ||
          rd_kafka_get_watermark_offsets(rk_.get(), p.topic, p.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;  // no position or no fetch yet
      }
      out.push_back({p.topic, p.partition, std::max<long long>(0, high - p.offset)});
    }
    return out;
  }
  long long duplicates() const override { return duplicates_.load(); }
  long long dead_lettered() const override { return dead_lettered_.load(); }

 private:
  struct Done {  // a message handled, passed by or dead-lettered
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
  };

  void run() {
    while (!stopping_.load()) {
      // Scoped per iteration: the message is destroyed before the next poll and, at the
      // end, before stop() closes the consumer. With a flush hook, a batch ends when nothing
      // more is at hand (a poll that does not wait) or it is full.
      if (batch_.size() >= options_.max_batch) finish_batch();
      MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), batch_.empty() ? 100 : 0));
      if (!msg) {
        finish_batch();
        continue;
      }
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          log::warn("consumer error", {{"component", "bus"},
                                       {"group", options_.group_id},
                                       {"error", err_text(msg->err)},
                                       {"detail", rd_kafka_message_errstr(msg.get())}});
        }
        continue;
      }
      handle(msg.get());
    }
    finish_batch();
  }

  // A message is done (handled, passed by or dead-lettered): its offset is stored now, or with
  // a flush hook once the batch's writes are flushed.
  void done(const char* topic, std::int32_t partition, std::int64_t offset) {
    if (!options_.flush) {
      store_offset(topic, partition, offset);
      return;
    }
    batch_.push_back({topic, partition, offset});
  }

  void done(const IncomingMessage& in) { done(in.topic.c_str(), in.partition, in.offset); }

  void finish_batch() {
    if (batch_.empty()) return;
    const auto started = SteadyClock::now();
    for (int attempt = 1;; ++attempt) {
      Result<void> r;
      try {
        r = options_.flush();
      } catch (const std::exception& ex) {
        r = fail(Error::internal(std::string("flush threw: ") + ex.what()));
      }
      if (r) break;
      log::warn("flush failed", {{"component", "bus"},
                                 {"group", options_.group_id},
                                 {"messages", batch_.size()},
                                 {"attempt", attempt},
                                 {"error", r.error().message}});
      const Ms delay = backoff(attempt);
      if (SteadyClock::now() - started + delay > retry_budget() || !sleep_unless_stopping(delay)) {
        // Nothing of the batch is stored: its messages come again, here or at the partition's
        // next owner.
        if (!stopping_.load()) rewind_batch();
        batch_.clear();
        if (options_.discard) options_.discard();
        return;
      }
    }
    // The highest offset per partition: storing it covers the ones before.
    for (const auto& d : batch_bounds(true)) store_offset(d.topic.c_str(), d.partition, d.offset);
    batch_.clear();
  }

  // Seeks each partition of the batch back to its first message of the batch.
  void rewind_batch() {
    for (const auto& f : batch_bounds(false)) {
      rewind(IncomingMessage{f.topic, f.partition, f.offset, {}, {}, {}});
    }
  }

  // One entry per partition of the batch, with its highest offset or its lowest.
  std::vector<Done> batch_bounds(bool highest) const {
    std::vector<Done> out;
    for (const auto& d : batch_) {
      auto it = std::find_if(out.begin(), out.end(), [&](const Done& o) {
        return o.partition == d.partition && o.topic == d.topic;
      });
      if (it == out.end()) {
        out.push_back(d);
      } else {
        it->offset = highest ? std::max(it->offset, d.offset) : std::min(it->offset, d.offset);
      }
    }
    return out;
  }

  // Per message: decode, dedupe, handle with bounded retries, or dead-letter. The offset
  // is stored only on the two ways out that leave nothing behind: handled, or safely in
  // the DLQ.
  void handle(const rd_kafka_message_t* m) {
    // An event the group passes by is judged on the raw bytes: nothing copied or decoded.
    if (options_.passes_by && m->payload != nullptr) {
      const auto head = peek_head({static_cast<const char*>(m->payload), m->len});
      if (head && options_.passes_by(*head)) {
        processed_.fetch_add(1);
        passed_by_.fetch_add(1);
        done(rd_kafka_topic_name(m->rkt), m->partition, m->offset);
        return;
      }
    }
    const IncomingMessage in = to_incoming(m);
    const auto started = SteadyClock::now();
    auto env = decode(in.value);
    if (!env) {
      dead_letter(in, "undecodable envelope: " + env.error().message, 0, started);
      return;
    }
    if (options_.concerns && !options_.concerns(*env)) {
      processed_.fetch_add(1);
      passed_by_.fetch_add(1);
      done(in);
      return;
    }
    count_age(env->time);
    for (int attempt = 1;; ++attempt) {
      auto r = process_once(*env, in);
      if (r) {
        done(in);
        return;
      }
      const Error& e = r.error();
      log::warn("handler failed", {{"component", "bus"},
                                   {"group", options_.group_id},
                                   {"topic", in.topic},
                                   {"partition", in.partition},
                                   {"offset", in.offset},
                                   {"event_id", env->id},
                                   {"attempt", attempt},
                                   {"retryable", e.retryable},
                                   {"error", e.message}});
      if (!e.retryable) {
        dead_letter(in, "non-retryable handler error: " + e.message, attempt, started);
        return;
      }
      if (attempt >= options_.max_attempts) {
        dead_letter(in, "handler failed " + std::to_string(attempt) + " times: " + e.message,
                    attempt, started);
        return;
      }
      const Ms delay = backoff(attempt);
      // Retrying inline keeps the code simple; this bound keeps us well inside
      // max.poll.interval.ms, so the group never evicts us for being slow.
      if (SteadyClock::now() - started + delay > retry_budget()) {
        dead_letter(in,
                    "retry time budget exhausted after " + std::to_string(attempt) +
                        " attempts: " + e.message,
                    attempt, started);
        return;
      }
      if (!sleep_unless_stopping(delay)) {
        log::info("stopping mid-retry: offset not stored, the message will be redelivered",
                  {{"component", "bus"}, {"topic", in.topic}, {"offset", in.offset}});
        return;
      }
    }
  }

  // Wall clocks of two machines: a skew that makes the age negative counts as 0.
  void count_age(std::chrono::system_clock::time_point happened) {
    const auto us = std::max<long long>(0, std::chrono::duration_cast<std::chrono::microseconds>(
                                               std::chrono::system_clock::now() - happened)
                                               .count());
    const double seconds = static_cast<double>(us) / 1e6;
    const auto& bounds = EventAges::kBounds;
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds.begin(), bounds.end(), seconds) - bounds.begin());
    age_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    age_sum_us_.fetch_add(us, std::memory_order_relaxed);
  }

  Result<void> process_once(const Envelope& env, const IncomingMessage& in) {
    if (dedupe_) {
      auto seen = dedupe_->seen(options_.group_id, env.id);
      if (!seen) return fail(seen.error());
      if (*seen) {
        duplicates_.fetch_add(1);
        log::debug("duplicate event skipped",
                   {{"component", "bus"}, {"group", options_.group_id}, {"event_id", env.id}});
        return {};
      }
    }
    Result<void> r;
    // A throwing handler is a bug, not a transient fault: it goes to the DLQ.
    try {
      r = handler_(env, in);
    } catch (const std::exception& ex) {
      r = fail(Error::internal(std::string("handler threw: ") + ex.what()));
    } catch (...) {
      r = fail(Error::internal("handler threw a non-standard exception"));
    }
    if (!r) return r;
    processed_.fetch_add(1);
    if (dedupe_) {
      // Running the handler again would be worse than a missing mark (which only matters
      // if a duplicate arrives later), so the message counts as handled either way.
      if (auto marked = dedupe_->mark(options_.group_id, env.id); !marked) {
        log::warn("dedupe mark failed; a redelivery could apply this event again",
                  {{"component", "bus"}, {"event_id", env.id}, {"error", marked.error().message}});
      }
    }
    return {};
  }

  void dead_letter(const IncomingMessage& in, std::string reason, int attempts,
                   SteadyClock::time_point started) {
    if (reason.size() > kMaxReasonLength) reason.resize(kMaxReasonLength);
    OutgoingMessage out{dlq_topic(in.topic), in.key, in.value, in.headers};
    out.headers.emplace_back(kDlqReason, reason);
    out.headers.emplace_back(kDlqOriginalTopic, in.topic);
    out.headers.emplace_back(kDlqOriginalPartition, std::to_string(in.partition));
    out.headers.emplace_back(kDlqOriginalOffset, std::to_string(in.offset));
    out.headers.emplace_back(kDlqAttempts, std::to_string(attempts));
    out.headers.emplace_back(kDlqTime, to_rfc3339(Clock::system().now()));
    for (int tries = 1;; ++tries) {
      auto r = dlq_producer_.produce_sync(out, std::min(options_.max_poll_interval / 4, Ms(60000)));
      if (r) {
        dead_lettered_.fetch_add(1);
        log::warn("message dead-lettered", {{"component", "bus"},
                                            {"group", options_.group_id},
                                            {"topic", in.topic},
                                            {"partition", in.partition},
                                            {"offset", in.offset},
                                            {"dlq", out.topic},
                                            {"attempts", attempts},
                                            {"reason", reason}});
        done(in);
        return;
      }
      // Not stored, and no later offset of this partition gets stored either while we
      // wait here: the partition stalls rather than lose the message.
      log::error("cannot publish to the DLQ; offset not stored", {{"component", "bus"},
                                                                  {"topic", in.topic},
                                                                  {"partition", in.partition},
                                                                  {"offset", in.offset},
                                                                  {"dlq", out.topic},
                                                                  {"error", r.error().message}});
      if (SteadyClock::now() - started > retry_budget()) {
        // Before the group evicts us: rewind so this message comes back through poll,
        // which keeps our membership alive while the DLQ is down.
        rewind(in);
        return;
      }
      if (!sleep_unless_stopping(backoff(tries))) return;
    }
  }

  void store_offset(const IncomingMessage& in) {
    store_offset(in.topic.c_str(), in.partition, in.offset);
  }
  void store_offset(const char* topic, std::int32_t partition, std::int64_t offset) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic, partition)->offset =
        offset + 1;  // the next offset to read, as Kafka commits it
    auto err = rd_kafka_offsets_store(rk_.get(), list.get());
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) err = list->elems[0].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Typically the partition was revoked meanwhile: its new owner reads it again.
      log::warn("offset not stored", {{"component", "bus"},
                                      {"topic", topic},
                                      {"partition", partition},
                                      {"offset", offset},
                                      {"error", err_text(err)}});
    }
  }

  void rewind(const IncomingMessage& in) {
    PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), in.topic.c_str(), in.partition)->offset =
        in.offset;
    ErrorPtr error(rd_kafka_seek_partitions(rk_.get(), list.get(), 5000));
    log::warn("partition rewound to retry later", {{"component", "bus"},
                                                   {"topic", in.topic},
                                                   {"partition", in.partition},
                                                   {"offset", in.offset},
                                                   {"ok", !error && list->elems[0].err == 0}});
  }

  Ms backoff(int attempt) const {
    Ms delay = options_.retry_backoff;
    for (int i = 1; i < attempt && delay < kMaxBackoff; ++i) delay *= 2;
    return std::min(delay, kMaxBackoff);
  }

  Ms retry_budget() const { return options_.max_poll_interval / 2; }

  // False when stop() interrupted the wait.
  bool sleep_unless_stopping(Ms d) {
    std::unique_lock lock(wake_mutex_);
    return !wake_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  }

  std::string topics_text() const {
    std::string out;
    for (const auto& t : options_.topics) out += (out.empty() ? "" : ",") + t;
    return out;
  }

  // Served by the poll thread inside rd_kafka_consumer_poll (and by stop() inside close),
  // never while a message is in hand.
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<KafkaConsumerRunner*>(opaque);
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    const bool cooperative = protocol != nullptr && std::string_view(protocol) == "COOPERATIVE";
    ErrorPtr error;
    rd_kafka_resp_err_t eager_err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      log::info("partitions assigned", {{"component", "bus"},
                                        {"group", self->options_.group_id},
                                        {"protocol", protocol ? protocol : ""},
                                        {"partitions", partitions_text(parts)}});
      if (cooperative) {
        error.reset(rd_kafka_incremental_assign(rk, parts));
      } else {
        eager_err = rd_kafka_assign(rk, parts);
      }
    } else {
      // REVOKE_PARTITIONS, or an error: either way these partitions are no longer ours.
      const bool lost =
          err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk) != 0;
      if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        log::error(
            "rebalance error",
            {{"component", "bus"}, {"group", self->options_.group_id}, {"error", err_text(err)}});
      }
      log::info(lost ? "partitions lost" : "partitions revoked",
                {{"component", "bus"},
                 {"group", self->options_.group_id},
                 {"partitions", partitions_text(parts)}});
      // Commit what we finished before the partitions move, so the next owner does not
      // redo it. A lost assignment may already belong to someone else: do not commit.
      self->finish_batch();
      if (!lost) {
        if (const auto c = rd_kafka_commit(rk, nullptr, 0);
            c != RD_KAFKA_RESP_ERR_NO_ERROR && c != RD_KAFKA_RESP_ERR__NO_OFFSET) {
          log::warn("commit before revocation failed",
                    {{"component", "bus"}, {"error", err_text(c)}});
        }
      }
      if (cooperative) {
        error.reset(rd_kafka_incremental_unassign(rk, parts));
      } else {
        eager_err = rd_kafka_assign(rk, nullptr);
      }
    }
    if (error || eager_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::error("rebalance (un)assign failed",
                 {{"component", "bus"},
                  {"group", self->options_.group_id},
                  {"error", error ? rd_kafka_error_string(error.get()) : err_text(eager_err)}});
    }
  }

  ConsumerOptions options_;
  EnvelopeHandler handler_;
  // With a flush hook: the messages done since the last flush, in order (poll thread only).
  std::vector<Done> batch_;
  Producer& dlq_producer_;
  std::shared_ptr<DedupeStore> dedupe_;

  std::atomic<long long> processed_{0};
  std::atomic<long long> passed_by_{0};
  std::array<std::atomic<long long>, EventAges::kBounds.size() + 1> age_counts_{};
  std::atomic<long long> age_sum_us_{0};
  std::atomic<long long> duplicates_{0};
  std::atomic<long long> dead_lettered_{0};

  std::mutex lifecycle_mutex_;  // start/stop
  bool closed_ = false;
  std::mutex wake_mutex_;  // interrupts retry backoff on stop()
  std::condition_variable wake_cv_;
  std::atomic<bool> stopping_{false};

  // Lifetime: the handle's callbacks point at this object and the poll thread uses the
  // handle. stop() (from the destructor at the latest) joins the thread and closes the
  // consumer; `rk_`, declared before `thread_`, is destroyed after it.
  HandlePtr rk_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<ConsumerRunner>> ConsumerRunner::create(
    const KafkaConfig& config, ConsumerOptions options, EnvelopeHandler handler,
    Producer& dlq_producer, std::shared_ptr<DedupeStore> dedupe) {
  auto runner = std::make_unique<KafkaConsumerRunner>(std::move(options), std::move(handler),
                                                      dlq_producer, std::move(dedupe));
  if (auto r = runner->init(config); !r) return fail(r.error());
  return std::unique_ptr<ConsumerRunner>(std::move(runner));
}

}  // namespace tongban::bus

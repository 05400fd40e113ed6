#include "tongban/bus/producer.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "kafka.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/thread_name.hpp"

namespace tongban::bus {
namespace {

using namespace detail;
using Ms = std::chrono::milliseconds;

class KafkaProducer final : public Producer {
 public:
  explicit KafkaProducer(ProducerOptions options) : options_(std::move(options)) {}

  ~KafkaProducer() override {
    if (!rk_) return;
    // Give queued messages their chance (they fail by themselves after message_timeout),
    // then purge the rest so every delivery callback runs exactly once.
    if (auto r = flush(options_.message_timeout); !r) {
      log::warn("producer closing with undelivered messages",
                {{"component", "bus"}, {"error", r.error().message}});
      rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      (void)flush(Ms(2000));
    }
    stopping_.store(true);
    if (poller_.joinable()) poller_.join();
    // Serve whatever the poll thread left (purged messages' reports) before the handle
    // goes: a delivery callback owns heap state that would leak otherwise.
    while (rd_kafka_poll(rk_.get(), 0) > 0) {
    }
  }

  Result<void> init(const KafkaConfig& config) {
    auto conf = make_conf(
        config, {{"enable.idempotence", "true"},
                 {"acks", "all"},
                 {"linger.ms", std::to_string(options_.linger.count())},
                 {"compression.type", options_.compression},
                 {"message.timeout.ms", std::to_string(options_.message_timeout.count())}});
    if (!conf) return fail(conf.error());
    rd_kafka_conf_set_opaque(conf->get(), this);
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaProducer::on_delivery);
    rd_kafka_conf_set_error_cb(conf->get(), &KafkaProducer::on_error);
    auto handle = make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!handle) return fail(handle.error());
    rk_ = std::move(*handle);
    poller_ = std::thread([this] {
      name_this_thread("bus:producer");
      poll_loop();
    });
    log::info("kafka producer started", {{"component", "bus"},
                                         {"client", rd_kafka_name(rk_.get())},
                                         {"bootstrap", config.bootstrap_servers}});
    return {};
  }

  Result<void> produce(OutgoingMessage msg, DeliveryCallback on_delivery) override {
    if (!healthy()) {
      return fail(Error{Errc::unavailable,
                        "producer has a fatal error (idempotence state lost); restart required",
                        {},
                        "producer_fatal",
                        false});
    }
    HeadersPtr headers = msg.headers.empty() ? nullptr : make_headers(msg.headers);
    std::unique_ptr<DeliveryCallback> cb;
    if (on_delivery) cb = std::make_unique<DeliveryCallback>(std::move(on_delivery));
    // An empty key is sent as a null key: the partitioner then spreads such messages.
    const void* key = msg.key.empty() ? nullptr : msg.key.data();
    const auto err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(msg.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, msg.key.size()), RD_KAFKA_V_VALUE(msg.value.data(), msg.value.size()),
        RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(cb.get()), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // On failure librdkafka owns neither the headers nor the opaque.
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return fail(Error::unavailable("producer queue is full (queue.buffering.max.*)"));
      }
      return fail(to_error(err, "produce to " + msg.topic));
    }
    (void)headers.release();  // owned by the message now
    (void)cb.release();       // freed in on_delivery
    return {};
  }

  Result<void> produce_sync(OutgoingMessage msg, Ms timeout) override {
    // Shared with the callback, which may outlive this call when we time out.
    struct State {
      std::mutex mutex;
      std::condition_variable cv;
      std::optional<Result<void>> result;
    };
    auto state = std::make_shared<State>();
    std::string topic = msg.topic;
    auto queued = produce(std::move(msg), [state](const Result<void>& r) {
      std::lock_guard lock(state->mutex);
      state->result = r;
      state->cv.notify_all();
    });
    if (!queued) return queued;
    std::unique_lock lock(state->mutex);
    if (!state->cv.wait_for(lock, timeout, [&] { return state->result.has_value(); })) {
      return fail(Error::timeout("no delivery report for " + topic + " within " +
                                 std::to_string(timeout.count()) + " ms"));
    }
    return *state->result;
  }

  Result<void> flush(Ms timeout) override {
    // Waits while the poll thread serves the reports, so delivery callbacks always run
    // on that one thread (rd_kafka_flush would run them on the caller's).
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const int left = rd_kafka_outq_len(rk_.get());
      if (left == 0) return {};
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail(Error::timeout("flush: " + std::to_string(left) +
                                   " messages or events still queued after " +
                                   std::to_string(timeout.count()) + " ms"));
      }
      std::this_thread::sleep_for(Ms(2));
    }
  }

  rd_kafka_t* handle() const { return rk_.get(); }

  bool healthy() const override {
    return !fatal_.load() &&
           rd_kafka_fatal_error(rk_.get(), nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR;
  }

  Result<void> ping(Ms timeout) override {
    const rd_kafka_metadata_t* raw = nullptr;
    const auto err = rd_kafka_metadata(rk_.get(), 0, nullptr, &raw, to_ms(timeout));
    MetadataPtr md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(to_error(err, "kafka metadata request"));
    if (md->broker_cnt == 0) return fail(Error::unavailable("kafka metadata lists no brokers"));
    return {};
  }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
    std::unique_ptr<DeliveryCallback> cb(static_cast<DeliveryCallback*>(msg->_private));
    Result<void> result;
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result =
          fail(to_error(msg->err, std::string("delivery to ") + rd_kafka_topic_name(msg->rkt)));
      log::debug("kafka delivery failed",
                 {{"component", "bus"}, {"error", result.error().message}});
    }
    if (!cb || !*cb) return;
    // No exception may cross librdkafka's C frames.
    try {
      (*cb)(result);
    } catch (const std::exception& e) {
      log::error("delivery callback threw", {{"component", "bus"}, {"what", e.what()}});
    } catch (...) {
      log::error("delivery callback threw", {{"component", "bus"}});
    }
  }

  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      char why[512];
      const auto cause = rd_kafka_fatal_error(rk, why, sizeof why);
      static_cast<KafkaProducer*>(opaque)->fatal_.store(true);
      log::error("kafka producer fatal error: readiness fails until restart",
                 {{"component", "bus"},
                  {"client", rd_kafka_name(rk)},
                  {"error", rd_kafka_err2name(cause)},
                  {"reason", why}});
      return;
    }
    log_error_cb(rk, err, reason, opaque);
  }

  void poll_loop() {
    while (!stopping_.load()) rd_kafka_poll(rk_.get(), 100);
  }

  ProducerOptions options_;
  std::atomic<bool> fatal_{false};
  std::atomic<bool> stopping_{false};
  // Lifetime: the handle's callbacks point at this object, and the poll thread uses the
  // handle; the destructor joins the thread before `rk_` (declared first, so destroyed
  // last) is destroyed.
  HandlePtr rk_;
  std::thread poller_;
};

}  // namespace

rd_kafka_t* detail::native_handle(Producer& producer) {
  auto* kafka = dynamic_cast<KafkaProducer*>(&producer);
  return kafka != nullptr ? kafka->handle() : nullptr;
}

Result<std::unique_ptr<Producer>> Producer::create(const KafkaConfig& config,
                                                   const ProducerOptions& options) {
  auto producer = std::make_unique<KafkaProducer>(options);
  if (auto r = producer->init(config); !r) return fail(r.error());
  return std::unique_ptr<Producer>(std::move(producer));
}

}  // namespace tongban::bus

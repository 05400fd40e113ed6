// The idempotent Kafka producer (enable.idempotence=true, acks=all) every service uses.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::bus {

struct KafkaConfig {
  std::string bootstrap_servers = "127.0.0.1:9092";
  std::string client_id = "tongban";
  // Extra librdkafka properties (security.protocol, sasl.*, ssl.*), applied last.
  std::map<std::string, std::string> extra;
};

struct ProducerOptions {
  // Our producers send in bursts (an outbox relay produces its whole batch, then waits for
  // the reports): those batch without waiting, and a lone hand-off event should not wait.
  std::chrono::milliseconds linger{1};
  std::chrono::milliseconds message_timeout{30000};  // delivery.timeout: fail after this
  std::string compression = "lz4";
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct OutgoingMessage {
  std::string topic;
  std::string key;  // partition key: the aggregate id, so its events stay ordered
  std::string value;
  Headers headers;  // e.g. {"traceparent", ...}
};

// Called once per message from the producer's poll thread: success, or the final error
// after librdkafka's own retries. Must not block.
using DeliveryCallback = std::function<void(const Result<void>&)>;

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> create(const KafkaConfig& config,
                                                  const ProducerOptions& options = {});
  virtual ~Producer() = default;

  // Enqueues; a full local queue or unknown topic is an error value, never a throw.
  virtual Result<void> produce(OutgoingMessage msg, DeliveryCallback on_delivery = {}) = 0;
  // Produces and waits for the delivery report.
  virtual Result<void> produce_sync(OutgoingMessage msg, std::chrono::milliseconds timeout) = 0;
  // Waits until every queued message is delivered or failed.
  virtual Result<void> flush(std::chrono::milliseconds timeout) = 0;
  // False after a fatal error of the idempotent producer (ERR__FATAL): readiness fails
  // so the pod restarts with a fresh producer id.
  virtual bool healthy() const = 0;
  // Broker reachable: metadata request within `timeout` (used by /readyz).
  virtual Result<void> ping(std::chrono::milliseconds timeout) = 0;
};

}  // namespace tongban::bus

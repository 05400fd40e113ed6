// Private to libs/bus: RAII owners for librdkafka's C objects and the configuration and
// logging glue every client (producer, consumer, admin, DLQ reader) shares.
#pragma once

// The type-checking macros of rdkafka.h use GNU statement expressions, which -Wpedantic
// rejects in C++; the checks add nothing the C++ compiler does not already do.
#define LIBRDKAFKA_TYPECHECKS 0
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "tongban/bus/consumer.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"

namespace tongban::bus::detail {

// Calls the librdkafka destroy function `Destroy` on a non-null pointer.
template <auto Destroy>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Destroy(p);
  }
};

using HandlePtr = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                         Deleter<rd_kafka_topic_partition_list_destroy>>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, Deleter<rd_kafka_metadata_destroy>>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, Deleter<rd_kafka_error_destroy>>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, Deleter<rd_kafka_headers_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using AdminOptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;

using Setting = std::pair<std::string, std::string>;

// bootstrap.servers and client.id from `config`, then `settings`, then `config.extra`
// (so an operator can override anything). Installs the log callback (warn and above go
// to tongban::log) and a default error callback that logs.
Result<ConfPtr> make_conf(const KafkaConfig& config, std::initializer_list<Setting> settings);

// Creates a handle; on success the handle owns the configuration.
Result<HandlePtr> make_handle(rd_kafka_type_t type, ConfPtr conf);

// Logs a librdkafka error callback (used by the consumer and admin clients).
void log_error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque);

std::string err_text(rd_kafka_resp_err_t err);
// A librdkafka error as a tongban error: timeouts and transport trouble retryable,
// malformed or oversized messages not.
Error to_error(rd_kafka_resp_err_t err, std::string_view what);

Headers read_headers(const rd_kafka_message_t* msg);
// Copies topic, partition, offset, key, value and headers out of a consumed message.
IncomingMessage to_incoming(const rd_kafka_message_t* msg);
HeadersPtr make_headers(const Headers& headers);

// The librdkafka handle behind a Producer made by Producer::create (tests use it to inject
// a fatal error with rd_kafka_test_fatal_error); null for other implementations.
rd_kafka_t* native_handle(Producer& producer);

inline int to_ms(std::chrono::milliseconds d) {
  return d.count() > 0x7fffffff ? 0x7fffffff : static_cast<int>(d.count());
}

}  // namespace tongban::bus::detail

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

#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"

namespace tongban::bus::detail {

struct HandleDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
};
struct ConfDeleter {
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* p) const { rd_kafka_topic_destroy(p); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* p) const { rd_kafka_error_destroy(p); }
};
struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* p) const { rd_kafka_headers_destroy(p); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
};

using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;

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
HeadersPtr make_headers(const Headers& headers);

// The librdkafka handle behind a Producer made by Producer::create (tests use it to inject
// a fatal error with rd_kafka_test_fatal_error); null for other implementations.
rd_kafka_t* native_handle(Producer& producer);

inline int to_ms(std::chrono::milliseconds d) {
  return d.count() > 0x7fffffff ? 0x7fffffff : static_cast<int>(d.count());
}

}  // namespace tongban::bus::detail

// The CloudEvents 1.0 JSON envelope every event on the bus travels in.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tongban/bus/producer.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"
#include "tongban/core/trace.hpp"

namespace tongban::bus {

struct Envelope {
  std::string id;      // unique per event (UUIDv7); consumers dedupe on it
  std::string source;  // "/tongban/<service>[/<node>]"
  std::string type;  // "tongban.<service>.<event>.v<N>", e.g. tongban.delegation.case_forwarded.v1
  std::string subject;  // the aggregate id; also the Kafka partition key
  Clock::time_point time{};
  boost::json::value data;  // the event payload (an object)

  // Fills id and time; `data` must be an object.
  static Envelope make(std::string source, std::string type, std::string subject,
                       boost::json::value data, const Clock& clock = Clock::system());
};

// Serialises as structured-mode CloudEvents JSON (specversion "1.0",
// datacontenttype "application/json").
std::string encode(const Envelope& e);
// Validates every required attribute; errors name the attribute.
Result<Envelope> decode(std::string_view json);

// The attributes a consumer can judge an event by before decoding it.
struct EnvelopeHead {
  std::string source;
  std::string type;
};
// Reads `source` and `type` from the top level of an encoded envelope, without building a
// document and stopping once it has both (encode() writes them within the first ~120
// bytes; any order is read; of a key given twice, the first, where decode() keeps the last:
// encode() writes each once). nullopt when the text is not a JSON object having both as
// strings: the caller decodes it in full, which names what is wrong.
std::optional<EnvelopeHead> peek_head(std::string_view json);

// The W3C trace context travels next to the event, in this Kafka header (SPEC §2).
inline constexpr std::string_view kTraceparentHeader = "traceparent";

// The Kafka message for an event: key = subject (the aggregate id, so one aggregate's
// events stay in one partition, in order), value = encode(e), plus a `traceparent` header
// when a trace is given.
OutgoingMessage to_message(std::string topic, const Envelope& e,
                           const std::optional<TraceContext>& trace = std::nullopt);

// Topic names follow tongban.<service>.<stream>.v<N>; the DLQ of a topic is "<topic>.dlq".
std::string topic_name(std::string_view service, std::string_view stream, int version = 1);
std::string dlq_topic(std::string_view topic);

}  // namespace tongban::bus

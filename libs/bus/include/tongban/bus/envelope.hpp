// The CloudEvents 1.0 JSON envelope every event on the bus travels in.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

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

// Topic names follow tongban.<service>.<stream>.v<N>; the DLQ of a topic is "<topic>.dlq".
std::string topic_name(std::string_view service, std::string_view stream, int version = 1);
std::string dlq_topic(std::string_view topic);

}  // namespace tongban::bus

// An entry of a service's transactional outbox (the Redis stream "tb:<service>:outbox"):
// what the outbox relay will publish to Kafka once the state change that wrote it
// has committed. Written in the same MULTI/EXEC or Lua script as the state change.
#pragma once

#include <string>
#include <string_view>

#include "tongban/store/redis.hpp"

namespace tongban::store {

struct OutboxMessage {
  std::string topic;        // e.g. tongban.delegation.case.v1
  std::string key;          // partition key: the aggregate id
  std::string event;        // the encoded CloudEvents JSON (its "id" is what consumers dedupe on)
  std::string traceparent;  // W3C traceparent of the request that caused it; may be empty
};

// "tb:<service>:outbox"
std::string outbox_key(std::string_view service);

// XADD <outbox> * topic <t> key <k> event <json> [traceparent <tp>]
Command outbox_xadd(std::string_view outbox, const OutboxMessage& message);

}  // namespace tongban::store

// Creating the topics a service needs (the broker's auto-creation is disabled on purpose:
// a typo in a topic name must fail, not create a new stream).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"

namespace tongban::bus {

struct TopicSpec {
  std::string name;
  int partitions = 3;          // -1: the broker's num.partitions
  int replication_factor = 1;  // -1: the broker's default.replication.factor
};

// Creates every topic that does not exist yet (an existing topic is success, whatever its
// partition count). Errors name the topic; broker trouble is retryable.
Result<void> ensure_topics(const KafkaConfig& config, const std::vector<TopicSpec>& topics,
                           std::chrono::milliseconds timeout);

}  // namespace tongban::bus

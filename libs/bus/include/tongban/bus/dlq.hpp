// Dead letters: the headers a poison message carries in "<topic>.dlq", and reading and
// replaying them (tools/dlq, docs/events/README.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"

namespace tongban::bus {

// Every header the runner adds starts with this prefix; replay strips them.
inline constexpr std::string_view kDlqHeaderPrefix = "tongban.dlq.";
inline constexpr std::string_view kDlqReason = "tongban.dlq.reason";
inline constexpr std::string_view kDlqOriginalTopic = "tongban.dlq.original_topic";
inline constexpr std::string_view kDlqOriginalPartition = "tongban.dlq.original_partition";
inline constexpr std::string_view kDlqOriginalOffset = "tongban.dlq.original_offset";
inline constexpr std::string_view kDlqAttempts = "tongban.dlq.attempts";
inline constexpr std::string_view kDlqTime = "tongban.dlq.time";  // RFC 3339, when it died

struct DeadLetter {
  std::string topic;  // the DLQ topic
  int partition = 0;
  long long offset = 0;
  std::string key;
  std::string value;
  Headers headers;  // the original headers plus the tongban.dlq.* ones
  // From the tongban.dlq.* headers (empty / -1 when a header is missing).
  std::string reason;
  std::string original_topic;
  int original_partition = -1;
  long long original_offset = -1;
  int attempts = -1;
  std::string time;
};

// Reads `dlq_topic` from the beginning of every partition to its high watermark with a
// throwaway consumer (no group, nothing committed). At most `max` letters, in partition
// then offset order. A missing topic is not_found.
Result<std::vector<DeadLetter>> read_dead_letters(const KafkaConfig& config,
                                                  const std::string& dlq_topic, std::size_t max,
                                                  std::chrono::milliseconds timeout);

// The message that puts a dead letter back: the original topic, key, value and headers
// without the tongban.dlq.* ones. Fails when the letter does not name its topic.
Result<OutgoingMessage> replay_message(const DeadLetter& letter);

}  // namespace tongban::bus

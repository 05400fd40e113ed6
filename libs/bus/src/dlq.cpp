#include "tongban/bus/dlq.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "kafka.hpp"
#include "tongban/core/ids.hpp"

namespace tongban::bus {
namespace {

using namespace detail;

template <class T>
T parse_number(const std::string& text, T fallback) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() ? value : fallback;
}

DeadLetter to_dead_letter(const rd_kafka_message_t* m) {
  IncomingMessage in = to_incoming(m);
  DeadLetter d;
  d.topic = std::move(in.topic);
  d.partition = in.partition;
  d.offset = in.offset;
  d.key = std::move(in.key);
  d.value = std::move(in.value);
  d.headers = std::move(in.headers);
  for (const auto& [name, value] : d.headers) {
    if (name == kDlqReason) d.reason = value;
    if (name == kDlqOriginalTopic) d.original_topic = value;
    if (name == kDlqOriginalPartition) d.original_partition = parse_number(value, -1);
    if (name == kDlqOriginalOffset) d.original_offset = parse_number(value, -1LL);
    if (name == kDlqAttempts) d.attempts = parse_number(value, -1);
    if (name == kDlqTime) d.time = value;
  }
  return d;
}

}  // namespace

Result<std::vector<DeadLetter>> read_dead_letters(const KafkaConfig& config,
                                                  const std::string& dlq_topic, std::size_t max,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // A group id is required by the consumer API, but with assign() and no commits the
  // group is never joined nor written: the reader leaves no trace.
  auto conf = make_conf(config, {{"group.id", "tongban-dlq-reader-" + ids::random_hex(6)},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "true"},
                                 {"auto.offset.reset", "earliest"}});
  if (!conf) return fail(conf.error());
  auto handle = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!handle) return fail(handle.error());
  // Lifetime: declared after the handle, so the topic handle is destroyed before it.
  const HandlePtr rk = std::move(*handle);
  rd_kafka_poll_set_consumer(rk.get());

  std::vector<int> partitions;
  {
    TopicPtr rkt(rd_kafka_topic_new(rk.get(), dlq_topic.c_str(), nullptr));
    const rd_kafka_metadata_t* raw = nullptr;
    const auto err = rd_kafka_metadata(rk.get(), 0, rkt.get(), &raw, to_ms(timeout));
    MetadataPtr md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(to_error(err, "metadata of " + dlq_topic));
    if (md->topic_cnt < 1 || md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      return fail(Error::not_found("topic " + dlq_topic + " does not exist"));
    }
    if (md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(to_error(md->topics[0].err, "metadata of " + dlq_topic));
    }
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      partitions.push_back(md->topics[0].partitions[i].id);
    }
  }

  // Read each partition up to the high watermark as it is now: a letter that arrives
  // while we read belongs to the next listing.
  std::map<int, long long> end;  // partition -> last offset to read
  PartitionListPtr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (int p : partitions) {
    int64_t low = 0;
    int64_t high = 0;
    const auto err = rd_kafka_query_watermark_offsets(rk.get(), dlq_topic.c_str(), p, &low, &high,
                                                      to_ms(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(to_error(err, "watermarks of " + dlq_topic + "[" + std::to_string(p) + "]"));
    }
    if (high <= low) continue;
    end[p] = high - 1;
    rd_kafka_topic_partition_list_add(assignment.get(), dlq_topic.c_str(), p)->offset = low;
  }

  std::vector<DeadLetter> letters;
  if (!end.empty()) {
    if (const auto err = rd_kafka_assign(rk.get(), assignment.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(to_error(err, "assign " + dlq_topic));
    }
  }
  while (!end.empty() && letters.size() < max) {
    if (std::chrono::steady_clock::now() >= deadline) {
      (void)rd_kafka_consumer_close(rk.get());
      return fail(Error::timeout("reading " + dlq_topic + ": " + std::to_string(letters.size()) +
                                 " letters read before the deadline, more remain"));
    }
    // Destroyed at the end of each iteration, before close.
    MessagePtr msg(rd_kafka_consumer_poll(rk.get(), 100));
    if (!msg) continue;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      end.erase(msg->partition);
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)rd_kafka_consumer_close(rk.get());
      return fail(to_error(msg->err, "reading " + dlq_topic));
    }
    const auto it = end.find(msg->partition);
    if (it == end.end() || msg->offset > it->second) continue;
    if (msg->offset == it->second) end.erase(it);
    letters.push_back(to_dead_letter(msg.get()));
  }
  (void)rd_kafka_consumer_close(rk.get());
  std::sort(letters.begin(), letters.end(), [](const DeadLetter& a, const DeadLetter& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  return letters;
}

Result<OutgoingMessage> replay_message(const DeadLetter& letter) {
  if (letter.original_topic.empty()) {
    return fail(Error::invalid(std::string(kDlqOriginalTopic), "required",
                               "dead letter at offset " + std::to_string(letter.offset) +
                                   " does not name its original topic"));
  }
  OutgoingMessage out{letter.original_topic, letter.key, letter.value, {}};
  for (const auto& [name, value] : letter.headers) {
    if (!std::string_view(name).starts_with(kDlqHeaderPrefix))
      out.headers.emplace_back(name, value);
  }
  return out;
}

}  // namespace tongban::bus

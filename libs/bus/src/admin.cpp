#include "tongban/bus/admin.hpp"

#include "kafka.hpp"
#include "tongban/core/log.hpp"

namespace tongban::bus {

using namespace detail;

Result<void> ensure_topics(const KafkaConfig& config, const std::vector<TopicSpec>& topics,
                           std::chrono::milliseconds timeout) {
  if (topics.empty()) return {};
  auto conf = make_conf(config, {});
  if (!conf) return fail(conf.error());
  auto rk = make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return fail(rk.error());

  char errstr[512];
  std::vector<NewTopicPtr> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const auto& t : topics) {
    NewTopicPtr nt(rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, t.replication_factor, errstr,
                                         sizeof errstr));
    if (!nt) {
      return fail(Error::invalid("topic", "topic_spec", t.name + ": " + std::string(errstr)));
    }
    raw.push_back(nt.get());
    owned.push_back(std::move(nt));
  }

  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk->get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), to_ms(timeout), errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), to_ms(timeout), errstr, sizeof errstr);
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_CreateTopics(rk->get(), raw.data(), raw.size(), options.get(), queue.get());

  // The request timeout bounds the answer; a little slack covers connection set-up.
  EventPtr event(rd_kafka_queue_poll(queue.get(), to_ms(timeout + std::chrono::seconds(2))));
  if (!event) return fail(Error::timeout("create topics: no answer from the broker"));
  if (const auto err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(
        to_error(err, std::string("create topics: ") + rd_kafka_event_error_string(event.get())));
  }
  const auto* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const auto** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    const char* name = rd_kafka_topic_result_name(results[i]);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      auto e = to_error(err, std::string("create topic ") + name +
                                 (why != nullptr ? std::string(" (") + why + ")" : ""));
      e.field = name;
      return fail(std::move(e));
    }
    log::info("kafka topic created", {{"component", "bus"}, {"topic", name}});
  }
  return {};
}

}  // namespace tongban::bus

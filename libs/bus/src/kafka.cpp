#include "kafka.hpp"

#include "tongban/core/log.hpp"

namespace tongban::bus::detail {
namespace {

// librdkafka logs with syslog levels; 4 is warning. Below that (info, debug) it is
// chatty about normal connection management, which our logs do not need.
constexpr int kSyslogWarning = 4;

void log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  if (level > kSyslogWarning) return;
  const auto fields = {log::Field{"component", "librdkafka"},
                       log::Field{"client", rd_kafka_name(rk)}, log::Field{"facility", facility},
                       log::Field{"syslog_level", level}};
  if (level < kSyslogWarning) {
    log::write(log::Level::error, buf, fields);
  } else {
    log::write(log::Level::warn, buf, fields);
  }
}

}  // namespace

void log_error_cb(rd_kafka_t* rk, int err, const char* reason, void*) {
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  // Connection loss is reported here too; librdkafka reconnects by itself, so only a
  // fatal error deserves the error level.
  const auto level = code == RD_KAFKA_RESP_ERR__FATAL ? log::Level::error : log::Level::warn;
  log::write(level, "kafka client error",
             {{"component", "bus"},
              {"client", rd_kafka_name(rk)},
              {"error", rd_kafka_err2name(code)},
              {"reason", reason}});
}

Result<ConfPtr> make_conf(const KafkaConfig& config, std::initializer_list<Setting> settings) {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  auto set = [&](const std::string& name, const std::string& value) -> Result<void> {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return fail(Error::invalid(name, "kafka_config",
                                 "kafka property " + name + ": " + std::string(errstr)));
    }
    return {};
  };
  if (auto r = set("bootstrap.servers", config.bootstrap_servers); !r) return fail(r.error());
  if (auto r = set("client.id", config.client_id); !r) return fail(r.error());
  // Small requests (one hand-off event) must not wait for Nagle's algorithm and the peer's
  // delayed ACK (tens of ms); librdkafka leaves Nagle on unless told. Settings may override.
  if (auto r = set("socket.nagle.disable", "true"); !r) return fail(r.error());
  for (const auto& [name, value] : settings) {
    if (auto r = set(name, value); !r) return fail(r.error());
  }
  for (const auto& [name, value] : config.extra) {
    if (auto r = set(name, value); !r) return fail(r.error());
  }
  rd_kafka_conf_set_log_cb(conf.get(), log_cb);
  rd_kafka_conf_set_error_cb(conf.get(), log_error_cb);
  return conf;
}

Result<HandlePtr> make_handle(rd_kafka_type_t type, ConfPtr conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return fail(Error::internal("cannot create kafka client: " + std::string(errstr)));
  }
  (void)conf.release();  // rd_kafka_new took ownership
  return HandlePtr(rk);
}

std::string err_text(rd_kafka_resp_err_t err) {
  return std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
}

Error to_error(rd_kafka_resp_err_t err, std::string_view what) {
  std::string message = std::string(what) + ": " + err_text(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return Error::timeout(std::move(message));
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__FATAL:
      return Error{Errc::internal, std::move(message), {}, {}, false};
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
      return Error{Errc::invalid_argument, std::move(message), {}, "kafka", false};
    default:
      return Error::unavailable(std::move(message));
  }
}

Headers read_headers(const rd_kafka_message_t* msg) {
  Headers out;
  rd_kafka_headers_t* hdrs = nullptr;  // owned by the message
  if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || hdrs == nullptr) {
    return out;
  }
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    out.emplace_back(name, value == nullptr ? std::string()
                                            : std::string(static_cast<const char*>(value), size));
  }
  return out;
}

IncomingMessage to_incoming(const rd_kafka_message_t* m) {
  IncomingMessage in;
  in.topic = rd_kafka_topic_name(m->rkt);
  in.partition = m->partition;
  in.offset = m->offset;
  if (m->key != nullptr) in.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) in.value.assign(static_cast<const char*>(m->payload), m->len);
  in.headers = read_headers(m);
  return in;
}

HeadersPtr make_headers(const Headers& headers) {
  HeadersPtr out(rd_kafka_headers_new(headers.size()));
  for (const auto& [name, value] : headers) {
    rd_kafka_header_add(out.get(), name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  return out;
}

}  // namespace tongban::bus::detail

#include "tongban/service/config.hpp"

#include <unistd.h>

#include <cstdlib>

namespace tongban::service {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "local";
  return buf;
}

// TONGBAN_KAFKA_PROP_<NAME>=value → librdkafka property <name> ('_' → '.'), for
// security.protocol, sasl.*, ssl.* and tuning without a knob of our own.
void kafka_props_from_environ(bus::KafkaConfig& kafka) {
  static constexpr std::string_view kPrefix = "TONGBAN_KAFKA_PROP_";
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.substr(0, kPrefix.size()) != kPrefix) continue;
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(kv.substr(kPrefix.size(), eq - kPrefix.size()));
    for (auto& c : key) c = c == '_' ? '.' : static_cast<char>(std::tolower(c));
    kafka.extra[key] = std::string(kv.substr(eq + 1));
  }
}

}  // namespace

#define TRY_ASSIGN(target, expr)                 \
  do {                                           \
    auto _v = (expr);                            \
    if (!_v) return fail(std::move(_v.error())); \
    target = *_v;                                \
  } while (0)

Result<ServiceConfig> load_config(std::string_view service_name, Env& env) {
  ServiceConfig c;
  c.name = std::string(service_name);
  c.node_id = env.string("TONGBAN_NODE_ID", host_name(),
                         "Replica name in logs, leases and event sources (default: hostname)");
  c.log_level = env.string("TONGBAN_LOG_LEVEL", "info", "debug, info, warn or error");

  auto& h = c.http;
  h.address = env.string("TONGBAN_HTTP_ADDR", "0.0.0.0", "Address the HTTP server binds");
  std::int64_t v = 0;
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_PORT", 8080, 0, 65535, "HTTP port (0: ephemeral)"));
  h.port = static_cast<std::uint16_t>(v);
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_IO_THREADS", 1, 1, 64, "Threads doing socket I/O"));
  h.io_threads = static_cast<int>(v);
  TRY_ASSIGN(c.http_on_redis_loop,
             env.boolean("TONGBAN_HTTP_ON_REDIS_LOOP", true,
                         "With one I/O thread: serve HTTP on the Redis client's thread (no "
                         "thread crossing between a request and its Redis replies)"));
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_WORKERS", 16, 1, 1024,
                            "Threads running handlers (they block on Redis/Kafka/HTTP)"));
  h.worker_threads = static_cast<int>(v);
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_QUEUE_LIMIT", 4096, 1, 1 << 20,
                            "Requests waiting for a worker before 503"));
  h.worker_queue_limit = static_cast<std::size_t>(v);
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_BODY_LIMIT", 1 << 20, 1, 1 << 30,
                            "Largest request body in bytes (413 above)"));
  h.body_limit = static_cast<std::size_t>(v);
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_HEADER_LIMIT", 16384, 1024, 1 << 20,
                            "Largest request header block in bytes (431 above)"));
  h.header_limit = static_cast<std::size_t>(v);
  TRY_ASSIGN(v, env.integer("TONGBAN_HTTP_MAX_CONNECTIONS", 10000, 1, 1 << 20,
                            "Open connections; at the limit a new one closes the longest idle"));
  h.max_connections = static_cast<std::size_t>(v);
  TRY_ASSIGN(h.read_timeout,
             env.millis("TONGBAN_HTTP_READ_TIMEOUT_MS", 10000,
                        "Deadline to read one request (a new connection's first from accept)"));
  TRY_ASSIGN(h.idle_timeout, env.millis("TONGBAN_HTTP_IDLE_TIMEOUT_MS", 60000,
                                        "Keep-alive idle time before the server closes"));
  TRY_ASSIGN(h.write_timeout,
             env.millis("TONGBAN_HTTP_WRITE_TIMEOUT_MS", 10000, "Deadline to write one response"));
  TRY_ASSIGN(c.drain_timeout, env.millis("TONGBAN_DRAIN_TIMEOUT_MS", 20000,
                                         "On SIGTERM, how long in-flight requests may finish"));
  h.server_name = "tongban-" + c.name;

  const auto redis_addr = env.string("TONGBAN_REDIS_ADDR", "127.0.0.1:6390", "Redis host:port");
  auto redis = store::parse_redis_address(redis_addr);
  if (!redis) {
    return fail(Error::invalid("TONGBAN_REDIS_ADDR", "host_port",
                               "TONGBAN_REDIS_ADDR: " + redis.error().message));
  }
  c.redis = *redis;
  TRY_ASSIGN(c.redis.password, env.secret("TONGBAN_REDIS_PASSWORD", "Redis AUTH password"));
  TRY_ASSIGN(v, env.integer("TONGBAN_REDIS_POOL", 2, 1, 64, "Multiplexed Redis connections"));
  c.redis.pool_size = static_cast<int>(v);
  TRY_ASSIGN(c.redis.command_timeout,
             env.millis("TONGBAN_REDIS_TIMEOUT_MS", 2000, "Deadline of one Redis command"));
  TRY_ASSIGN(c.redis.connect_timeout,
             env.millis("TONGBAN_REDIS_CONNECT_TIMEOUT_MS", 2000, "Deadline to connect to Redis"));

  TRY_ASSIGN(c.outbox_gather,
             env.millis("TONGBAN_OUTBOX_GATHER_MS", 5,
                        "Busy outbox relay: start the next step no sooner than this after the "
                        "last one (fuller produce requests; an idle relay still wakes at once)"));

  c.kafka.bootstrap_servers = env.string("TONGBAN_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
                                         "Kafka bootstrap servers, comma-separated");
  c.kafka.client_id = "tongban-" + c.name + "-" + c.node_id;
  TRY_ASSIGN(v, env.integer("TONGBAN_KAFKA_TOPIC_PARTITIONS", 3, 1, 1024,
                            "Partitions of topics a service creates when missing"));
  c.topic_partitions = static_cast<int>(v);
  env.string("TONGBAN_KAFKA_PROP_<NAME>", "",
             "Any librdkafka property: TONGBAN_KAFKA_PROP_SECURITY_PROTOCOL=SASL_SSL → "
             "security.protocol");
  kafka_props_from_environ(c.kafka);
  if (auto pw = env.secret("TONGBAN_KAFKA_SASL_PASSWORD", "SASL password for Kafka"); !pw) {
    return fail(std::move(pw.error()));
  } else if (!pw->empty()) {
    c.kafka.extra["sasl.password"] = *pw;
  }

  c.jwks_url = env.string("TONGBAN_JWKS_URL", "http://127.0.0.1:8081/.well-known/jwks.json",
                          "Where identity publishes its token keys (JWKS)");
  c.jwt_issuer =
      env.string("TONGBAN_JWT_ISSUER", "tongban-identity", "Required iss claim of access tokens");
  c.jwt_audience =
      env.string("TONGBAN_JWT_AUDIENCE", "tongban", "Required aud claim of access tokens");
  TRY_ASSIGN(c.jwks_refresh, env.millis("TONGBAN_JWKS_REFRESH_MS", 300000,
                                        "Periodic JWKS refresh (unknown kids refresh at once)"));
  return c;
}

#undef TRY_ASSIGN

}  // namespace tongban::service

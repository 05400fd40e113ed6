// The settings every service shares: HTTP, Redis, Kafka, logging, shutdown.
#pragma once

#include <chrono>
#include <string>

#include "tongban/bus/producer.hpp"
#include "tongban/http/server.hpp"
#include "tongban/service/env.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::service {

struct ServiceConfig {
  std::string name;
  std::string node_id;  // distinguishes replicas in logs, leases and event sources
  http::ServerOptions http;
  // With one HTTP I/O thread, serve sockets on the Redis client's loop (its thread), so an
  // asynchronous handler's Redis replies reach the connection without a thread crossing.
  bool http_on_redis_loop = true;
  std::chrono::milliseconds drain_timeout{20000};
  store::RedisOptions redis;
  // OutboxRelayOptions::gather for Service::relay_outbox (docs/performance.md: at 500 life
  // cycles/s, 5 ms took the broker from ~31 to ~23 % of a core).
  std::chrono::milliseconds outbox_gather{5};
  bus::KafkaConfig kafka;
  int topic_partitions = 3;
  // Verifying identity's tokens (libs/auth).
  std::string jwks_url;
  std::string jwt_issuer;
  std::string jwt_audience;
  std::chrono::milliseconds jwks_refresh{300000};
  std::string log_level = "info";
};

// Reads TONGBAN_* (see docs/configuration.md); an invalid value names the variable.
Result<ServiceConfig> load_config(std::string_view service_name, Env& env);

}  // namespace tongban::service

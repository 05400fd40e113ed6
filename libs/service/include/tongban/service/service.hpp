// The skeleton every service runs on: config, JSON logs, /healthz, /readyz, /metrics,
// /openapi.yaml, Redis and Kafka clients, and SIGTERM → drain → flush → exit.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tongban/auth/claims.hpp"
#include "tongban/bus/consumer.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/http/router.hpp"
#include "tongban/metrics/registry.hpp"
#include "tongban/service/config.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::store {
class OutboxRelay;
class RedisDedupe;
}  // namespace tongban::store

namespace tongban::auth {
class JwksCache;
class RevocationList;
class Verifier;
}  // namespace tongban::auth

namespace tongban::service {

class ConsumerMetrics;  // service.cpp: every consumer group's figures on /metrics

// identity's revocation stream, consumed by every service that verifies tokens.
inline constexpr std::string_view kRevocationTopic = "tongban.identity.revocations.v1";
inline constexpr std::string_view kTokenRevokedType = "tongban.identity.token_revoked.v1";
inline constexpr std::string_view kSubjectRevokedType = "tongban.identity.subject_revoked.v1";

// Applies one revocation event: token_revoked {jti, expires_at} or subject_revoked
// {subject_id, before} (RFC 3339 times).
Result<void> apply_revocation(auth::RevocationList& list, const bus::Envelope& e);

class Service {
 public:
  // Construct first thing in main(): it blocks SIGTERM/SIGINT before any thread exists,
  // so only run() receives them. `openapi_yaml` is served verbatim on /openapi.yaml.
  // Exits the process (code 2) with a log line naming the variable if config is invalid.
  Service(std::string name, std::string openapi_yaml, int argc = 0, char** argv = nullptr);
  ~Service();

  const ServiceConfig& config() const { return config_; }
  Env& env() { return env_; }
  http::Router& router() { return *router_; }
  metrics::Registry& metrics() { return metrics_; }

  // Connected on first use; each adds its readiness check and its shutdown step.
  store::Redis& redis();
  bus::Producer& producer();

  // Publishes this service's outbox (tb:<name>:outbox) to Kafka from start to shutdown;
  // its backlog is exported as tongban_outbox_backlog. Call once, before run().
  void relay_outbox();
  // Creates missing topics (TONGBAN_KAFKA_TOPIC_PARTITIONS partitions, the broker's
  // replication factor): the broker's auto-creation stays off so a typo fails loudly.
  void ensure_topics(const std::vector<std::string>& topics);
  // A consumer group runner (commit after success, dedupe by event id in Redis unless
  // options.dedupe is false, DLQ) started with the service and stopped, committing, at
  // shutdown.
  void consume(bus::ConsumerOptions options, bus::EnvelopeHandler handler);

  // Verify identity's tokens in this service: JWKS from TONGBAN_JWKS_URL (cached,
  // refreshed periodically and on an unknown kid) and the revocation events of
  // tongban.identity.revocations.v1 applied within seconds. Call once, before run().
  // `fetch_jwks` replaces the HTTP fetch (identity verifies against its own key ring,
  // where refreshing on every unknown kid costs nothing: `min_refresh` 0).
  void use_auth(std::function<Result<std::string>()> fetch_jwks = {},
                std::chrono::seconds min_refresh = std::chrono::seconds(10));
  // The caller's identity from "Authorization: Bearer <JWT>". Errors are 401-mapped and
  // name the rule broken (expired, bad signature, revoked, ...).
  Result<auth::Principal> authenticate(const http::Request& req);
  // authenticate() for an asynchronous handler on the I/O thread: nullopt when the token
  // would have to be verified first (see Verifier::verify_if_cached).
  std::optional<Result<auth::Principal>> authenticate_if_cached(const http::Request& req);
  // Fed by identity's revocation events (identity issue); shared by authenticate().
  auth::RevocationList& revocations();

  // For a service whose collectors compute at scrape time (the portal's indicators: up to
  // a second over hundreds of thousands of cases): /metrics then runs on the worker pool
  // instead of the I/O thread, which by default also carries the Redis client's traffic.
  void scrape_metrics_on_workers() { metrics_on_workers_ = true; }

  // A check for /readyz: only this service's own dependencies (SPEC §4: degrade, don't
  // fail when a peer service is down).
  void add_readiness_check(std::string name, std::function<Result<void>()> check);
  // Started after the HTTP server is up (consumers, relays).
  void on_start(std::function<void()> step);
  // Run after the HTTP drain, in reverse order of registration (consumers commit and
  // leave before the producer flushes).
  void on_shutdown(std::function<void()> step);

  // True when started with --print-env: main() should skip work that needs servers and
  // call run() at once, which prints the knobs read so far.
  bool print_env_requested() const { return print_env_; }

  // Serves until SIGTERM/SIGINT, then drains; returns the process exit code.
  int run();

 private:
  void add_standard_routes();

  std::string name_;
  std::string openapi_;
  Env env_;
  ServiceConfig config_;
  metrics::Registry metrics_;
  std::shared_ptr<http::Router> router_;
  std::vector<std::pair<std::string, std::function<Result<void>()>>> checks_;
  std::vector<std::function<void()>> start_steps_;
  std::vector<std::function<void()>> shutdown_steps_;
  // Token verification (use_auth); the refresher thread is declared last of these.
  std::unique_ptr<auth::RevocationList> revocations_;
  std::unique_ptr<auth::JwksCache> jwks_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::jthread jwks_refresher_;
  // The clients: destroyed after everything declared below them.
  std::unique_ptr<store::Redis> redis_;
  std::unique_ptr<bus::Producer> producer_;
  // Members are destroyed bottom-up: what uses the clients above is declared below them.
  std::unique_ptr<store::RedisDedupe> dedupe_;
  std::unique_ptr<store::OutboxRelay> relay_;
  std::vector<std::unique_ptr<bus::ConsumerRunner>> consumers_;
  std::shared_ptr<ConsumerMetrics> consumer_metrics_;
  bool print_env_ = false;
  std::atomic<bool> metrics_on_workers_{false};
};

}  // namespace tongban::service

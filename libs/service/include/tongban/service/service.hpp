// The skeleton every service runs on: config, JSON logs, /healthz, /readyz, /metrics,
// /openapi.yaml, Redis and Kafka clients, and SIGTERM → drain → flush → exit.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tongban/auth/claims.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/http/router.hpp"
#include "tongban/metrics/registry.hpp"
#include "tongban/service/config.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::auth {
class JwksCache;
class RevocationList;
class Verifier;
}  // namespace tongban::auth

namespace tongban::service {

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

  // The caller's identity from "Authorization: Bearer <JWT>", verified locally against
  // identity's JWKS (fetched from TONGBAN_JWKS_URL, cached, refreshed on rotation).
  // Errors are 401-mapped and name the rule broken (expired, bad signature, ...).
  Result<auth::Principal> authenticate(const http::Request& req);
  // Fed by identity's revocation events (identity issue); shared by authenticate().
  auth::RevocationList& revocations();

  // A check for /readyz: only this service's own dependencies (SPEC §4: degrade, don't
  // fail when a peer service is down).
  void add_readiness_check(std::string name, std::function<Result<void>()> check);
  // Started after the HTTP server is up (consumers, relays).
  void on_start(std::function<void()> step);
  // Run after the HTTP drain, in reverse order of registration (consumers commit and
  // leave before the producer flushes).
  void on_shutdown(std::function<void()> step);

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
  // Token verification: created on first use; the refresher thread stops first.
  std::once_flag auth_once_;
  std::unique_ptr<auth::RevocationList> revocations_;
  std::unique_ptr<auth::JwksCache> jwks_;
  std::unique_ptr<auth::Verifier> verifier_;
  std::jthread jwks_refresher_;
  // Clients last: destroyed after the steps that use them have run.
  std::unique_ptr<store::Redis> redis_;
  std::unique_ptr<bus::Producer> producer_;
  bool print_env_ = false;
};

}  // namespace tongban::service

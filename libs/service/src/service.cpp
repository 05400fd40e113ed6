#include "tongban/service/service.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/client.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/http/server.hpp"

namespace tongban::service {
namespace {

using namespace std::chrono_literals;

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

Service::Service(std::string name, std::string openapi_yaml, int argc, char** argv)
    : name_(std::move(name)),
      openapi_(std::move(openapi_yaml)),
      router_(std::make_shared<http::Router>()) {
  // Blocked here, before any thread starts, so every later thread inherits the mask
  // and only run()'s sigwait sees the signal.
  const sigset_t set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer closing a socket must not kill the process.
  signal(SIGPIPE, SIG_IGN);

  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--print-env") print_env_ = true;
  }
  log::set_service(name_);
  auto cfg = load_config(name_, env_);
  if (!cfg) {
    log::error("invalid configuration", {{"variable", cfg.error().field},
                                         {"rule", cfg.error().rule},
                                         {"detail", cfg.error().message}});
    std::exit(2);
  }
  config_ = std::move(*cfg);
  log::set_level(log::parse_level(config_.log_level));
  metrics::register_process_metrics(metrics_);
  revocations_ = std::make_unique<auth::RevocationList>();
  add_standard_routes();
}

Service::~Service() = default;

void Service::add_standard_routes() {
  http::RouteOptions inline_io{.inline_io = true};
  // Liveness: the process serves HTTP. Nothing else, or a Redis outage restarts pods.
  router_->get(
      "/healthz",
      [](http::Request&) {
        return http::Response::json(200, boost::json::object{{"status", "ok"}});
      },
      inline_io);
  router_->get("/readyz", [this](http::Request&) {
    boost::json::object checks;
    bool ready = true;
    for (const auto& [check_name, check] : checks_) {
      auto r = check();
      checks[check_name] = r ? "ok" : r.error().message;
      ready = ready && r.has_value();
    }
    return http::Response::json(
        ready ? 200 : 503,
        boost::json::object{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}});
  });
  router_->get(
      "/metrics",
      [this](http::Request&) {
        return http::Response::text(200, metrics_.serialize(),
                                    "text/plain; version=0.0.4; charset=utf-8");
      },
      inline_io);
  router_->get(
      "/openapi.yaml",
      [this](http::Request&) { return http::Response::text(200, openapi_, "application/yaml"); },
      inline_io);
}

store::Redis& Service::redis() {
  if (!redis_) {
    auto r = store::Redis::connect(config_.redis);
    if (!r) {
      log::error("redis client failed", {{"detail", r.error().message}});
      std::exit(1);
    }
    redis_ = std::move(*r);
    add_readiness_check("redis", [this] { return redis_->ping(500ms); });
  }
  return *redis_;
}

bus::Producer& Service::producer() {
  if (!producer_) {
    auto p = bus::Producer::create(config_.kafka);
    if (!p) {
      log::error("kafka producer failed", {{"detail", p.error().message}});
      std::exit(1);
    }
    producer_ = std::move(*p);
    add_readiness_check("kafka", [this]() -> Result<void> {
      if (!producer_->healthy()) {
        return fail(Error::unavailable("kafka producer hit a fatal error; restart needed"));
      }
      return producer_->ping(1000ms);
    });
    on_shutdown([this] {
      if (auto r = producer_->flush(10s); !r) {
        log::error("producer flush incomplete", {{"detail", r.error().message}});
      }
    });
  }
  return *producer_;
}

auth::RevocationList& Service::revocations() { return *revocations_; }

Result<auth::Principal> Service::authenticate(const http::Request& req) {
  // Created by the first request that needs it; handlers run on many threads.
  std::call_once(auth_once_, [this] {
    {
      auto url = config_.jwks_url;
      jwks_ = std::make_unique<auth::JwksCache>(
          [url]() -> Result<std::string> {
            http::Client client({.connect_timeout = 1000ms, .request_timeout = 3000ms});
            auto res = client.get(url);
            if (!res) return fail(std::move(res.error()));
            if (res->status != 200) {
              return fail(Error::unavailable("JWKS fetch from " + url + " answered " +
                                             std::to_string(res->status)));
            }
            return std::move(res->body);
          },
          Clock::system());
      if (auto r = jwks_->refresh(); !r) {
        log::warn("jwks not fetched yet", {{"url", url}, {"detail", r.error().message}});
      }
      auth::VerifierOptions opts;
      opts.issuer = config_.jwt_issuer;
      if (!config_.jwt_audience.empty()) opts.audiences = {config_.jwt_audience};
      verifier_ = std::make_unique<auth::Verifier>(*jwks_, revocations(), Clock::system(), opts);
      jwks_refresher_ = std::jthread([this](std::stop_token stop) {
        std::mutex m;
        std::condition_variable_any cv;
        std::unique_lock lk(m);
        while (!stop.stop_requested()) {
          cv.wait_for(lk, stop, config_.jwks_refresh, [] { return false; });
          if (stop.stop_requested()) return;
          if (auto r = jwks_->refresh(); !r) {
            log::warn("jwks refresh failed; keeping the keys we have",
                      {{"detail", r.error().message}});
          }
        }
      });
    }
  });
  const auto* header = req.header("Authorization");
  auto token = auth::bearer_token(header ? std::string_view(*header) : std::string_view());
  if (!token) return fail(std::move(token.error()));
  return verifier_->verify(*token);
}

void Service::add_readiness_check(std::string check_name, std::function<Result<void>()> check) {
  checks_.emplace_back(std::move(check_name), std::move(check));
}

void Service::on_start(std::function<void()> step) { start_steps_.push_back(std::move(step)); }

void Service::on_shutdown(std::function<void()> step) {
  shutdown_steps_.push_back(std::move(step));
}

int Service::run() {
  if (print_env_) {
    boost::json::array knobs;
    for (const auto& k : env_.knobs()) {
      knobs.push_back(boost::json::object{
          {"name", k.name}, {"default", k.default_value}, {"doc", k.doc}, {"secret", k.secret}});
    }
    std::printf("%s\n", boost::json::serialize(knobs).c_str());
    return 0;
  }
  auto server = http::Server::start(config_.http, router_, &metrics_);
  if (!server) {
    log::error("cannot start http server", {{"detail", server.error().message}});
    return 1;
  }
  for (auto& step : start_steps_) step();
  log::info("service started", {{"port", (*server)->port()},
                                {"node", config_.node_id},
                                {"pid", static_cast<int>(getpid())}});

  const sigset_t set = shutdown_signals();
  int sig = 0;
  sigwait(&set, &sig);
  log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                              {"drain_ms", config_.drain_timeout.count()}});
  (*server)->stop(config_.drain_timeout);
  for (auto it = shutdown_steps_.rbegin(); it != shutdown_steps_.rend(); ++it) (*it)();
  log::info("stopped");
  return 0;
}

}  // namespace tongban::service

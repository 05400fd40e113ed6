#include "tongban/service/service.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string_view>

#include "tongban/auth/jwks_cache.hpp"
#include "tongban/auth/revocation_list.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/bus/admin.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/client.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/http/server.hpp"
#include "tongban/store/dedupe.hpp"
#include "tongban/store/outbox_relay.hpp"

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

// The malloc the program runs on, and how it hands free memory back to the system. A program
// built with tongban_program (cmake/tongban.cmake) has jemalloc loaded, which exports
// `mallctl`; looked up at run time, so a program built without it still links.
struct Allocator {
  const char* name;
  void (*release)();
};

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

Allocator allocator() {
  static Mallctl mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl != nullptr) {
    // Its background thread returns pages a second after they are freed; a purge of every
    // arena (4096: MALLCTL_ARENAS_ALL) also returns what a burst left just before.
    return {"jemalloc", [] { mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0); }};
  }
  return {"glibc", [] { malloc_trim(0); }};
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
  // On the I/O thread, so a scrape answers while every worker is busy; on the workers when a
  // collector computes (scrape_metrics_on_workers).
  router_->add_async(http::Method::get, "/metrics",
                     [this](http::Request& req, http::Responder respond) {
                       auto scrape = [this](http::Request&) {
                         return http::Response::text(200, metrics_.serialize(),
                                                     "text/plain; version=0.0.4; charset=utf-8");
                       };
                       if (metrics_on_workers_.load()) {
                         respond.to_workers(std::move(scrape));
                       } else {
                         respond(scrape(req));
                       }
                     });
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

// Exports every consumer group's counters at scrape time: messages handled, duplicates
// skipped, messages dead-lettered (a DLQ that grows is visible on /metrics), and how far
// behind each group is on each partition it holds. One collector for all groups: the text
// format wants each metric's TYPE line once, with every group's samples under it.
class ConsumerMetrics final : public prometheus::Collectable {
 public:
  void add(const bus::ConsumerRunner& runner, std::string group) {
    const std::lock_guard lock(mutex_);
    groups_.emplace_back(&runner, std::move(group));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    const std::lock_guard lock(mutex_);
    auto family = [](std::string name, std::string help, prometheus::MetricType type) {
      prometheus::MetricFamily f;
      f.name = std::move(name);
      f.help = std::move(help);
      f.type = type;
      return f;
    };
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out{
        family("tongban_consumer_processed_total", "Messages handled by the group",
               MetricType::Counter),
        family("tongban_consumer_passed_by_total",
               "Of those, messages passed by unhandled: not the group's business",
               MetricType::Counter),
        family("tongban_consumer_duplicates_total", "Messages skipped as already applied",
               MetricType::Counter),
        family("tongban_consumer_dead_lettered_total", "Messages sent to <topic>.dlq",
               MetricType::Counter),
        family("tongban_consumer_lag",
               "Messages in the partition the group has not taken yet (as of the last fetch)",
               MetricType::Gauge),
        family("tongban_consumer_event_age_seconds",
               "From an event's time to the group's handler getting it (handled events only)",
               MetricType::Histogram)};
    for (const auto& [runner, group] : groups_) {
      const long long counts[] = {runner->processed(), runner->passed_by(), runner->duplicates(),
                                  runner->dead_lettered()};
      for (std::size_t i = 0; i < std::size(counts); ++i) {
        prometheus::ClientMetric m;
        m.label = {{"group", group}};
        m.counter.value = static_cast<double>(counts[i]);
        out[i].metric.push_back(std::move(m));
      }
      for (const auto& p : runner->lag()) {
        prometheus::ClientMetric m;
        m.label = {
            {"group", group}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}};
        m.gauge.value = static_cast<double>(p.messages);
        out[4].metric.push_back(std::move(m));
      }
      const auto ages = runner->event_ages();
      prometheus::ClientMetric m;
      m.label = {{"group", group}};
      m.histogram.sample_count = static_cast<std::uint64_t>(ages.count);
      m.histogram.sample_sum = ages.sum_seconds;
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < ages.counts.size(); ++i) {
        cumulative += static_cast<std::uint64_t>(ages.counts[i]);
        m.histogram.bucket.push_back({cumulative, i < ages.kBounds.size()
                                                      ? ages.kBounds[i]
                                                      : std::numeric_limits<double>::infinity()});
      }
      out[5].metric.push_back(std::move(m));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<const bus::ConsumerRunner*, std::string>> groups_;
};

namespace {

// Exports a relay's backlog (as its last step counted it), so an outbox that stops
// draining is visible before anyone asks why events are late.
class OutboxCollector final : public prometheus::Collectable {
 public:
  OutboxCollector(store::OutboxRelay& relay, std::string service)
      : relay_(relay), service_(std::move(service)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    auto gauge = [&](std::string name, std::string help, double v) {
      prometheus::MetricFamily f;
      f.name = std::move(name);
      f.help = std::move(help);
      f.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric m;
      m.label.push_back({"service", service_});
      m.gauge.value = v;
      f.metric.push_back(std::move(m));
      out.push_back(std::move(f));
    };
    if (auto backlog = relay_.backlog()) {
      gauge("tongban_outbox_backlog", "Outbox entries not yet published",
            static_cast<double>(*backlog));
    }
    gauge("tongban_outbox_published", "Entries this replica published since start",
          static_cast<double>(relay_.published()));
    gauge("tongban_outbox_batches",
          "Relay steps that published (produce batches) since start; published / batches is "
          "entries per batch",
          static_cast<double>(relay_.batches()));
    gauge("tongban_outbox_leader", "1 when this replica holds the relay lease",
          relay_.leader() ? 1 : 0);
    return out;
  }

 private:
  store::OutboxRelay& relay_;
  std::string service_;
};

}  // namespace

void Service::relay_outbox() {
  if (relay_) return;
  store::OutboxRelayOptions opts;
  opts.service = name_;
  opts.owner = config_.node_id + "-" + std::to_string(getpid());
  opts.gather = config_.outbox_gather;
  relay_ = std::make_unique<store::OutboxRelay>(redis(), producer(), opts);
  metrics_.add_collectable(std::make_shared<OutboxCollector>(*relay_, name_));
  on_start([this] { relay_->start(); });
  on_shutdown([this] { relay_->stop(); });
}

void Service::ensure_topics(const std::vector<std::string>& topics) {
  std::vector<bus::TopicSpec> specs;
  for (const auto& t : topics) {
    specs.push_back(bus::TopicSpec{t, config_.topic_partitions, -1});
  }
  // Kafka may not be up yet: the consumer and producer retry on their own, so a failure
  // here is a warning, not a reason to stop.
  if (auto r = bus::ensure_topics(config_.kafka, specs, 5000ms); !r) {
    log::warn("could not ensure topics", {{"detail", r.error().message}});
  }
}

void Service::consume(bus::ConsumerOptions options, bus::EnvelopeHandler handler) {
  ensure_topics(options.topics);
  const std::string group = options.group_id;
  if (!dedupe_) dedupe_ = std::make_unique<store::RedisDedupe>(redis(), name_);
  // Not owning: the runner outlives no member it points to (see the member order).
  std::shared_ptr<bus::DedupeStore> dedupe;
  if (options.dedupe) dedupe = {std::shared_ptr<bus::DedupeStore>{}, dedupe_.get()};
  auto runner = bus::ConsumerRunner::create(config_.kafka, std::move(options), std::move(handler),
                                            producer(), dedupe);
  if (!runner) {
    log::error("consumer failed", {{"detail", runner.error().message}});
    std::exit(1);
  }
  auto* r = runner->get();
  if (!consumer_metrics_) {
    consumer_metrics_ = std::make_shared<ConsumerMetrics>();
    metrics_.add_collectable(consumer_metrics_);
  }
  consumer_metrics_->add(*r, group);
  consumers_.push_back(std::move(*runner));
  on_start([r] { r->start(); });
  on_shutdown([r] { r->stop(); });
}

auth::RevocationList& Service::revocations() { return *revocations_; }

void Service::use_auth(std::function<Result<std::string>()> fetch_jwks,
                       std::chrono::seconds min_refresh) {
  if (verifier_) return;
  auto url = config_.jwks_url;
  if (!fetch_jwks) {
    fetch_jwks = [url]() -> Result<std::string> {
      http::Client client({.connect_timeout = 1000ms, .request_timeout = 3000ms});
      auto res = client.get(url);
      if (!res) return fail(std::move(res.error()));
      if (res->status != 200) {
        return fail(Error::unavailable("JWKS fetch from " + url + " answered " +
                                       std::to_string(res->status)));
      }
      return std::move(res->body);
    };
  }
  auth::JwksCacheOptions cache_options;
  cache_options.min_refresh_interval = min_refresh;
  jwks_ = std::make_unique<auth::JwksCache>(std::move(fetch_jwks), Clock::system(), cache_options);
  auth::VerifierOptions opts;
  opts.issuer = config_.jwt_issuer;
  if (!config_.jwt_audience.empty()) opts.audiences = {config_.jwt_audience};
  verifier_ = std::make_unique<auth::Verifier>(*jwks_, *revocations_, Clock::system(), opts);

  on_start([this, url] {
    // identity may be down or not started yet: verification starts as soon as a fetch
    // succeeds (an unknown kid triggers one), and /readyz does not depend on it.
    if (auto r = jwks_->refresh(); !r) {
      log::warn("jwks not fetched yet", {{"url", url}, {"detail", r.error().message}});
    }
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
        revocations_->purge(Clock::system().now(), std::chrono::seconds(3600));
      }
    });
  });
  on_shutdown([this] {
    jwks_refresher_.request_stop();
    if (jwks_refresher_.joinable()) jwks_refresher_.join();
  });

  // Every replica must see every revocation, including those made before it started
  // (tokens live 15 minutes): a group of its own per process, reading from the start of
  // the short-retention topic.
  bus::ConsumerOptions opts_c;
  opts_c.group_id = name_ + "-revocations-" + config_.node_id + "-" + ids::random_hex(4);
  opts_c.topics = {std::string(kRevocationTopic)};
  opts_c.from_beginning = true;
  consume(std::move(opts_c), [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return apply_revocation(*revocations_, e);
  });
}

namespace {

Result<std::string_view> bearer_of(const http::Request& req, const auth::Verifier* verifier) {
  if (!verifier) return fail(Error::internal("authenticate() without use_auth()"));
  const auto* header = req.header("Authorization");
  return auth::bearer_token(header ? std::string_view(*header) : std::string_view());
}

}  // namespace

Result<auth::Principal> Service::authenticate(const http::Request& req) {
  auto token = bearer_of(req, verifier_.get());
  if (!token) return fail(std::move(token.error()));
  return verifier_->verify(*token);
}

std::optional<Result<auth::Principal>> Service::authenticate_if_cached(const http::Request& req) {
  auto token = bearer_of(req, verifier_.get());
  if (!token) return Result<auth::Principal>(fail(std::move(token.error())));
  return verifier_->verify_if_cached(*token);
}

Result<void> apply_revocation(auth::RevocationList& list, const bus::Envelope& e) {
  if (!e.data.is_object()) return {};
  const auto& d = e.data.as_object();
  auto time_of = [&](std::string_view key) -> std::optional<Clock::time_point> {
    const auto* v = d.if_contains(key);
    Clock::time_point t;
    if (!v || !v->is_string() || !parse_rfc3339(v->as_string(), t)) return std::nullopt;
    return t;
  };
  if (e.type == kTokenRevokedType) {
    const auto* jti = d.if_contains("jti");
    auto exp = time_of("expires_at");
    if (!jti || !jti->is_string() || !exp) {
      return fail(
          Error::invalid("data", "revocation_event", "token_revoked needs jti, expires_at"));
    }
    list.revoke_token(jti->as_string(), *exp);
  } else if (e.type == kSubjectRevokedType) {
    const auto* sub = d.if_contains("subject_id");
    auto before = time_of("before");
    if (!sub || !sub->is_string() || !before) {
      return fail(
          Error::invalid("data", "revocation_event", "subject_revoked needs subject_id, before"));
    }
    list.revoke_subject_before(sub->as_string(), *before);
  }
  return {};  // other event types on the topic are not ours to judge
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
  auto http_options = config_.http;
  if (redis_ && config_.http_on_redis_loop && http_options.io_threads == 1) {
    // The Redis client outlives the server (a member; the server stops below).
    http_options.io_context = redis_->io_context();
  }
  auto server = http::Server::start(std::move(http_options), router_, &metrics_);
  if (!server) {
    log::error("cannot start http server", {{"detail", server.error().message}});
    return 1;
  }
  for (auto& step : start_steps_) step();
  const Allocator malloc_in_use = allocator();
  log::info("service started", {{"port", (*server)->port()},
                                {"node", config_.node_id},
                                {"pid", static_cast<int>(getpid())},
                                {"allocator", malloc_in_use.name}});

  const sigset_t set = shutdown_signals();
  // While waiting for the signal, hand memory freed by a burst (a consumer reading a topic's
  // history, a load peak) back to the system: both allocators keep it otherwise, and an
  // idle service stayed at the size of its busiest moment (34 MB instead of 18 after the
  // catalog's 32,000 events). A release walks the free lists once per 10 s.
  const timespec trim_every{10, 0};
  int sig = -1;
  while (sig < 0) {
    sig = sigtimedwait(&set, nullptr, &trim_every);
    if (sig < 0 && errno == EAGAIN) malloc_in_use.release();
  }
  log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                              {"drain_ms", config_.drain_timeout.count()}});
  (*server)->stop(config_.drain_timeout);
  for (auto it = shutdown_steps_.rbegin(); it != shutdown_steps_.rend(); ++it) (*it)();
  // A request the drain gave up on may still wait for a Redis reply whose callback refers to
  // the service's own objects (handlers, repositories), which its main destroys when this
  // returns: those callbacks are told "closed" now, while everything they touch is alive.
  if (redis_) redis_->close();
  log::info("stopped");
  return 0;
}

}  // namespace tongban::service

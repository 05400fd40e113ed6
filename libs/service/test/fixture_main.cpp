// A process on the service skeleton for the integration test: probes, metrics,
// signals and drain are exercised on a real binary, not on a stand-in.
#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <pthread.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/service/service.hpp"

// Names the thread a scrape ran on: the I/O thread (the Redis client's, "redis-io", which
// the HTTP server shares) or a worker ("http-worker").
class ScrapeThread final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    prometheus::MetricFamily f;
    f.name = "fixture_scraped_on";
    f.help = "The thread this scrape ran on";
    f.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.label.push_back({"thread", name});
    m.gauge.value = 1;
    f.metric.push_back(std::move(m));
    return {std::move(f)};
  }
};

int main(int argc, char** argv) {
  tongban::service::Service svc("fixture", "openapi: 3.1.0\ninfo:\n  title: fixture\n", argc, argv);
  svc.redis();
  svc.producer();
  svc.metrics().add_collectable(std::make_shared<ScrapeThread>());
  if (std::getenv("TONGBAN_FIXTURE_SCRAPE_ON_WORKERS")) svc.scrape_metrics_on_workers();
  if (std::getenv("TONGBAN_FIXTURE_AUTH")) svc.use_auth();
  // Two consumer groups on one topic: their figures share each metric on /metrics.
  if (const char* topic = std::getenv("TONGBAN_FIXTURE_TOPIC")) {
    svc.relay_outbox();  // its backlog on /metrics, counted without a Redis call
    for (const char* group : {"fixture-a", "fixture-b"}) {
      tongban::bus::ConsumerOptions o;
      o.group_id = std::string(group) + "-" + topic;
      o.topics = {topic};
      svc.consume(o, [](const tongban::bus::Envelope&, const tongban::bus::IncomingMessage&) {
        return tongban::Result<void>{};
      });
    }
  }
  svc.router().get("/slow", [](tongban::http::Request& req) {
    const auto ms = std::stoi(req.query_param("ms").value_or("100"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return tongban::http::Response::text(200, "slept " + std::to_string(ms));
  });
  // Answers from an asynchronous Redis command's callback, and says in the log when that ran
  // (a service's callbacks refer to objects its main destroys after run()).
  svc.router().add_async(
      tongban::http::Method::get, "/redis-get",
      [&svc](tongban::http::Request&, tongban::http::Responder respond) {
        svc.redis().async_command(
            {"GET", "fixture"}, [respond](tongban::Result<tongban::store::Reply> r) {
              tongban::log::info("redis callback ran", {{"ok", static_cast<bool>(r)}});
              respond(
                  tongban::http::Response::text(r ? 200 : 503, r ? "answered" : r.error().message));
            });
      });
  svc.router().get("/me", [&svc](tongban::http::Request& req) {
    auto who = svc.authenticate(req);
    if (!who) return tongban::http::problem(who.error());
    return tongban::http::Response::text(200, who->subject());
  });
  const int code = svc.run();
  tongban::log::info("run returned");
  return code;
}

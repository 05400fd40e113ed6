// The Prometheus registry a process exposes on /metrics (prometheus-cpp underneath).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

namespace tongban::metrics {

class Registry {
 public:
  Registry() : registry_(std::make_shared<prometheus::Registry>()) {}

  prometheus::Registry& prom() { return *registry_; }
  const std::shared_ptr<prometheus::Registry>& shared() const { return registry_; }

  // Prometheus text exposition format 0.0.4.
  std::string serialize() const;

  // A collector computed at scrape time (process figures, outbox backlog, lag).
  void add_collectable(std::shared_ptr<prometheus::Collectable> c) {
    extra_.push_back(std::move(c));
  }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
};

// Latency buckets in seconds from 0.5 ms to 10 s, shared so dashboards line up.
const prometheus::Histogram::BucketBoundaries& latency_buckets();

}  // namespace tongban::metrics

namespace tongban::metrics {

// Adds process_resident_memory_bytes, process_cpu_seconds_total,
// process_open_fds and process_start_time_seconds, read from /proc at scrape time.
void register_process_metrics(Registry& registry);

}  // namespace tongban::metrics

// The portal service: folds every service's events into the indicator state (kept in Redis,
// record by record, under a namespace), serves the indicators as JSON, CSV and Prometheus
// metrics, and the web dashboard.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "domain/calendar.hpp"
#include "domain/indicators.hpp"
#include "domain/state.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/http/client.hpp"
#include "tongban/service/service.hpp"

namespace tongban::portal {

// Every topic the portal folds (identity's are not needed for the indicators).
std::vector<std::string> folded_topics();

struct PortalOptions {
  std::string ns = "live";       // Redis namespace: tb:portal:<ns>:*
  std::string group = "portal";  // consumer group (a rebuild uses a fresh one)
  std::string identity_url = "http://127.0.0.1:8081";
  std::chrono::milliseconds cache_ttl{1000};  // indicators recomputed at most this often
  delegation::Calendar calendar;
};

class Portal {
 public:
  Portal(service::Service& svc, PortalOptions options, const Clock& clock = Clock::system());

  // Reads the namespace's records back into memory (after a restart).
  Result<std::size_t> load();
  // Deletes the namespace (a rebuild starts empty).
  Result<void> clear();
  void add_routes();
  void add_consumers();
  void add_metrics();

  // Folds one event into memory; the records it touched are written by flush(), once for
  // every event the consumer has at hand (bus::ConsumerOptions::flush).
  Result<void> on_event(const bus::Envelope& e);
  Result<void> flush();
  // The indicators of a window as JSON, cached for cache_ttl.
  boost::json::object indicators(Window w);
  // Cases held whole (open, or waiting for a missing event) and cases sealed.
  std::pair<std::size_t, std::size_t> case_counts();

 private:
  std::string key(RecordKind kind) const;
  Result<boost::json::object> scoped_indicators(const http::Request& req, Window w);

  service::Service& svc_;
  PortalOptions options_;
  const Clock& clock_;
  std::shared_mutex mu_;            // the state: events write, requests read
  std::atomic<bool> stale_{false};  // memory differs from Redis: read it back before folding
  State state_;
  // The records folded since the last flush (the consumer's thread only); flush() writes each
  // once, as memory holds it then. Kept through a failed flush, which is called again.
  std::set<RecordKey> touched_;
  std::mutex cache_mu_;
  std::map<Window, std::pair<std::chrono::steady_clock::time_point, boost::json::object>> cache_;
  http::Client identity_;
};

// Keeps what a viewer may see: arrays of objects naming a city (city, or city_a/city_b) and
// objects keyed by city code are filtered to `visible`.
void filter_to_cities(boost::json::value& v, const std::function<bool(std::string_view)>& visible);

// The city or pair rows of the indicators as CSV (table: cities | pairs).
Result<std::string> to_csv(const boost::json::object& indicators, std::string_view table);

}  // namespace tongban::portal

// tongban-delegation: cross-city agreements and cases between receiving and accepting
// places (跨城通办). A node serves a set of cities; nodes hand cases over through Kafka.
#include <fstream>
#include <sstream>
#include <string_view>

#include "delegation.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/log.hpp"

namespace tongban::delegation {
std::string_view openapi_yaml();
std::string_view calendar_2026_json();
}  // namespace tongban::delegation

namespace {

int invalid_config(const std::string& variable, const std::string& detail) {
  tongban::log::error("invalid configuration", {{"variable", variable}, {"detail", detail}});
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("delegation", std::string(delegation::openapi_yaml()), argc, argv);
  delegation::DelegationOptions opts;
  opts.node = svc.env().string("TONGBAN_DELEGATION_NODE", "node-1",
                               "This node's name: its Redis keys (tb:delegation:<node>:*), its "
                               "consumer groups and its events' source");
  const auto cities =
      svc.env().string("TONGBAN_DELEGATION_CITIES", "all",
                       "The cities this node serves, comma-separated division codes, or all");
  opts.datahub_url = svc.env().string("TONGBAN_DELEGATION_DATAHUB_URL", "http://127.0.0.1:8083",
                                      "datahub, asked for the materials check at submission");
  opts.catalog_url = svc.env().string("TONGBAN_DELEGATION_CATALOG_URL", "http://127.0.0.1:8082",
                                      "catalog, asked for standardisation scores when an "
                                      "agreement is countersigned");
  const auto calendar_files = svc.env().string(
      "TONGBAN_DELEGATION_CALENDAR", "",
      "Holiday calendar files (JSON, comma-separated, merged); empty: the built-in 2026 "
      "State Council schedule");
  auto overdue = svc.env().millis("TONGBAN_DELEGATION_OVERDUE_INTERVAL", 30000,
                                  "How often stage deadlines are checked for overdue cases");
  auto peer_timeout = svc.env().millis("TONGBAN_DELEGATION_PEER_TIMEOUT", 1500,
                                       "Deadline of a call to datahub or catalog");
  if (!overdue) return invalid_config(overdue.error().field, overdue.error().message);
  if (!peer_timeout)
    return invalid_config(peer_timeout.error().field, peer_timeout.error().message);
  auto reference_ttl = svc.env().millis(
      "TONGBAN_DELEGATION_REFERENCE_TTL", 1000,
      "How long a node keeps the items, implementations and agreements a submission read "
      "from Redis (0: read every time); another replica's changes show within it");
  if (!reference_ttl)
    return invalid_config(reference_ttl.error().field, reference_ttl.error().message);
  opts.reference_ttl = *reference_ttl;
  auto idempotency_ttl = svc.env().integer(
      "TONGBAN_DELEGATION_IDEMPOTENCY_TTL", delegation::kDefaultIdempotencyTtl.count(), 60,
      30 * 86400,
      "Seconds a keyed command's answer is kept to replay it to a retry with the same "
      "Idempotency-Key (Redis holds ~1.4 KB per submission for that long)");
  if (!idempotency_ttl)
    return invalid_config(idempotency_ttl.error().field, idempotency_ttl.error().message);
  opts.idempotency_ttl = std::chrono::seconds(*idempotency_ttl);
  auto case_cache = svc.env().integer(
      "TONGBAN_DELEGATION_CASE_CACHE", static_cast<long long>(delegation::kDefaultCaseCache), 0,
      1'000'000,
      "Cases a node keeps in memory after writing or reading them, so the next command on one "
      "skips reading it (~1.2 KB each; unused for 30-60 s: dropped; 0: none). Safe with replicas: "
      "a command prepared from a "
      "copy that is behind is prepared again on the case read from Redis");
  if (!case_cache) return invalid_config(case_cache.error().field, case_cache.error().message);
  opts.case_cache = static_cast<std::size_t>(*case_cache);
  opts.overdue_interval = *overdue;
  opts.peer_timeout = *peer_timeout;
  if (cities != "all") {
    std::stringstream ss(cities);
    for (std::string c; std::getline(ss, c, ',');) {
      if (c.empty()) continue;
      if (!cities::directory().find(c)) {
        return invalid_config("TONGBAN_DELEGATION_CITIES", "unknown city " + c);
      }
      opts.cities.insert(c);
    }
  }
  auto calendar = delegation::Calendar::parse(delegation::calendar_2026_json());
  if (!calendar_files.empty()) {
    std::stringstream ss(calendar_files);
    std::optional<delegation::Calendar> merged;
    for (std::string path; std::getline(ss, path, ',');) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      auto one = delegation::Calendar::parse(text.str());
      if (!in || !one) {
        return invalid_config("TONGBAN_DELEGATION_CALENDAR",
                              path + ": " + (one ? "unreadable" : one.error().message));
      }
      if (merged) {
        auto m = delegation::Calendar::merge(*merged, *one);
        if (!m) return invalid_config("TONGBAN_DELEGATION_CALENDAR", m.error().message);
        merged = std::move(*m);
      } else {
        merged = std::move(*one);
      }
    }
    if (merged) calendar = std::move(*merged);
  }
  if (!calendar) return invalid_config("TONGBAN_DELEGATION_CALENDAR", calendar.error().message);
  opts.calendar = std::move(*calendar);
  if (svc.print_env_requested()) return svc.run();

  svc.use_auth();
  svc.ensure_topics({std::string(delegation::kCasesTopic),
                     std::string(delegation::kAgreementsTopic),
                     std::string(delegation::kCatalogTopic)});
  svc.relay_outbox();
  delegation::Delegation node(svc, std::move(opts));
  node.add_routes();
  node.add_consumers();
  node.add_background_work();
  return svc.run();
}

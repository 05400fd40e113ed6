// tongban-portal: supervision and collaboration indicators from every service's events, as
// JSON, CSV, Prometheus metrics and a web dashboard.
//
//   tongban-portal            serve, folding events into TONGBAN_PORTAL_NAMESPACE
//   tongban-portal --rebuild  start a fresh namespace and consumer group from the beginning of
//                             every topic (the numbers must come out the same)
#include <cstring>
#include <string_view>

#include "portal.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"

namespace tongban::portal {
std::string_view openapi_yaml();
std::string_view calendar_2026_json();
}  // namespace tongban::portal

int main(int argc, char** argv) {
  using namespace tongban;
  bool rebuild = false;
  for (int i = 1; i < argc; ++i) rebuild = rebuild || std::strcmp(argv[i], "--rebuild") == 0;
  service::Service svc("portal", std::string(portal::openapi_yaml()), argc, argv);
  portal::PortalOptions opts;
  opts.ns = svc.env().string("TONGBAN_PORTAL_NAMESPACE", "live",
                             "Redis namespace of the indicator state (tb:portal:<namespace>:*)");
  opts.group =
      svc.env().string("TONGBAN_PORTAL_GROUP", "portal", "Kafka consumer group folding the events");
  opts.identity_url = svc.env().string("TONGBAN_PORTAL_IDENTITY_URL", "http://127.0.0.1:8081",
                                       "identity, for the dashboard's sign-in");
  auto ttl = svc.env().millis("TONGBAN_PORTAL_CACHE_TTL", 1000,
                              "How long computed indicators are served before recomputing");
  if (!ttl) {
    log::error("invalid configuration",
               {{"variable", ttl.error().field}, {"detail", ttl.error().message}});
    return 2;
  }
  opts.cache_ttl = *ttl;
  auto calendar = delegation::Calendar::parse(portal::calendar_2026_json());
  if (!calendar) {
    log::error("calendar unusable", {{"detail", calendar.error().message}});
    return 2;
  }
  opts.calendar = std::move(*calendar);
  if (svc.print_env_requested()) return svc.run();
  if (rebuild) {
    // A new namespace and group: every topic read again from its beginning.
    const auto suffix = ids::random_hex(4);
    opts.ns = "rebuild-" + suffix;
    opts.group = "portal-rebuild-" + suffix;
  }
  svc.use_auth();
  svc.ensure_topics(portal::folded_topics());
  portal::Portal portal(svc, opts);
  if (rebuild) {
    if (auto ok = portal.clear(); !ok) {
      log::error("cannot clear the namespace", {{"detail", ok.error().message}});
      return 1;
    }
  } else if (auto n = portal.load(); !n) {
    log::error("cannot load the indicator state", {{"detail", n.error().message}});
    return 1;
  } else {
    log::info("indicator state loaded", {{"records", *n}, {"namespace", opts.ns}});
  }
  log::info("portal folding",
            {{"namespace", opts.ns}, {"group", opts.group}, {"rebuild", rebuild}});
  portal.add_routes();
  portal.add_consumers();
  portal.add_metrics();
  return svc.run();
}

// tongban-notify: delegation's case events as messages to applicants and staff, by email
// (SMTP) and webhook, from templates, with retries and per-applicant preferences.
// Made by `scripts/new-service notify 8086`, then grown (docs/extending.md, "Worked example").
#include <string_view>

#include "notify.hpp"
#include "tongban/core/log.hpp"

namespace tongban::notify {
std::string_view openapi_yaml();
}  // namespace tongban::notify

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("notify", std::string(notify::openapi_yaml()), argc, argv);
  auto loaded = notify::load_options(svc.env());
  if (svc.print_env_requested()) return svc.run();
  if (!loaded) {
    log::error("invalid configuration", {{"variable", loaded.error().field},
                                         {"rule", loaded.error().rule},
                                         {"detail", loaded.error().message}});
    return 2;
  }
  svc.use_auth();
  svc.ensure_topics({std::string(notify::kCasesTopic), std::string(notify::kCatalogTopic)});
  notify::Notify app(svc, std::move(loaded->first), std::move(loaded->second));
  app.add_routes();
  app.add_consumers();
  app.add_dispatcher();
  return svc.run();
}

// tongban-notify: counts delegation's cases per state (a service made by scripts/new-service).
#include <string_view>

#include "notify.hpp"

namespace tongban::notify {
std::string_view openapi_yaml();
}  // namespace tongban::notify

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("notify", std::string(notify::openapi_yaml()), argc, argv);
  // Read knobs here (svc.env()...), before this line: --print-env lists them.
  if (svc.print_env_requested()) return svc.run();
  svc.ensure_topics({std::string(notify::kCasesTopic)});
  notify::App app(svc);
  app.add_routes();
  app.add_consumers();
  return svc.run();
}

// tongban-__name__: counts delegation's cases per state (a service made by scripts/new-service).
#include <string_view>

#include "__name__.hpp"

namespace tongban::__name__ {
std::string_view openapi_yaml();
}  // namespace tongban::__name__

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("__name__", std::string(__name__::openapi_yaml()), argc, argv);
  // Read knobs here (svc.env()...), before this line: --print-env lists them.
  if (svc.print_env_requested()) return svc.run();
  svc.ensure_topics({std::string(__name__::kCasesTopic)});
  __name__::App app(svc);
  app.add_routes();
  app.add_consumers();
  return svc.run();
}

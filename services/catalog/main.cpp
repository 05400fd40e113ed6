// tongban-catalog: national service items, city implementations, versions, search.
#include <string_view>

#include "catalog.hpp"
#include "tongban/core/log.hpp"

namespace tongban::catalog {
std::string_view openapi_yaml();
std::string_view base_items_json();
}  // namespace tongban::catalog

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("catalog", std::string(catalog::openapi_yaml()), argc, argv);
  auto seed = svc.env().boolean("TONGBAN_CATALOG_SEED", false,
                                "Publish the national base items and the 155 cities' generated "
                                "implementations at start when the catalog is empty (demo)");
  auto seed_cities = svc.env().integer("TONGBAN_CATALOG_SEED_CITIES", 0, 0, 155,
                                       "Seed implementations for the first N cities only (0: all)");
  if (!seed_cities) {
    log::error("invalid configuration",
               {{"variable", seed_cities.error().field}, {"detail", seed_cities.error().message}});
    return 2;
  }
  if (!seed) {
    log::error("invalid configuration",
               {{"variable", seed.error().field}, {"detail", seed.error().message}});
    return 2;
  }
  if (svc.print_env_requested()) return svc.run();
  svc.use_auth();
  svc.ensure_topics({std::string(catalog::kItemsTopic)});
  svc.relay_outbox();
  catalog::Catalog catalog(svc);
  catalog.add_routes();
  if (*seed) {
    auto n =
        catalog.seed_if_empty(catalog::base_items_json(), static_cast<std::size_t>(*seed_cities));
    if (!n) {
      log::error("catalog seed failed", {{"detail", n.error().message}});
      return 1;
    }
  }
  return svc.run();
}

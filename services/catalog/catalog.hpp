// The catalog service (政务服务事项目录): what its handlers share.
#pragma once

#include <string>

#include "repo/catalog_repo.hpp"
#include "tongban/http/message.hpp"
#include "tongban/service/service.hpp"

namespace tongban::catalog {

class Catalog {
 public:
  Catalog(service::Service& svc, const Clock& clock = Clock::system());

  void add_routes();
  // Publishes the national base items and every city's generated implementations when
  // the catalog is empty (the local demo); returns how many items were published.
  // `max_cities` > 0 limits the cities (tests).
  Result<long long> seed_if_empty(std::string_view base_items_json, std::size_t max_cities = 0);

 private:
  void add_item_routes();
  void add_implementation_routes();

  // Loads, applies the lifecycle action and returns the new head (409 when not allowed).
  Result<std::pair<Entity, Step>> step(const std::string& entity, Action a);
  Result<BaseItem> published_item(const std::string& code);
  store::OutboxMessage event(std::string_view type, const std::string& key,
                             boost::json::object data, const std::string& traceparent) const;
  Result<void> publish_item(const BaseItem& item, const std::string& traceparent);
  Result<void> publish_implementation(const Implementation& impl, const std::string& traceparent);

  service::Service& svc_;
  const Clock& clock_;
  CatalogRepo repo_;
};

}  // namespace tongban::catalog

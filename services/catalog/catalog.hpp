// The catalog service (政务服务事项目录): what its handlers share.
#pragma once

#include <string>

#include "repo/catalog_repo.hpp"
#include "tongban/http/message.hpp"
#include "tongban/service/service.hpp"

namespace tongban::catalog {

// The {version} path parameter: a positive integer, or a problem naming it.
Result<std::uint32_t> version_param(const http::Request& req);

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
  // Freeze the pending draft as the next version, with its event; returns the version.
  // The publish endpoints and the seed share these.
  Result<std::uint32_t> publish_item_draft(const std::string& code, const std::string& traceparent);
  Result<std::uint32_t> publish_implementation_draft(const std::string& code,
                                                     const std::string& city,
                                                     const std::string& traceparent);

  service::Service& svc_;
  const Clock& clock_;
  CatalogRepo repo_;
};

}  // namespace tongban::catalog

#include "catalog.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "domain/generator.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/trace.hpp"

namespace tongban::catalog {

Catalog::Catalog(service::Service& svc, const Clock& clock)
    : svc_(svc), clock_(clock), repo_(svc.redis(), clock) {}

void Catalog::add_routes() {
  add_item_routes();
  add_implementation_routes();
}

store::OutboxMessage Catalog::event(std::string_view type, const std::string& key,
                                    boost::json::object data,
                                    const std::string& traceparent) const {
  auto e = bus::Envelope::make("/tongban/catalog", std::string(type), key, std::move(data), clock_);
  return store::OutboxMessage{std::string(kItemsTopic), key, bus::encode(e), traceparent};
}

Result<std::pair<Entity, Step>> Catalog::step(const std::string& entity, Action a) {
  auto loaded = repo_.load(entity);
  if (!loaded) return fail(std::move(loaded.error()));
  Entity e = *loaded ? **loaded : Entity{};
  if (!*loaded && a != Action::edit_draft) {
    return fail(Error::not_found("nothing to " + std::string(to_string(a))));
  }
  if (!*loaded) {
    // A new entity: its first draft. The lifecycle starts at draft with a pending draft.
    return std::pair<Entity, Step>{e, Step{Head{}, std::nullopt}};
  }
  auto s = apply(e.head, a);
  if (!s) return fail(std::move(s.error()));
  return std::pair<Entity, Step>{e, *s};
}

Result<BaseItem> Catalog::published_item(const std::string& code) {
  auto doc = repo_.current(CatalogRepo::item_entity(code));
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc || (**doc).at("state").as_string() != "published") {
    return fail(Error::not_found("no published item " + code));
  }
  auto item = **doc;
  for (const char* k : {"version", "state", "published_at"}) item.erase(k);
  return read_base_item(item);
}

Result<std::uint32_t> version_param(const http::Request& req) {
  const std::string text(req.param("version"));
  char* end = nullptr;
  const auto v = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v == 0 || v > 1000000) {
    return fail(Error::invalid("version", "range", "version must be a positive integer"));
  }
  return static_cast<std::uint32_t>(v);
}

Result<std::uint32_t> Catalog::publish_item_draft(const std::string& code,
                                                  const std::string& traceparent) {
  auto s = step(CatalogRepo::item_entity(code), Action::publish);
  if (!s) return fail(std::move(s.error()));
  auto draft = boost::json::parse(s->first.draft.empty() ? "{}" : s->first.draft);
  auto item = read_base_item(draft.as_object());
  if (!item) return fail(std::move(item.error()));
  const auto v = *s->second.published_version;
  auto ok = repo_.publish_item(
      *item, s->first.etag, s->second.head, v,
      event("tongban.catalog.item_published.v1", code,
            {{"code", code}, {"version", v}, {"item", to_json(*item)}}, traceparent));
  if (!ok) return fail(std::move(ok.error()));
  return v;
}

Result<std::uint32_t> Catalog::publish_implementation_draft(const std::string& code,
                                                            const std::string& city,
                                                            const std::string& traceparent) {
  auto item = published_item(code);
  if (!item) return fail(std::move(item.error()));
  auto s = step(CatalogRepo::impl_entity(code, city), Action::publish);
  if (!s) return fail(std::move(s.error()));
  auto draft = boost::json::parse(s->first.draft.empty() ? "{}" : s->first.draft);
  auto impl = read_implementation(draft.as_object(), *item);
  if (!impl) return fail(std::move(impl.error()));
  const auto v = *s->second.published_version;
  auto ok = repo_.publish_implementation(
      *impl, s->first.etag, s->second.head, v,
      event(
          "tongban.catalog.implementation_published.v1", code,
          {{"item_code", code}, {"city", city}, {"version", v}, {"implementation", to_json(*impl)}},
          traceparent));
  if (!ok) return fail(std::move(ok.error()));
  return v;
}

Result<long long> Catalog::seed_if_empty(std::string_view base_items_json, std::size_t max_cities) {
  auto count = repo_.published_count();
  if (!count) return fail(std::move(count.error()));
  if (*count > 0) return 0;
  auto items = load_base_items(base_items_json);
  if (!items) return fail(std::move(items.error()));
  std::vector<const cities::City*> all;
  for (const auto& c : cities::directory().all()) {
    if (max_cities && all.size() >= max_cities) break;
    all.push_back(&c);
  }
  const auto trace = TraceContext::start().header();
  long long published = 0;
  // Each entity is new: its first draft (etag 0), then the same publish as the API's.
  for (const auto& item : *items) {
    const auto entity = CatalogRepo::item_entity(item.code);
    if (auto d = repo_.save_draft(entity, 0, Head{}, boost::json::serialize(to_json(item))); !d) {
      return fail(std::move(d.error()));
    }
    if (auto r = publish_item_draft(item.code, trace); !r) return fail(std::move(r.error()));
    ++published;
    for (const auto& impl : generate_implementations(item, all)) {
      const auto ie = CatalogRepo::impl_entity(impl.item_code, impl.city);
      if (auto d = repo_.save_draft(ie, 0, Head{}, boost::json::serialize(to_json(impl))); !d) {
        return fail(std::move(d.error()));
      }
      if (auto r = publish_implementation_draft(impl.item_code, impl.city, trace); !r) {
        return fail(std::move(r.error()));
      }
    }
  }
  log::info("catalog seeded", {{"items", published}, {"cities", all.size()}});
  return published;
}

}  // namespace tongban::catalog

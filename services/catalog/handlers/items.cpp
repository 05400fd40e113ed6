// Base items: search and read (public), draft → publish → withdraw (platform_admin).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include "catalog.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::catalog {
namespace {

Error not_platform_admin() {
  return Error{Errc::forbidden, "only a platform_admin edits national base items", "roles",
               "not_platform_admin", false};
}

QueryParams query_params(const http::Request& req) {
  QueryParams out;
  auto parsed = boost::urls::parse_query(req.query);
  if (!parsed) return out;
  // Decoded: "q=%E6%88%B7" is 户.
  for (const auto& p : boost::urls::params_view(*parsed)) {
    out.emplace_back(p.key, p.has_value ? p.value : std::string());
  }
  return out;
}

}  // namespace

void Catalog::add_item_routes() {
  auto& r = svc_.router();

  r.get("/v1/items", [this](http::Request& req) {
    auto q = parse_search_query(query_params(req));
    if (!q) return http::problem(q.error());
    auto page = repo_.search(*q);
    if (!page) return http::problem(page.error());
    boost::json::array items;
    for (auto& i : page->items) items.push_back(std::move(i));
    boost::json::object body{{"items", std::move(items)}};
    body["next_cursor"] = page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr;
    return http::Response::json(200, body);
  });

  r.get("/v1/items/{code}", [this](http::Request& req) {
    const std::string code(req.param("code"));
    auto doc = repo_.current(CatalogRepo::item_entity(code));
    if (!doc) return http::problem(doc.error());
    if (!*doc) return http::problem(Error::not_found("no published item " + code));
    return http::Response::json(200, **doc);
  });

  r.get("/v1/items/{code}/versions/{version}", [this](http::Request& req) {
    const std::string code(req.param("code"));
    auto v = version_param(req);
    if (!v) return http::problem(v.error());
    auto doc = repo_.version(CatalogRepo::item_entity(code), *v);
    if (!doc) return http::problem(doc.error());
    if (!*doc) return http::problem(Error::not_found("no version " + std::to_string(*v)));
    auto res = http::Response::json(200, **doc);
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    return res;
  });

  r.put("/v1/items/{code}/draft", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("platform_admin")) return http::problem(not_platform_admin());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto item = read_base_item(*body);
    if (!item) return http::problem(item.error());
    const std::string code(req.param("code"));
    if (item->code != code) {
      return http::problem(Error::invalid("code", "path_mismatch", "code must equal the path"));
    }
    const auto entity = CatalogRepo::item_entity(code);
    auto s = step(entity, Action::edit_draft);
    if (!s) return http::problem(s.error());
    auto etag = repo_.save_draft(entity, s->first.etag, s->second.head,
                                 boost::json::serialize(to_json(*item)));
    if (!etag) return http::problem(etag.error());
    return http::Response::json(200, boost::json::object{{"code", code},
                                                         {"state", to_string(s->second.head.state)},
                                                         {"has_draft", true},
                                                         {"etag", *etag}});
  });

  r.post("/v1/items/{code}/publish", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("platform_admin")) return http::problem(not_platform_admin());
    const std::string code(req.param("code"));
    auto published = publish_item_draft(code, req.trace.header());
    if (!published) return http::problem(published.error());
    const auto v = *published;
    auto res = http::Response::json(
        201, boost::json::object{{"code", code}, {"version", v}, {"state", "published"}});
    res.set_header("Location", "/v1/items/" + code + "/versions/" + std::to_string(v));
    return res;
  });

  r.post("/v1/items/{code}/withdraw", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("platform_admin")) return http::problem(not_platform_admin());
    const std::string code(req.param("code"));
    auto s = step(CatalogRepo::item_entity(code), Action::withdraw);
    if (!s) return http::problem(s.error());
    auto ok = repo_.withdraw_item(
        code, s->first.etag, s->second.head,
        event("tongban.catalog.item_withdrawn.v1", code,
              {{"code", code}, {"version", s->second.head.latest_version}}, req.trace.header()));
    if (!ok) return http::problem(ok.error());
    return http::Response::json(200, boost::json::object{{"code", code},
                                                         {"version", s->second.head.latest_version},
                                                         {"state", "withdrawn"}});
  });
}

}  // namespace tongban::catalog

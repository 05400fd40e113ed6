// City implementations: read (public), draft and publish by that city's dept_admin or a
// platform_admin, and the "same item, same standard" comparison between two cities.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "catalog.hpp"
#include "domain/standardisation.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::catalog {
namespace {

// Staff of another city learn nothing beyond "not yours" (403 names the rule).
Result<void> may_edit(const auth::Principal& who, const std::string& city) {
  if (who.has_role("platform_admin")) return {};
  if (who.has_role("dept_admin") && who->city == city) return {};
  return fail(Error{Errc::forbidden,
                    "only the dept_admin of city " + city +
                        " (or a platform_admin) edits its "
                        "implementations",
                    "city", "not_your_city", false});
}

boost::json::object deviation_json(const Deviation& d) {
  return {{"kind", to_string(d.kind)},
          {"side", d.side == Side::a ? "a" : "b"},
          {"detail", d.detail},
          {"penalty", d.penalty}};
}

}  // namespace

void Catalog::add_implementation_routes() {
  auto& r = svc_.router();

  r.get("/v1/items/{code}/implementations/{city}", [this](http::Request& req) {
    const std::string code(req.param("code")), city(req.param("city"));
    auto doc = repo_.current(CatalogRepo::impl_entity(code, city));
    if (!doc) return http::problem(doc.error());
    if (!*doc)
      return http::problem(Error::not_found("no implementation of " + code + " in " + city));
    return http::Response::json(200, **doc);
  });

  r.get("/v1/items/{code}/implementations/{city}/versions/{version}", [this](http::Request& req) {
    const std::string code(req.param("code")), city(req.param("city"));
    auto v = version_param(req);
    if (!v) return http::problem(v.error());
    auto doc = repo_.version(CatalogRepo::impl_entity(code, city), *v);
    if (!doc) return http::problem(doc.error());
    if (!*doc) return http::problem(Error::not_found("no such version"));
    return http::Response::json(200, **doc);
  });

  r.put("/v1/items/{code}/implementations/{city}/draft", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string code(req.param("code")), city(req.param("city"));
    if (auto ok = may_edit(*who, city); !ok) return http::problem(ok.error());
    auto item = published_item(code);
    if (!item) return http::problem(item.error());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto impl = read_implementation(*body, *item);
    if (!impl) return http::problem(impl.error());
    if (impl->city != city) {
      return http::problem(Error::invalid("city", "path_mismatch", "city must equal the path"));
    }
    const auto entity = CatalogRepo::impl_entity(code, city);
    auto s = step(entity, Action::edit_draft);
    if (!s) return http::problem(s.error());
    auto etag = repo_.save_draft(entity, s->first.etag, s->second.head,
                                 boost::json::serialize(to_json(*impl)));
    if (!etag) return http::problem(etag.error());
    auto res =
        http::Response::json(200, boost::json::object{{"item_code", code},
                                                      {"city", city},
                                                      {"state", to_string(s->second.head.state)},
                                                      {"has_draft", true},
                                                      {"etag", *etag}});
    res.set_header("ETag", "\"" + std::to_string(*etag) + "\"");
    return res;
  });

  r.post("/v1/items/{code}/implementations/{city}/publish", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string code(req.param("code")), city(req.param("city"));
    if (auto ok = may_edit(*who, city); !ok) return http::problem(ok.error());
    auto published = publish_implementation_draft(code, city, req.trace.header());
    if (!published) return http::problem(published.error());
    const auto v = *published;
    auto res = http::Response::json(
        201, boost::json::object{
                 {"item_code", code}, {"city", city}, {"version", v}, {"state", "published"}});
    res.set_header("Location", "/v1/items/" + code + "/implementations/" + city + "/versions/" +
                                   std::to_string(v));
    return res;
  });

  r.get("/v1/items/{code}/standardisation", [this](http::Request& req) {
    const std::string code(req.param("code"));
    auto a_city = req.query_param("a");
    if (!a_city || a_city->empty()) {
      return http::problem(Error::invalid("a", "required", "a (a city code) is required"));
    }
    auto item = published_item(code);
    if (!item) return http::problem(item.error());
    auto load = [&](const std::string& city) -> Result<Implementation> {
      auto doc = repo_.current(CatalogRepo::impl_entity(code, city));
      if (!doc) return fail(std::move(doc.error()));
      if (!*doc) return fail(Error::not_found("no implementation of " + code + " in " + city));
      auto o = **doc;
      for (const char* k : {"version", "state", "published_at"}) o.erase(k);
      return read_implementation(o, *item);
    };
    auto a = load(*a_city);
    if (!a) return http::problem(a.error());
    auto b_city = req.query_param("b");
    Comparison c;
    std::string b_name = "standard";
    if (b_city && !b_city->empty() && *b_city != "standard") {
      auto b = load(*b_city);
      if (!b) return http::problem(b.error());
      c = compare(*item, *a, *b);
      b_name = *b_city;
    } else {
      c = score_against_standard(*item, *a);
    }
    boost::json::array devs;
    for (const auto& d : c.deviations) devs.push_back(deviation_json(d));
    return http::Response::json(200, boost::json::object{{"item_code", code},
                                                         {"a", *a_city},
                                                         {"b", b_name},
                                                         {"score", c.score},
                                                         {"deviations", std::move(devs)}});
  });
}

}  // namespace tongban::catalog

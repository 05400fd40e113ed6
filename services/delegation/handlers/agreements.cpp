// Agreements between two cities: propose, countersign, decline, amend, suspend, resume,
// terminate (domain/agreement.hpp has the rules). The node serving the pair's lower city
// code writes an agreement; every node keeps a copy from the agreement events.
#include <boost/json/serialize.hpp>

#include "delegation.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/json.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::delegation {
namespace {

Error wrong_node(const std::string& city) {
  return Error{Errc::conflict,
               "agreements of this pair are written by the node serving city " + city +
                   "; send the command there",
               "", "wrong_node", false};
}

std::string text_or(const boost::json::object& o, const char* key, std::string fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::move(fallback);
}

int version_in(const boost::json::object& o) {
  const auto* v = o.if_contains("version");
  return v && v->is_int64() ? static_cast<int>(v->get_int64()) : 0;
}

}  // namespace

Result<CatalogChecks> Delegation::catalog_checks(const AgreementBody& body,
                                                 const std::string& city_a,
                                                 const std::string& city_b, bool with_scores) {
  // Implementations from the catalog events (cached); scores asked of the catalog now,
  // since a countersignature records them (catalog down: 503, nothing signed).
  std::set<std::pair<std::string, std::string>> present;
  std::map<std::string, int> scores;
  for (const auto& [item, rights] : body.items) {
    for (const auto& city : {city_a, city_b}) {
      auto impl = repo_.implementation(item, city);
      if (!impl) return fail(std::move(impl.error()));
      if (*impl) present.emplace(item, city);
    }
    if (with_scores && present.contains({item, city_a}) && present.contains({item, city_b})) {
      auto r = peers_.get(options_.catalog_url + "/v1/items/" + item +
                          "/standardisation?a=" + city_a + "&b=" + city_b);
      if (!r || r->status != 200) {
        return fail(Error{Errc::unavailable,
                          "the catalog did not answer the standardisation score of " + item, "",
                          "catalog_unavailable", true});
      }
      auto doc = json::parse_object(r->body);
      const auto* s = doc ? doc->if_contains("score") : nullptr;
      scores[item] = s && s->is_number() ? static_cast<int>(s->to_number<double>()) : 0;
    }
  }
  CatalogChecks checks;
  checks.has_implementation = [present](std::string_view item, std::string_view city) {
    return present.contains({std::string(item), std::string(city)});
  };
  checks.score = [scores](std::string_view item, std::string_view, std::string_view) {
    auto it = scores.find(std::string(item));
    return it == scores.end() ? 0 : it->second;
  };
  return checks;
}

http::Response Delegation::agreement_command(
    http::Request& req, const std::string& id,
    const std::function<Result<Agreement>(Agreement, const Actor&, const boost::json::object&)>& op,
    std::string_view event_name) {
  auto who = svc_.authenticate(req);
  if (!who) return http::problem(who.error());
  const auto actor = actor_of(*who);
  auto body =
      req.body.empty() ? Result<boost::json::object>(boost::json::object{}) : http::json_body(req);
  if (!body) return http::problem(body.error());
  auto stored = repo_.agreement(id);
  if (!stored) return http::problem(stored.error());
  if (!*stored) return http::problem(Error::not_found("no agreement " + id));
  auto& [current, revision] = **stored;
  if (!serves(current.city_a)) return http::problem(wrong_node(current.city_a));
  auto next = op(current, actor, *body);
  if (!next) return http::problem(next.error());
  const auto doc = to_json(*next);
  auto e = bus::Envelope::make(
      event_source(options_.node),
      "tongban.delegation.agreement_" + std::string(event_name) + ".v1", next->id,
      boost::json::object{{"agreement", doc}, {"revision", revision + 1}, {"actor", actor.subject}},
      clock_);
  auto ok = repo_.put_agreement(*next, revision + 1,
                                store::OutboxMessage{std::string(kAgreementsTopic), next->id,
                                                     bus::encode(e), req.trace.header()});
  if (!ok) return http::problem(ok.error());
  if (!*ok) {
    return http::problem(Error{Errc::conflict, "the agreement changed meanwhile; read it again", "",
                               "version_mismatch", true});
  }
  return http::Response::json(200, doc);
}

void Delegation::add_agreement_routes() {
  auto& r = svc_.router();

  r.post("/v1/agreements", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const auto actor = actor_of(*who);
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    const auto partner = text_or(*body, "partner_city", "");
    const auto proposer = text_or(*body, "proposer_city", actor.city);
    if (partner.empty()) {
      return http::problem(Error::invalid("partner_city", "required", "partner_city is required"));
    }
    const auto* terms = body->if_contains("terms");
    if (!terms || !terms->is_object()) {
      return http::problem(
          Error::invalid("terms", "required", "terms (the agreement body) are required"));
    }
    auto parsed = read_agreement_body(terms->get_object());
    if (!parsed) return http::problem(parsed.error());
    const auto& lo = std::min(proposer, partner);
    const auto& hi = std::max(proposer, partner);
    if (!serves(lo)) return http::problem(wrong_node(lo));
    std::vector<Agreement> existing;
    auto pair_id = repo_.agreement_of_pair(lo, hi);
    if (!pair_id) return http::problem(pair_id.error());
    if (*pair_id) {
      auto a = repo_.agreement(**pair_id);
      if (!a) return http::problem(a.error());
      if (*a) existing.push_back((*a)->first);
    }
    auto checks = catalog_checks(*parsed, lo, hi, false);
    if (!checks) return http::problem(checks.error());
    auto a = propose(actor, ids::uuid_v7(), Proposal{proposer, partner, *parsed}, existing, *checks,
                     clock_.now());
    if (!a) return http::problem(a.error());
    const auto doc = to_json(*a);
    auto e = bus::Envelope::make(
        event_source(options_.node), "tongban.delegation.agreement_proposed.v1", a->id,
        boost::json::object{{"agreement", doc}, {"revision", 1}, {"actor", actor.subject}}, clock_);
    auto ok = repo_.put_agreement(*a, 1,
                                  store::OutboxMessage{std::string(kAgreementsTopic), a->id,
                                                       bus::encode(e), req.trace.header()});
    if (!ok) return http::problem(ok.error());
    auto res = http::Response::json(201, doc);
    res.set_header("Location", "/v1/agreements/" + a->id);
    return res;
  });

  r.get("/v1/agreements", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const auto city = req.query_param("city").value_or("");
    if (!city.empty() && !cities::directory().is_known_city(city)) {
      return http::problem(Error::invalid("city", "unknown_city", "no city has the code " + city));
    }
    auto limit = page_limit(req);
    if (!limit) return http::problem(limit.error());
    auto page = repo_.agreements(city, req.query_param("cursor").value_or(""), *limit);
    if (!page) return http::problem(page.error());
    boost::json::array out;
    for (const auto& a : page->agreements) out.push_back(to_json(a));
    return http::Response::json(
        200,
        boost::json::object{
            {"agreements", std::move(out)},
            {"next_cursor", page->next_cursor ? boost::json::value(*page->next_cursor) : nullptr}});
  });

  r.get("/v1/agreements/{id}", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto a = repo_.agreement(std::string(req.param("id")));
    if (!a) return http::problem(a.error());
    if (!*a) return http::problem(Error::not_found("no such agreement"));
    auto doc = to_json((*a)->first);
    doc["revision"] = (*a)->second;
    return http::Response::json(200, doc);
  });

  r.post("/v1/agreements/{id}/countersign", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor,
               const boost::json::object& body) -> Result<Agreement> {
          const auto* p = pending(a);
          if (!p)
            return countersign(std::move(a), actor, version_in(body), CatalogChecks{},
                               clock_.now());
          // No version given: the one pending (the domain still refuses a stale one).
          const int v = version_in(body) ? version_in(body) : p->version;
          // Who may sign is checked before the catalog is asked for scores.
          if (auto ok = authorise_agreement(actor, a.city_a, a.city_b, actor.city);
              !ok && !actor.has_role(Role::platform_admin)) {
            return fail(std::move(ok.error()));
          }
          auto checks = catalog_checks(p->body, a.city_a, a.city_b, true);
          if (!checks) return fail(std::move(checks.error()));
          return countersign(std::move(a), actor, v, *checks, clock_.now());
        },
        "countersigned");
  });
  r.post("/v1/agreements/{id}/decline", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor, const boost::json::object& body) {
          const auto* p = pending(a);
          const int v = version_in(body) ? version_in(body) : (p ? p->version : 0);
          return decline(std::move(a), actor, v, text_or(body, "reason", ""), clock_.now());
        },
        "declined");
  });
  r.post("/v1/agreements/{id}/amend", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor,
               const boost::json::object& body) -> Result<Agreement> {
          const auto* terms = body.if_contains("terms");
          if (!terms || !terms->is_object()) {
            return fail(Error::invalid("terms", "required", "terms are required"));
          }
          auto parsed = read_agreement_body(terms->get_object());
          if (!parsed) return fail(std::move(parsed.error()));
          auto checks = catalog_checks(*parsed, a.city_a, a.city_b, false);
          if (!checks) return fail(std::move(checks.error()));
          const auto city = text_or(body, "proposer_city", actor.city);
          return amend(std::move(a), actor, city, std::move(*parsed), *checks, clock_.now());
        },
        "amended");
  });
  r.post("/v1/agreements/{id}/suspend", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor, const boost::json::object& body) {
          return suspend(std::move(a), actor, text_or(body, "city", actor.city),
                         text_or(body, "reason", ""), clock_.now());
        },
        "suspended");
  });
  r.post("/v1/agreements/{id}/resume", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor, const boost::json::object& body) {
          return resume(std::move(a), actor, text_or(body, "city", actor.city), clock_.now());
        },
        "resumed");
  });
  r.post("/v1/agreements/{id}/terminate", [this](http::Request& req) {
    return agreement_command(
        req, std::string(req.param("id")),
        [this](Agreement a, const Actor& actor, const boost::json::object& body) {
          return terminate(std::move(a), actor, text_or(body, "city", actor.city),
                           text_or(body, "reason", ""), clock_.now());
        },
        "terminated");
  });
}

}  // namespace tongban::delegation

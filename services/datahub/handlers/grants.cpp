// Sharing grants: a consumer department's dept_admin asks; the owner department's
// dept_admin approves, denies or revokes; the sweep records expiry. The rules are
// domain/grant.hpp's; here is who is asking and what is stored.
#include "datahub.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/json.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::datahub {
namespace {

Error dept_admin_required() {
  return Error{Errc::forbidden, "a dept_admin acts on grants for its department", "",
               "role_required", false};
}

Result<std::vector<std::string>> string_list(const boost::json::object& body, const char* key) {
  const auto* v = body.if_contains(key);
  if (!v || !v->is_array()) {
    return fail(Error::invalid(key, "required", std::string(key) + " must be an array of strings"));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->get_array().size(); ++i) {
    const auto& s = v->get_array()[i];
    if (!s.is_string()) {
      return fail(
          Error::invalid(std::string(key) + "/" + std::to_string(i), "type", "must be a string"));
    }
    out.emplace_back(s.get_string());
  }
  return out;
}

}  // namespace

void Datahub::add_grant_routes() {
  auto& r = svc_.router();

  r.post("/v1/grants", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("dept_admin")) return http::problem(dept_admin_required());
    auto consumer = department_of(*who);
    if (!consumer) return http::problem(consumer.error());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    const json::Reader reader(*body);
    auto resource_id = reader.string("resource", 1, 64);
    if (!resource_id) return http::problem(resource_id.error());
    auto fields = string_list(*body, "fields");
    if (!fields) return http::problem(fields.error());
    auto purpose = reader.string("purpose", 1, 500);
    if (!purpose) return http::problem(purpose.error());
    // Days for people; seconds when a grant must be short (one case's hearing, tests).
    auto days = reader.optional_integer("duration_days", 1, 366);
    if (!days) return http::problem(days.error());
    auto seconds = reader.optional_integer("duration_seconds", 1, 366 * 86400);
    if (!seconds) return http::problem(seconds.error());
    if (days->has_value() == seconds->has_value()) {
      return http::problem(
          Error::invalid("duration_days", "one_duration",
                         "give exactly one of duration_days and duration_seconds"));
    }
    const auto duration = days->has_value()
                              ? Clock::time_point::duration(std::chrono::days(**days))
                              : Clock::time_point::duration(std::chrono::seconds(**seconds));
    auto resource = repo_.resource(*resource_id);
    if (!resource) return http::problem(resource.error());
    if (!*resource) {
      return http::problem(Error{Errc::not_found, "no resource " + *resource_id, "resource",
                                 "unknown_resource", false});
    }
    GrantRequest gr{*consumer, *resource_id, *fields, *purpose, duration};
    auto g = request_grant((*resource)->core, gr, clock_.now());
    if (!g) return http::problem(g.error());
    g->id = ids::uuid_v7();
    const bool approved = g->status == GrantStatus::approved;
    auto ok = repo_.create_grant(*g, grant_event(*g, approved ? "approved" : "requested",
                                                 who->subject(), req.trace.header()));
    if (!ok) return http::problem(ok.error());
    count_grant_change(approved ? "approved" : "requested");
    auto res = http::Response::json(201, to_json(*g));
    res.set_header("Location", "/v1/grants/" + g->id);
    return res;
  });

  r.get("/v1/grants", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto dept = department_of(*who);
    if (!dept) return http::problem(dept.error());
    const auto as = req.query_param("as").value_or("consumer");
    if (as != "consumer" && as != "owner") {
      return http::problem(Error::invalid("as", "enum", "as must be consumer or owner"));
    }
    auto limit = query_integer(req, "limit", 100, 1, 1000);
    if (!limit) return http::problem(limit.error());
    auto grants = repo_.grants_of(*dept, as == "owner", static_cast<std::size_t>(*limit));
    if (!grants) return http::problem(grants.error());
    boost::json::array out;
    const auto now = clock_.now();
    for (const auto& g : *grants) {
      auto o = to_json(g);
      o["effective_status"] = to_string(effective_status(g, now));
      out.push_back(std::move(o));
    }
    return http::Response::json(200, boost::json::object{{"grants", std::move(out)}});
  });

  r.get("/v1/grants/{id}", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto g = repo_.grant(std::string(req.param("id")));
    if (!g) return http::problem(g.error());
    // Only the two departments (and auditors) learn that a grant exists.
    const Department mine{(*who)->city, (*who)->department};
    const bool party = *g && ((*g)->owner == mine || (*g)->consumer == mine);
    if (!*g || !(party || who->has_any_role({"auditor", "platform_admin"}))) {
      return http::problem(Error::not_found("no such grant"));
    }
    auto o = to_json(**g);
    o["effective_status"] = to_string(effective_status(**g, clock_.now()));
    return http::Response::json(200, o);
  });

  for (auto action : {GrantAction::approve, GrantAction::deny, GrantAction::revoke}) {
    const std::string path = "/v1/grants/{id}/" + std::string(to_string(action));
    r.post(path, [this, action](http::Request& req) {
      auto who = svc_.authenticate(req);
      if (!who) return http::problem(who.error());
      auto g = repo_.grant(std::string(req.param("id")));
      if (!g) return http::problem(g.error());
      const Department mine{(*who)->city, (*who)->department};
      if (!*g || ((*g)->owner != mine && (*g)->consumer != mine)) {
        return http::problem(Error::not_found("no such grant"));
      }
      if (!who->has_role("dept_admin")) return http::problem(dept_admin_required());
      const auto before = (*g)->status;
      auto next = apply(**g, action, mine, clock_.now());
      if (!next) return http::problem(next.error());
      static constexpr std::string_view kPast[] = {"approved", "denied", "revoked", "expired"};
      auto ok = repo_.update_grant(
          *next, before,
          grant_event(*next, kPast[static_cast<int>(action)], who->subject(), req.trace.header()));
      if (!ok) return http::problem(ok.error());
      if (!*ok) {
        return http::problem(Error{Errc::conflict, "the grant changed meanwhile; read it again", "",
                                   "grant_changed", true});
      }
      count_grant_change(kPast[static_cast<int>(action)]);
      return http::Response::json(200, to_json(*next));
    });
  }
}

}  // namespace tongban::datahub

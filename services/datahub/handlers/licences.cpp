// E-licences (电子证照): issued by a department's staff through the API (approved
// delegation cases issue theirs from Kafka), read by their holder, revoked by the issuer.
#include <boost/json/array.hpp>

#include "datahub.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::datahub {

void Datahub::add_licence_routes() {
  auto& r = svc_.router();

  r.post("/v1/licences", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto issuer = department_of(*who);
    if (!issuer) return http::problem(issuer.error());
    if (!who->has_any_role({"dept_admin", "approver"})) {
      return http::problem(Error{Errc::forbidden, "an approver or dept_admin issues e-licences", "",
                                 "role_required", false});
    }
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto l = read_licence(*body, *issuer, clock_.now());
    if (!l) return http::problem(l.error());
    l->id = ids::uuid_v7();
    auto issued = repo_.issue_licence(*l, event(kLicencesTopic, "tongban.datahub.licence_issued.v1",
                                                l->subject, to_json(*l), req.trace.header()));
    if (!issued) return http::problem(issued.error());
    licences_issued_.Add({{"source", "api"}}).Increment();
    auto res = http::Response::json(201, to_json(*l));
    res.set_header("Location", "/v1/licences/" + l->id);
    return res;
  });

  r.get("/v1/licences/{id}", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto l = repo_.licence(std::string(req.param("id")));
    if (!l) return http::problem(l.error());
    const Department mine{(*who)->city, (*who)->department};
    // The holder and the issuing department see it; for anyone else it does not exist.
    if (!*l || ((*l)->subject != who->subject() && (*l)->issuer != mine &&
                !who->has_role("platform_admin"))) {
      return http::problem(Error::not_found("no such licence"));
    }
    auto o = to_json(**l);
    o["in_force"] = in_force(**l, clock_.now());
    return http::Response::json(200, o);
  });

  r.post("/v1/licences/{id}/revoke", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto l = repo_.licence(std::string(req.param("id")));
    if (!l) return http::problem(l.error());
    const Department mine{(*who)->city, (*who)->department};
    if (!*l || (*l)->issuer != mine || !who->has_any_role({"dept_admin", "approver"})) {
      return http::problem(Error::not_found("no such licence issued by your department"));
    }
    auto revoked = **l;
    revoked.status = LicenceStatus::revoked;
    auto ok =
        repo_.revoke_licence(revoked, event(kLicencesTopic, "tongban.datahub.licence_revoked.v1",
                                            revoked.subject, to_json(revoked), req.trace.header()));
    if (!ok) return http::problem(ok.error());
    if (!*ok) {
      return http::problem(
          Error{Errc::conflict, "the licence is revoked already", "", "not_valid", false});
    }
    return http::Response::json(200, to_json(revoked));
  });

  r.get("/v1/me/licences", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto held = repo_.licences_of(who->subject());
    if (!held) return http::problem(held.error());
    const auto now = clock_.now();
    boost::json::array out;
    for (const auto& l : *held) {
      auto o = to_json(l);
      o["in_force"] = in_force(l, now);
      out.push_back(std::move(o));
    }
    return http::Response::json(200, boost::json::object{{"licences", std::move(out)}});
  });
}

}  // namespace tongban::datahub

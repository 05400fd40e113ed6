// Reading and changing subjects: who may see whom, staff roles, assurance levels,
// revoking a subject's tokens, rotating the signing key.
#include <boost/json/value_from.hpp>

#include "domain/assurance.hpp"
#include "domain/roles.hpp"
#include "domain/subject.hpp"
#include "identity.hpp"
#include "tongban/core/json.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::identity {
namespace {

Error hidden(const std::string& id) {
  // Existence is not leaked to those who may not see it.
  return Error::not_found("no subject " + id);
}

bool may_read(const auth::Principal& who, const SubjectRecord& s) {
  if (who.subject() == s.id) return true;
  if (who.has_any_role({"platform_admin", "auditor"})) return true;
  // A city's staff administrator sees the staff of that city.
  return s.type == "staff" && who.has_role("dept_admin") && who->city == s.city;
}

long long if_match(const http::Request& req) {
  const auto* h = req.header("If-Match");
  if (!h) return 0;
  std::string v = *h;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::atoll(v.c_str());
}

http::Response subject_response(int status, const SubjectRecord& s) {
  auto res = http::Response::json(status, s.to_json());
  res.set_header("ETag", "\"" + std::to_string(s.version) + "\"");
  return res;
}

// A command's response is the subject as the write left it.
http::Response as_written(SubjectRepo& repo, const std::string& id,
                          const Result<long long>& written) {
  if (!written) return http::problem(written.error());
  auto after = repo.find(id);
  if (!after) return http::problem(after.error());
  if (!*after) return http::problem(Error::internal("subject vanished after update"));
  return subject_response(200, **after);
}

}  // namespace

void Identity::add_subject_routes() {
  auto& r = svc_.router();

  r.get("/v1/me", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    auto s = subjects_.find(who->subject());
    if (!s) return http::problem(s.error());
    if (!*s) return http::problem(hidden(who->subject()));
    return subject_response(200, **s);
  });

  r.get("/v1/subjects/{id}", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto s = subjects_.find(id);
    if (!s) return http::problem(s.error());
    if (!*s || !may_read(*who, **s)) return http::problem(hidden(id));
    return subject_response(200, **s);
  });

  // A subject corrects its own contact details; If-Match guards against lost updates.
  r.patch("/v1/subjects/{id}", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    if (who->subject() != id) return http::problem(hidden(id));
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    for (const auto& kv : *body) {
      if (kv.key() != "phone" && kv.key() != "name") {
        return http::problem(
            Error::invalid(std::string(kv.key()), "not_updatable",
                           std::string(kv.key()) + " cannot be changed here; only name and phone"));
      }
    }
    json::Reader in(*body);
    std::vector<std::pair<std::string, std::string>> fields;
    boost::json::object changed;
    if (auto phone = in.optional_string("phone", 32); !phone) {
      return http::problem(phone.error());
    } else if (*phone) {
      auto ok = check_phone(**phone);
      if (!ok) return http::problem(ok.error());
      fields.emplace_back("phone", *ok);
      changed["phone"] = *ok;
    }
    if (auto name = in.optional_string("name", 256); !name) {
      return http::problem(name.error());
    } else if (*name) {
      auto ok = check_name(**name, "name");
      if (!ok) return http::problem(ok.error());
      fields.emplace_back("name", *ok);
      changed["name"] = *ok;
    }
    if (fields.empty()) {
      return http::problem(Error::invalid("body", "empty_update", "nothing to change"));
    }
    fields.emplace_back("updated_at", to_rfc3339(clock_.now()));
    auto v = subjects_.update(id, if_match(req), fields,
                              event("tongban.identity.subject_updated.v1", id,
                                    {{"subject_id", id}, {"changed", changed}}, req));
    return as_written(subjects_, id, v);
  });

  // Window staff look applicants up by ID number to act on their behalf; they see only
  // what a case needs.
  r.get("/v1/citizens/by-id-number/{number}", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    if (!who->has_any_role({"clerk", "examiner", "approver", "platform_admin"})) {
      return http::problem(Error::not_found("no such citizen"));
    }
    std::string number(req.param("number"));
    for (auto& c : number) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto s = subjects_.find_by_login("citizen", number);
    if (!s) return http::problem(s.error());
    if (!*s) return http::problem(Error::not_found("no such citizen"));
    const auto& c = **s;
    return http::Response::json(200, boost::json::object{{"id", c.id},
                                                         {"name", c.name},
                                                         {"household_city", c.city},
                                                         {"assurance_level", c.assurance}});
  });

  r.put("/v1/staff/{id}/roles", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    json::Reader in(*body);
    auto names = in.array("roles", 1, 16);
    if (!names) return http::problem(names.error());
    std::vector<std::string> list;
    for (const auto& v : **names) {
      if (!v.is_string()) {
        return http::problem(Error::invalid("roles", "type", "roles must be strings"));
      }
      list.emplace_back(v.as_string());
    }
    auto grant = parse_roles(list);
    if (!grant) return http::problem(grant.error());
    auto scope_text = in.optional_string("supervisor_scope", 16);
    if (!scope_text) return http::problem(scope_text.error());
    auto scope = SupervisorScope::city;
    if (*scope_text) {
      auto parsed = parse_supervisor_scope(**scope_text);
      if (!parsed) {
        return http::problem(Error::invalid("supervisor_scope", "enum",
                                            "supervisor_scope must be city or province"));
      }
      scope = *parsed;
    }
    auto s = subjects_.find(id);
    if (!s) return http::problem(s.error());
    if (!*s || (*s)->type != "staff" || !may_read(*who, **s)) return http::problem(hidden(id));
    StaffChange change;
    change.target_city = (*s)->city;
    change.target_department = (*s)->department;
    change.grant = *grant;
    auto current = parse_roles((*s)->roles);
    if (current) change.current = *current;
    change.supervisor_scope = scope;
    if (auto ok = may_manage_staff(actor_of(*who), change); !ok) return http::problem(ok.error());
    const auto roles = grant->names();
    const std::string scope_field =
        grant->contains(Role::supervisor) ? std::string(to_string(scope)) : std::string();
    auto v = subjects_.update(id, if_match(req),
                              {{"roles", join_words(roles)},
                               {"supervisor_scope", scope_field},
                               {"updated_at", to_rfc3339(clock_.now())}},
                              event("tongban.identity.staff_roles_changed.v1", id,
                                    {{"subject_id", id},
                                     {"roles", boost::json::value_from(roles)},
                                     {"previous_roles", boost::json::value_from((*s)->roles)},
                                     {"changed_by", who->subject()}},
                                    req));
    if (!v) return http::problem(v.error());
    // Tokens carry roles: the old ones must stop working now, not in 15 minutes.
    (void)publish_revocation(
        service::kSubjectRevokedType, id,
        {{"subject_id", id}, {"before", to_rfc3339(clock_.now())}, {"reason", "roles_changed"}},
        req);
    return as_written(subjects_, id, v);
  });

  r.post("/v1/subjects/{id}/assurance", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    json::Reader in(*body);
    auto level = in.integer("level", 1, 3);
    if (!level) return http::problem(level.error());
    auto s = subjects_.find(id);
    if (!s) return http::problem(s.error());
    if (!*s || (*s)->type != "citizen") return http::problem(hidden(id));
    const auto& c = **s;
    AssuranceEvidence evidence;
    if (*level == kAssuranceVerifiedId) {
      if (who->subject() != c.id) return http::problem(hidden(id));
      auto name = in.string("name", 1, 64);
      if (!name) return http::problem(name.error());
      auto number = in.string("id_number", 1, 18);
      if (!number) return http::problem(number.error());
      evidence.id_match = IdMatch{*name, *number, c.name, c.login};
    } else if (*level == kAssuranceInPerson) {
      auto name = in.string("document_name", 1, 64);
      if (!name) return http::problem(name.error());
      auto number = in.string("document_id_number", 1, 18);
      if (!number) return http::problem(number.error());
      InPersonCheck check;
      check.recorder_roles = actor_of(*who).roles;
      check.recorder_city = (*who)->city;
      check.document_name = *name;
      check.document_id_number = *number;
      check.registered_name = c.name;
      check.registered_id_number = c.login;
      evidence.in_person = check;
    }
    auto raised = raise_assurance(c.assurance, static_cast<int>(*level), evidence);
    if (!raised) return http::problem(raised.error());
    auto v = subjects_.update(
        id, if_match(req),
        {{"assurance", std::to_string(*raised)}, {"updated_at", to_rfc3339(clock_.now())}},
        event("tongban.identity.assurance_raised.v1", id,
              {{"subject_id", id},
               {"from", c.assurance},
               {"to", *raised},
               {"recorded_by", who->subject()}},
              req));
    return as_written(subjects_, id, v);
  });

  // Ends every session of a subject: the subject itself, or a platform admin.
  r.post("/v1/subjects/{id}/revocations", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    if (who->subject() != id && !who->has_role("platform_admin")) {
      return http::problem(hidden(id));
    }
    auto s = subjects_.find(id);
    if (!s) return http::problem(s.error());
    if (!*s) return http::problem(hidden(id));
    if (auto r2 = publish_revocation(service::kSubjectRevokedType, id,
                                     {{"subject_id", id},
                                      {"before", to_rfc3339(clock_.now())},
                                      {"reason", "requested"},
                                      {"requested_by", who->subject()}},
                                     req);
        !r2) {
      return http::problem(r2.error());
    }
    return http::Response::empty(202);
  });

  r.post("/v1/signing-keys/rotations", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("platform_admin")) {
      return http::problem(Error{Errc::forbidden, "only a platform_admin rotates keys", "roles",
                                 "not_platform_admin", false});
    }
    auto kid = keys_.rotate();
    if (!kid) return http::problem(kid.error());
    return http::Response::json(201, boost::json::object{{"kid", *kid}});
  });
}

}  // namespace tongban::identity

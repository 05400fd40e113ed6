// Registering subjects: citizens and enterprises register themselves; staff and service
// accounts are created by administrators.
#include <boost/json/array.hpp>

#include "domain/password_policy.hpp"
#include "domain/subject.hpp"
#include "identity.hpp"
#include "tongban/auth/base64url.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::identity {
namespace {

std::chrono::year_month_day today(const Clock& clock) {
  return std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(clock.now()));
}

http::Response created(const SubjectRecord& s, boost::json::object extra = {}) {
  auto body = s.to_json();
  for (auto& kv : extra) body[kv.key()] = kv.value();
  auto res = http::Response::json(201, body);
  res.set_header("Location", "/v1/subjects/" + s.id);
  return res;
}

}  // namespace

void Identity::add_registration_routes() {
  auto& r = svc_.router();

  r.post("/v1/citizens", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto reg = read_citizen_registration(*body, today(clock_));
    if (!reg) return http::problem(reg.error());
    if (auto ok = check_password(reg->password, {reg->id.number, reg->phone}); !ok) {
      return http::problem(ok.error());
    }
    SubjectRecord s;
    s.type = "citizen";
    s.login = reg->id.number;
    s.name = reg->name;
    s.city = reg->household_city;
    s.phone = reg->phone;
    s.roles = {"citizen"};
    s.assurance = 1;
    auto out = create_subject(std::move(s), reg->password, req);
    if (!out) return http::problem(out.error());
    return created(*out);
  });

  r.post("/v1/enterprises", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto reg = read_enterprise_registration(*body);
    if (!reg) return http::problem(reg.error());
    if (auto ok = check_password(reg->password, {reg->credit_code.code}); !ok) {
      return http::problem(ok.error());
    }
    SubjectRecord s;
    s.type = "enterprise";
    s.login = reg->credit_code.code;
    s.name = reg->name;
    s.city = reg->city;
    s.roles = {"enterprise"};
    s.assurance = 1;
    s.extra["legal_representative"] = reg->legal_representative;
    auto out = create_subject(std::move(s), reg->password, req);
    if (!out) return http::problem(out.error());
    return created(*out);
  });

  r.post("/v1/staff", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto reg = read_staff_registration(*body);
    if (!reg) return http::problem(reg.error());
    StaffChange change;
    change.target_city = reg->city;
    change.target_department = reg->department;
    change.grant = reg->roles;
    change.supervisor_scope = reg->supervisor_scope.value_or(SupervisorScope::city);
    if (auto ok = may_manage_staff(actor_of(*who), change); !ok) return http::problem(ok.error());
    if (auto ok = check_password(reg->password, {reg->login}); !ok) {
      return http::problem(ok.error());
    }
    SubjectRecord s;
    s.type = "staff";
    s.login = reg->login;
    s.name = reg->name;
    s.city = reg->city;
    s.department = reg->department;
    s.roles = reg->roles.names();
    if (reg->roles.contains(Role::supervisor)) {
      s.supervisor_scope = std::string(to_string(change.supervisor_scope));
    }
    s.assurance = 3;  // staff are enrolled in person by their administrator
    s.extra["created_by"] = who->subject();
    auto out = create_subject(std::move(s), reg->password, req);
    if (!out) return http::problem(out.error());
    return created(*out);
  });

  r.post("/v1/service-accounts", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    if (!who->has_role("platform_admin")) {
      return http::problem(Error{Errc::forbidden, "only a platform_admin creates service accounts",
                                 "roles", "not_platform_admin", false});
    }
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto reg = read_service_account_registration(*body);
    if (!reg) return http::problem(reg.error());
    // The secret is shown once, in this response; only its argon2id hash is kept.
    const std::string secret = ids::random_hex(32);
    SubjectRecord s;
    s.type = "service";
    s.login = reg->client_id;
    s.name = reg->name;
    s.scopes = reg->scopes;
    s.assurance = 0;
    auto out = create_subject(std::move(s), secret, req);
    if (!out) return http::problem(out.error());
    return created(*out, {{"client_secret", secret}});
  });
}

}  // namespace tongban::identity

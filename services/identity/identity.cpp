#include "identity.hpp"

#include <boost/json/serialize.hpp>

#include "tokens/passwords.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/transaction.hpp"

namespace tongban::identity {

Identity::Identity(service::Service& svc, IdentityOptions options, const Clock& clock)
    : svc_(svc),
      options_(std::move(options)),
      clock_(clock),
      keys_(svc.redis(), clock, options_.keys),
      subjects_(svc.redis()),
      sessions_(svc.redis(), clock, options_.refresh_ttl) {}

Result<void> Identity::start() {
  if (auto r = keys_.load(); !r) return r;
  add_registration_routes();
  add_session_routes();
  add_subject_routes();
  svc_.router().get("/.well-known/jwks.json",
                    [this](http::Request&) {
                      auto res =
                          http::Response::text(200, keys_.jwks_json(), "application/jwk-set+json");
                      res.set_header("Cache-Control", "public, max-age=60");
                      return res;
                    },
                    {.inline_io = true});
  return {};
}

Result<void> Identity::ensure_platform_admin(const std::string& login,
                                             const std::string& password) {
  auto existing = subjects_.find_by_login("staff", login);
  if (!existing) return fail(std::move(existing.error()));
  if (*existing) return {};
  SubjectRecord s;
  s.type = "staff";
  s.login = login;
  s.name = "Platform administrator";
  s.roles = {"platform_admin"};
  s.assurance = 3;
  http::Request origin;  // no request caused this: a trace of its own
  origin.trace = TraceContext::start();
  auto created = create_subject(std::move(s), password, origin);
  if (!created && created.error().code != Errc::conflict) return fail(std::move(created.error()));
  return {};
}

Result<auth::Principal> Identity::caller(const http::Request& req) {
  return svc_.authenticate(req);
}

Actor Identity::actor_of(const auth::Principal& p) {
  Actor a;
  for (const auto& name : p->roles) {
    if (auto role = parse_role(name)) a.roles.insert(*role);
  }
  a.city = p->city;
  a.department = p->department;
  return a;
}

store::OutboxMessage Identity::event(std::string_view type, const std::string& subject_id,
                                     boost::json::object data, const http::Request& req) const {
  auto e = bus::Envelope::make("/tongban/identity", std::string(type), subject_id, std::move(data),
                               clock_);
  return store::OutboxMessage{std::string(kSubjectsTopic), subject_id, bus::encode(e),
                              req.trace.header()};
}

Result<void> Identity::publish_revocation(std::string_view type, const std::string& key,
                                          boost::json::object data, const http::Request& req) {
  auto e =
      bus::Envelope::make("/tongban/identity", std::string(type), key, std::move(data), clock_);
  store::Transaction tx;
  tx.add_outbox(store::Keyspace("identity").outbox(),
                store::OutboxMessage{std::string(service::kRevocationTopic), key, bus::encode(e),
                                     req.trace.header()});
  auto r = tx.exec(svc_.redis());
  if (!r) return fail(std::move(r.error()));
  return {};
}

Result<SubjectRecord> Identity::create_subject(SubjectRecord s, const std::string& secret,
                                               const http::Request& req) {
  auto hash = hash_secret(secret);
  if (!hash) return fail(std::move(hash.error()));
  s.secret_hash = std::move(*hash);
  s.id = ids::uuid_v7();
  s.created_at = s.updated_at = to_rfc3339(clock_.now());
  s.version = 1;
  boost::json::object data = s.to_json();
  auto r = subjects_.create(s, event("tongban.identity.subject_registered.v1", s.id, data, req));
  if (!r) return fail(std::move(r.error()));
  log::info("subject registered", {{"subject_id", s.id}, {"type", s.type}, {"city", s.city}});
  return s;
}

Result<Identity::IssuedTokens> Identity::issue_access_token(const SubjectRecord& s) {
  const auto now = clock_.now();
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  IssuedTokens out;
  out.jti = ids::uuid_v7();
  out.expires_at = now + options_.access_ttl;
  boost::json::object claims{{"iss", options_.issuer},
                             {"aud", options_.audience},
                             {"sub", s.id},
                             {"sub_type", s.type},
                             {"iat", iat},
                             {"exp", iat + options_.access_ttl.count()},
                             {"jti", out.jti}};
  boost::json::array roles;
  for (const auto& r : s.roles) roles.push_back(boost::json::string(r));
  claims["roles"] = std::move(roles);
  if (!s.city.empty()) claims["city"] = s.city;
  if (!s.department.empty()) claims["dept"] = s.department;
  // A supervisor's reach (SPEC §3.1: city or province scope) travels as an OAuth scope, so a
  // service decides from the token alone whose cases the supervisor may see.
  auto scopes = s.scopes;
  if (!s.supervisor_scope.empty()) scopes.push_back("supervision:" + s.supervisor_scope);
  if (!scopes.empty()) claims["scope"] = join_words(scopes);
  if (s.type != "service") claims["acr"] = "L" + std::to_string(s.assurance);
  auto token = keys_.sign(claims);
  if (!token) return fail(std::move(token.error()));
  out.access_token = std::move(*token);
  return out;
}

http::Response Identity::token_response(const SubjectRecord& s, const std::string* refresh) {
  auto issued = issue_access_token(s);
  if (!issued) return http::problem(issued.error());
  boost::json::object body{{"access_token", issued->access_token},
                           {"token_type", "Bearer"},
                           {"expires_in", options_.access_ttl.count()},
                           {"subject_id", s.id}};
  if (refresh) body["refresh_token"] = *refresh;
  auto res = http::Response::json(200, body);
  res.set_header("Cache-Control", "no-store");
  return res;
}

}  // namespace tongban::identity

// Logging in and out: passwords with throttling and lockout, rotating refresh tokens
// with reuse detection, client credentials, revocation on logout.
#include <variant>

#include "identity.hpp"
#include "tokens/passwords.hpp"
#include "tongban/core/json.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::identity {
namespace {

Error bad_credentials() {
  // One answer for unknown login and wrong password: no account enumeration.
  return Error{Errc::unauthenticated, "login or password is wrong", "password",
               "invalid_credentials", false};
}

http::Response throttled(std::chrono::seconds retry_after, std::string_view rule,
                         std::string message) {
  auto res = http::problem(
      Error{Errc::too_many_requests, std::move(message), "login", std::string(rule), true});
  res.set_header("Retry-After", std::to_string(std::max<long long>(1, retry_after.count())));
  return res;
}

std::string client_ip(const http::Request& req) { return req.remote.empty() ? "-" : req.remote; }

}  // namespace

void Identity::add_session_routes() {
  auto& r = svc_.router();

  r.post("/v1/sessions", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    json::Reader in(*body);
    auto type = in.one_of("subject_type", {"citizen", "enterprise", "staff"});
    if (!type) return http::problem(type.error());
    auto login = in.string("login", 1, 64);
    if (!login) return http::problem(login.error());
    auto password = in.string("password", 1, 128);
    if (!password) return http::problem(password.error());
    // Citizens type the check character in either case; stored upper-case.
    std::string key = *login;
    if (*type != "staff") {
      for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }

    const auto ip = client_ip(req);
    auto found = subjects_.find_by_login(*type, key);
    if (!found) return http::problem(found.error());
    const std::string account = *found ? (*found)->id : std::string();
    auto acct_failures = account.empty()
                             ? Result<std::vector<Clock::time_point>>{}
                             : sessions_.failures(account, options_.lockout.lockout_memory);
    auto ip_fails = sessions_.ip_failures(ip, options_.lockout.ip_window);
    if (!acct_failures) return http::problem(acct_failures.error());
    if (!ip_fails) return http::problem(ip_fails.error());
    const auto decision = decide_login(options_.lockout, *acct_failures, *ip_fails, clock_.now());
    if (const auto* locked = std::get_if<Locked>(&decision)) {
      const auto left = std::chrono::ceil<std::chrono::seconds>(locked->until - clock_.now());
      return throttled(
          left, "account_locked",
          "too many failed logins: the account is locked until " + to_rfc3339(locked->until));
    }
    if (const auto* slow = std::get_if<Throttled>(&decision)) {
      return throttled(slow->retry_after, "too_many_attempts",
                       "too many failed logins from this address; retry later");
    }

    if (!*found) {
      burn_verification_time();
      (void)sessions_.record_failure("", ip);
      return http::problem(bad_credentials());
    }
    const auto& s = **found;
    if (!verify_secret(s.secret_hash, *password)) {
      (void)sessions_.record_failure(s.id, ip);
      log::info("login failed", {{"subject_id", s.id}, {"ip", ip}});
      return http::problem(bad_credentials());
    }
    if (s.status != "active") {
      return http::problem(Error{Errc::forbidden, "this account is " + s.status, "login",
                                 "account_disabled", false});
    }
    (void)sessions_.clear_failures(s.id);
    auto grant = sessions_.issue(s.id);
    if (!grant) return http::problem(grant.error());
    return token_response(s, &grant->token);
  });

  r.post("/v1/sessions/refresh", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto token = json::Reader(*body).string("refresh_token", 1, 256);
    if (!token) return http::problem(token.error());
    auto rot = sessions_.rotate(*token);
    if (!rot) return http::problem(rot.error());
    const auto invalid = [](std::string rule, std::string msg) {
      return http::problem(
          Error{Errc::unauthenticated, std::move(msg), "refresh_token", std::move(rule), false});
    };
    switch (rot->outcome) {
      case RotateOutcome::unknown:
        return invalid("unknown_refresh_token", "refresh token is not known");
      case RotateOutcome::expired:
        return invalid("refresh_token_expired", "refresh token has expired; log in again");
      case RotateOutcome::family_revoked:
        return invalid("refresh_token_revoked", "this session was revoked; log in again");
      case RotateOutcome::reused: {
        // A rotated token came back: someone holds a copy. End every session of the
        // subject, access tokens included.
        log::warn("refresh token reuse; revoking the subject's tokens",
                  {{"subject_id", rot->subject_id}, {"family", rot->family}});
        (void)publish_revocation(service::kSubjectRevokedType, rot->subject_id,
                                 {{"subject_id", rot->subject_id},
                                  {"before", to_rfc3339(clock_.now())},
                                  {"reason", "refresh_token_reuse"}},
                                 req);
        return invalid("refresh_token_reused",
                       "refresh token was already used; every session of this account is "
                       "revoked");
      }
      case RotateOutcome::rotated:
        break;
    }
    auto s = subjects_.find(rot->subject_id);
    if (!s) return http::problem(s.error());
    if (!*s || (*s)->status != "active") {
      return invalid("refresh_token_revoked", "the account is no longer active");
    }
    return token_response(**s, &rot->next.token);
  });

  r.post("/v1/sessions/client-credentials", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    json::Reader in(*body);
    auto id = in.string("client_id", 1, 64);
    if (!id) return http::problem(id.error());
    auto secret = in.string("client_secret", 1, 256);
    if (!secret) return http::problem(secret.error());
    auto found = subjects_.find_by_login("service", *id);
    if (!found) return http::problem(found.error());
    if (!*found) {
      burn_verification_time();
      return http::problem(Error{Errc::unauthenticated, "client_id or client_secret is wrong",
                                 "client_secret", "invalid_client", false});
    }
    if (!verify_secret((*found)->secret_hash, *secret)) {
      return http::problem(Error{Errc::unauthenticated, "client_id or client_secret is wrong",
                                 "client_secret", "invalid_client", false});
    }
    return token_response(**found, nullptr);
  });

  // Logout: the presented access token is revoked everywhere within seconds, and the
  // refresh token's family (if given) can no longer be exchanged.
  r.del("/v1/sessions/current", [this](http::Request& req) {
    auto who = caller(req);
    if (!who) return http::problem(who.error());
    if (!req.body.empty()) {
      auto body = http::json_body(req);
      if (!body) return http::problem(body.error());
      auto refresh = json::Reader(*body).optional_string("refresh_token", 256);
      if (!refresh) return http::problem(refresh.error());
      if (*refresh) {
        auto family = sessions_.family_of(**refresh);
        if (!family) return http::problem(family.error());
        if (*family) (void)sessions_.revoke_family(**family);
      }
    }
    const auto exp = Clock::time_point(std::chrono::seconds((*who)->exp));
    if (auto r2 = publish_revocation(
            service::kTokenRevokedType, (*who)->jti,
            {{"jti", (*who)->jti}, {"subject_id", who->subject()}, {"expires_at", to_rfc3339(exp)}},
            req);
        !r2) {
      return http::problem(r2.error());
    }
    return http::Response::empty(204);
  });
}

}  // namespace tongban::identity

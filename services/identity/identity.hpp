// The identity service (统一身份认证): what its handlers share, and how routes are added.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "domain/lockout.hpp"
#include "domain/roles.hpp"
#include "repo/session_repo.hpp"
#include "repo/subject_repo.hpp"
#include "tokens/key_ring.hpp"
#include "tongban/auth/claims.hpp"
#include "tongban/http/message.hpp"
#include "tongban/service/service.hpp"
#include "tongban/store/outbox_message.hpp"

namespace tongban::identity {

inline constexpr std::string_view kSubjectsTopic = "tongban.identity.subjects.v1";

struct IdentityOptions {
  std::chrono::seconds access_ttl{15 * 60};
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};
  std::string issuer = "tongban-identity";
  std::string audience = "tongban";
  LockoutPolicy lockout;
  KeyRingOptions keys;
};

class Identity {
 public:
  Identity(service::Service& svc, IdentityOptions options, const Clock& clock = Clock::system());

  // Loads the signing keys (creating the first one), then adds every route.
  Result<void> start();
  // Creates the platform admin named by the environment if it does not exist yet.
  Result<void> ensure_platform_admin(const std::string& login, const std::string& password);

  KeyRing& keys() { return keys_; }
  SubjectRepo& subjects() { return subjects_; }

 private:
  void add_registration_routes();
  void add_session_routes();
  void add_subject_routes();

  // The authenticated caller as the domain sees it; errors are 401.
  Result<auth::Principal> caller(const http::Request& req);
  static Actor actor_of(const auth::Principal& p);

  struct IssuedTokens {
    std::string access_token;
    std::string jti;
    Clock::time_point expires_at;
  };
  Result<IssuedTokens> issue_access_token(const SubjectRecord& s);
  http::Response token_response(const SubjectRecord& s, const std::string* refresh_token);

  store::OutboxMessage event(std::string_view type, const std::string& subject_id,
                             boost::json::object data, const http::Request& req) const;
  Result<void> publish_revocation(std::string_view type, const std::string& key,
                                  boost::json::object data, const http::Request& req);
  Result<SubjectRecord> create_subject(SubjectRecord s, const std::string& secret,
                                       const http::Request& req);

  service::Service& svc_;
  IdentityOptions options_;
  const Clock& clock_;
  KeyRing keys_;
  SubjectRepo subjects_;
  SessionRepo sessions_;
};

}  // namespace tongban::identity

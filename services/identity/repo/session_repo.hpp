// Refresh tokens (opaque, rotating, grouped in families) and login failures in Redis.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::identity {

struct RefreshGrant {
  std::string token;  // the opaque value handed to the client, once
  std::string family;
};

enum class RotateOutcome { rotated, unknown, expired, reused, family_revoked };

struct Rotation {
  RotateOutcome outcome = RotateOutcome::unknown;
  std::string subject_id;
  std::string family;
  RefreshGrant next;  // when rotated
};

class SessionRepo {
 public:
  SessionRepo(store::Redis& redis, const Clock& clock, std::chrono::seconds refresh_ttl);

  // A new family for a fresh login.
  Result<RefreshGrant> issue(const std::string& subject_id);
  // Exchanges a refresh token for its successor, atomically. Presenting a token that was
  // already exchanged is reuse: the whole family is revoked (the caller then revokes the
  // subject's access tokens too).
  Result<Rotation> rotate(const std::string& token);
  Result<void> revoke_family(const std::string& family);
  // The family of a live refresh token (for logout), if any.
  Result<std::optional<std::string>> family_of(const std::string& token);

  Result<void> record_failure(const std::string& account, const std::string& ip);
  Result<std::vector<Clock::time_point>> failures(const std::string& account,
                                                  std::chrono::seconds within);
  Result<std::vector<Clock::time_point>> ip_failures(const std::string& ip,
                                                     std::chrono::seconds within);
  Result<void> clear_failures(const std::string& account);

 private:
  Result<std::vector<Clock::time_point>> read_times(const std::string& key,
                                                    std::chrono::seconds within);
  store::Redis& redis_;
  const Clock& clock_;
  std::chrono::seconds refresh_ttl_;
};

}  // namespace tongban::identity

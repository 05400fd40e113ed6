#include "tongban/auth/revocation_list.hpp"

#include <mutex>

#include "tongban/auth/claims.hpp"

namespace tongban::auth {
namespace {

constexpr std::chrono::seconds kPurgeSlack{300};

std::int64_t seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

RevocationList::Stripe& RevocationList::stripe(std::string_view key) const {
  return stripes_[Hash{}(key) % kStripes];
}

void RevocationList::revoke_token(std::string_view jti, Clock::time_point expires_at) {
  if (jti.empty()) return;
  auto& s = stripe(jti);
  std::unique_lock lock(s.mu);
  auto [it, inserted] = s.jtis.try_emplace(std::string(jti), seconds(expires_at));
  if (inserted) {
    entries_.fetch_add(1, std::memory_order_relaxed);
  } else if (it->second < seconds(expires_at)) {
    it->second = seconds(expires_at);
  }
}

void RevocationList::revoke_subject_before(std::string_view sub, Clock::time_point before) {
  if (sub.empty()) return;
  auto& s = stripe(sub);
  std::unique_lock lock(s.mu);
  auto [it, inserted] = s.subjects.try_emplace(std::string(sub), seconds(before));
  if (inserted) {
    entries_.fetch_add(1, std::memory_order_relaxed);
  } else if (it->second < seconds(before)) {
    it->second = seconds(before);
  }
}

bool RevocationList::is_token_revoked(std::string_view jti) const {
  if (jti.empty() || entries_.load(std::memory_order_relaxed) == 0) return false;
  auto& s = stripe(jti);
  std::shared_lock lock(s.mu);
  return s.jtis.find(jti) != s.jtis.end();
}

bool RevocationList::is_revoked(const Claims& claims) const {
  if (entries_.load(std::memory_order_relaxed) == 0) return false;
  if (is_token_revoked(claims.jti)) return true;
  auto& s = stripe(claims.sub);
  std::shared_lock lock(s.mu);
  auto it = s.subjects.find(claims.sub);
  return it != s.subjects.end() && claims.iat <= it->second;
}

std::size_t RevocationList::purge(Clock::time_point now, std::chrono::seconds max_token_lifetime) {
  // Verifiers accept a token up to its exp plus their leeway: keep entries a while longer.
  const std::int64_t t = seconds(now) - kPurgeSlack.count();
  const std::int64_t oldest_valid_iat = t - max_token_lifetime.count();
  std::size_t removed = 0;
  for (auto& s : stripes_) {
    std::unique_lock lock(s.mu);
    removed += std::erase_if(s.jtis, [&](const auto& e) { return e.second < t; });
    removed +=
        std::erase_if(s.subjects, [&](const auto& e) { return e.second < oldest_valid_iat; });
  }
  entries_.fetch_sub(removed, std::memory_order_relaxed);
  return removed;
}

}  // namespace tongban::auth

#include "domain/lockout.hpp"

#include <algorithm>
#include <deque>
#include <optional>
#include <vector>

namespace tongban::identity {

std::chrono::seconds lock_duration(const LockoutPolicy& policy, int n) {
  auto d = policy.base_lock;
  for (int i = 1; i < n && d < policy.max_lock; ++i) d *= 2;
  return std::min(d, policy.max_lock);
}

LoginDecision decide_login(const LockoutPolicy& policy,
                           std::span<const Clock::time_point> account_failures,
                           std::span<const Clock::time_point> ip_failures, Clock::time_point now) {
  std::vector<Clock::time_point> failures(account_failures.begin(), account_failures.end());
  std::sort(failures.begin(), failures.end());

  // Replay: a streak of failures within the window; reaching max_failures starts a lockout
  // at the last failure and empties the streak.
  std::deque<Clock::time_point> streak;
  std::optional<Clock::time_point> lock_until;
  int lockouts = 0;
  for (auto t : failures) {
    if (t > now) break;
    if (lock_until && t < *lock_until) continue;
    while (!streak.empty() && *streak.begin() <= t - policy.window) streak.pop_front();
    streak.push_back(t);
    if (static_cast<int>(streak.size()) < policy.max_failures) continue;
    if (lock_until && t - *lock_until > policy.lockout_memory) lockouts = 0;
    ++lockouts;
    lock_until = t + lock_duration(policy, lockouts);
    streak.clear();
  }
  if (lock_until && now < *lock_until) return Locked{*lock_until, lockouts};

  std::vector<Clock::time_point> recent;
  for (auto t : ip_failures) {
    if (t <= now && t > now - policy.ip_window) recent.push_back(t);
  }
  if (policy.ip_max_failures > 0 && static_cast<int>(recent.size()) >= policy.ip_max_failures) {
    std::sort(recent.begin(), recent.end());
    // Attempts resume when the count in the window drops below the limit: once the
    // (count - limit + 1)-th oldest failure leaves the window.
    const auto leaves =
        recent[recent.size() - static_cast<std::size_t>(policy.ip_max_failures)] + policy.ip_window;
    auto wait = std::chrono::ceil<std::chrono::seconds>(leaves - now);
    return Throttled{std::max(wait, std::chrono::seconds(1))};
  }
  return Allowed{};
}

}  // namespace tongban::identity

// Login throttling as a pure decision over the recorded failures of an account and of a
// source address: allowed, account locked until a time, or address throttled for a while.
#pragma once

#include <chrono>
#include <span>
#include <variant>

#include "tongban/core/clock.hpp"

namespace tongban::identity {

struct LockoutPolicy {
  // max_failures failures within `window` lock the account...
  int max_failures = 5;
  std::chrono::seconds window = std::chrono::minutes(15);
  // ...for base_lock, doubling with each further lockout, capped at max_lock.
  std::chrono::seconds base_lock = std::chrono::minutes(15);
  std::chrono::seconds max_lock = std::chrono::hours(24);
  // A lockout ending longer than this before the next one starts no longer doubles it.
  std::chrono::seconds lockout_memory = std::chrono::hours(24);
  // ip_max_failures failures from one address within ip_window throttle the address.
  int ip_max_failures = 50;
  std::chrono::seconds ip_window = std::chrono::minutes(15);
};

struct Allowed {
  friend bool operator==(const Allowed&, const Allowed&) = default;
};
struct Locked {
  Clock::time_point until;
  int lockouts = 0;  // consecutive lockouts counted for doubling, this one included
  friend bool operator==(const Locked&, const Locked&) = default;
};
struct Throttled {
  std::chrono::seconds retry_after{0};  // rounded up; at least 1 s
  friend bool operator==(const Throttled&, const Throttled&) = default;
};
using LoginDecision = std::variant<Allowed, Locked, Throttled>;

// Decides whether a login attempt made at `now` may be checked at all.
//
// `account_failures` and `ip_failures` are the recorded failed attempts (any order). The
// caller records a failure only for attempts that were allowed and failed, and clears the
// account's failures on a successful login (which also resets the doubling). Failures that
// fall inside a lockout are ignored, as are failures after `now`. The account's history is
// replayed from the start, so the caller keeps at least lockout_memory + max_lock of it.
//
// A locked account wins over a throttled address: it is the longer wait.
LoginDecision decide_login(const LockoutPolicy& policy,
                           std::span<const Clock::time_point> account_failures,
                           std::span<const Clock::time_point> ip_failures, Clock::time_point now);

// Length of the n-th consecutive lockout (n from 1).
std::chrono::seconds lock_duration(const LockoutPolicy& policy, int n);

}  // namespace tongban::identity

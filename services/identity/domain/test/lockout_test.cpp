#include "domain/lockout.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tongban::identity {
namespace {

using namespace std::chrono_literals;
using TimePoint = Clock::time_point;

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

std::vector<TimePoint> at(std::initializer_list<std::chrono::seconds> offsets) {
  std::vector<TimePoint> out;
  for (auto o : offsets) out.push_back(kT0 + o);
  return out;
}

LoginDecision account(const std::vector<TimePoint>& failures, TimePoint now,
                      const LockoutPolicy& policy = {}) {
  return decide_login(policy, failures, {}, now);
}

TEST(Lockout, allows_an_account_without_failures) {
  EXPECT_EQ(account({}, kT0), LoginDecision(Allowed{}));
}

TEST(Lockout, allows_four_failures_in_the_window) {
  EXPECT_EQ(account(at({0s, 60s, 120s, 180s}), kT0 + 181s), LoginDecision(Allowed{}));
}

TEST(Lockout, the_fifth_failure_in_the_window_locks_for_fifteen_minutes) {
  const auto f = at({0s, 60s, 120s, 180s, 240s});
  EXPECT_EQ(account(f, kT0 + 241s), LoginDecision(Locked{kT0 + 240s + 15min, 1}));
  EXPECT_EQ(account(f, kT0 + 240s + 15min - 1s), LoginDecision(Locked{kT0 + 240s + 15min, 1}));
  EXPECT_EQ(account(f, kT0 + 240s + 15min), LoginDecision(Allowed{}));
}

TEST(Lockout, failures_spread_wider_than_the_window_do_not_lock) {
  // Five failures, but never five within 15 minutes.
  EXPECT_EQ(account(at({0s, 300s, 600s, 899s, 900s}), kT0 + 901s), LoginDecision(Allowed{}));
  EXPECT_EQ(account(at({0s, 240s, 480s, 720s, 960s, 1200s}), kT0 + 1201s),
            LoginDecision(Allowed{}));
}

TEST(Lockout, order_of_the_history_does_not_matter) {
  EXPECT_EQ(account(at({240s, 0s, 180s, 60s, 120s}), kT0 + 241s),
            LoginDecision(Locked{kT0 + 240s + 15min, 1}));
}

TEST(Lockout, failures_during_a_lock_are_ignored) {
  auto f = at({0s, 1s, 2s, 3s, 4s, 5s, 6s, 7s, 8s});
  EXPECT_EQ(account(f, kT0 + 10s), LoginDecision(Locked{kT0 + 4s + 15min, 1}));
}

TEST(Lockout, each_further_lockout_doubles_up_to_a_day) {
  std::vector<TimePoint> f;
  TimePoint t = kT0;
  std::vector<std::chrono::seconds> seen;
  for (int n = 1; n <= 9; ++n) {
    for (int i = 0; i < 5; ++i) f.push_back(t + std::chrono::seconds(i));
    auto d = account(f, t + 5s);
    ASSERT_TRUE(std::holds_alternative<Locked>(d)) << n;
    const auto& l = std::get<Locked>(d);
    EXPECT_EQ(l.lockouts, n);
    seen.push_back(std::chrono::duration_cast<std::chrono::seconds>(l.until - (t + 4s)));
    t = l.until + 1s;  // the attacker comes back as soon as the lock ends
  }
  const std::vector<std::chrono::seconds> expected = {15min,  30min,  60min, 120min, 240min,
                                                      480min, 960min, 24h,   24h};
  EXPECT_EQ(seen, expected);
}

TEST(Lockout, doubling_is_forgotten_after_a_quiet_day) {
  std::vector<TimePoint> f = at({0s, 1s, 2s, 3s, 4s});  // lock 1 until 4s + 15m
  const TimePoint quiet = kT0 + 4s + 15min + 24h + 1s;
  for (int i = 0; i < 5; ++i) f.push_back(quiet + std::chrono::seconds(i));
  EXPECT_EQ(account(f, quiet + 5s), LoginDecision(Locked{quiet + 4s + 15min, 1}));
}

TEST(Lockout, doubling_remembered_within_the_day) {
  std::vector<TimePoint> f = at({0s, 1s, 2s, 3s, 4s});
  const TimePoint later = kT0 + 4s + 15min + 23h;
  for (int i = 0; i < 5; ++i) f.push_back(later + std::chrono::seconds(i));
  EXPECT_EQ(account(f, later + 5s), LoginDecision(Locked{later + 4s + 30min, 2}));
}

TEST(Lockout, failures_in_the_future_are_ignored) {
  EXPECT_EQ(account(at({0s, 1s, 2s, 3s, 100s}), kT0 + 10s), LoginDecision(Allowed{}));
}

TEST(Lockout, fifty_failures_from_one_address_throttle_it) {
  const LockoutPolicy policy;
  std::vector<TimePoint> ip;
  for (int i = 0; i < 49; ++i) ip.push_back(kT0 + std::chrono::seconds(i * 10));
  const auto now = kT0 + 500s;
  EXPECT_EQ(decide_login(policy, {}, ip, now), LoginDecision(Allowed{}));
  ip.push_back(kT0 + 495s);
  // The oldest (kT0) leaves the window at kT0 + 900s: 400 s from now.
  EXPECT_EQ(decide_login(policy, {}, ip, now), LoginDecision(Throttled{400s}));
  // Two over the limit: the second oldest (kT0 + 10s) must leave too.
  ip.push_back(kT0 + 499s);
  EXPECT_EQ(decide_login(policy, {}, ip, now), LoginDecision(Throttled{410s}));
  EXPECT_EQ(decide_login(policy, {}, ip, kT0 + 910s), LoginDecision(Allowed{}));
}

TEST(Lockout, throttling_waits_at_least_one_second_rounded_up) {
  LockoutPolicy policy;
  policy.ip_max_failures = 2;
  policy.ip_window = 10s;
  const std::vector<TimePoint> ip = {kT0, kT0 + 1s};
  EXPECT_EQ(decide_login(policy, {}, ip, kT0 + 9s + 500ms), LoginDecision(Throttled{1s}));
  EXPECT_EQ(decide_login(policy, {}, ip, kT0 + 9s + 999ms), LoginDecision(Throttled{1s}));
  EXPECT_EQ(decide_login(policy, {}, ip, kT0 + 1500ms), LoginDecision(Throttled{9s}));
}

TEST(Lockout, a_locked_account_wins_over_a_throttled_address) {
  LockoutPolicy policy;
  policy.ip_max_failures = 5;
  const auto f = at({0s, 1s, 2s, 3s, 4s});
  EXPECT_EQ(decide_login(policy, f, f, kT0 + 5s), LoginDecision(Locked{kT0 + 4s + 15min, 1}));
}

TEST(Lockout, the_address_limit_applies_to_accounts_without_failures) {
  LockoutPolicy policy;
  policy.ip_max_failures = 3;
  const auto ip = at({0s, 1s, 2s});
  EXPECT_EQ(decide_login(policy, {}, ip, kT0 + 3s), LoginDecision(Throttled{897s}));
}

TEST(Lockout, lock_duration_doubles_and_caps) {
  const LockoutPolicy policy;
  EXPECT_EQ(lock_duration(policy, 1), 15min);
  EXPECT_EQ(lock_duration(policy, 2), 30min);
  EXPECT_EQ(lock_duration(policy, 7), 960min);
  EXPECT_EQ(lock_duration(policy, 8), 24h);
  EXPECT_EQ(lock_duration(policy, 1000), 24h);
}

}  // namespace
}  // namespace tongban::identity

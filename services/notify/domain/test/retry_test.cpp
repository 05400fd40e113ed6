#include "domain/retry.hpp"

#include <gtest/gtest.h>

namespace tongban::notify {
namespace {

using std::chrono::milliseconds;

TEST(Retry, the_wait_doubles_per_failure_within_half_to_full_of_the_nominal_delay) {
  const RetryPolicy p{10, milliseconds(1000), milliseconds(60000)};
  long long nominal = 1000;
  for (int failed = 1; failed < 10; ++failed) {
    auto d = next_delay(p, failed, "d-1");
    ASSERT_TRUE(d) << failed;
    const long long expected = std::min(nominal, 60000LL);
    EXPECT_GE(d->count(), expected / 2) << failed;
    EXPECT_LE(d->count(), expected) << failed;
    nominal *= 2;
  }
}

TEST(Retry, the_wait_never_exceeds_the_cap) {
  const RetryPolicy p{100, milliseconds(2000), milliseconds(600000)};
  for (int failed = 1; failed < 100; ++failed) {
    auto d = next_delay(p, failed, "delivery");
    ASSERT_TRUE(d);
    EXPECT_LE(d->count(), 600000) << failed;
  }
  EXPECT_GE(next_delay(p, 99, "delivery")->count(), 300000);
}

TEST(Retry, no_attempt_is_left_after_max_attempts_failures) {
  const RetryPolicy p{3, milliseconds(100), milliseconds(1000)};
  EXPECT_TRUE(next_delay(p, 1, "x"));
  EXPECT_TRUE(next_delay(p, 2, "x"));
  EXPECT_FALSE(next_delay(p, 3, "x"));
  EXPECT_FALSE(next_delay(p, 0, "x"));
  const RetryPolicy once{1, milliseconds(100), milliseconds(1000)};
  EXPECT_FALSE(next_delay(once, 1, "x"));
}

TEST(Retry, the_jitter_is_stable_per_delivery_and_spreads_deliveries) {
  const RetryPolicy p{10, milliseconds(10000), milliseconds(600000)};
  EXPECT_EQ(next_delay(p, 3, "a"), next_delay(p, 3, "a"));
  int distinct = 0;
  const auto first = next_delay(p, 3, "id-0");
  for (int i = 1; i < 20; ++i) {
    if (next_delay(p, 3, "id-" + std::to_string(i)) != first) ++distinct;
  }
  EXPECT_GT(distinct, 15);
}

}  // namespace
}  // namespace tongban::notify

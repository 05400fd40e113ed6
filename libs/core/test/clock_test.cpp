#include "tongban/core/clock.hpp"

#include <gtest/gtest.h>

namespace tongban {
namespace {

using namespace std::chrono;

TEST(Rfc3339, formats_utc_with_milliseconds) {
  const Clock::time_point t = sys_days{2026y / 11 / 26} + 16h + 1min + 58s + 123ms;
  EXPECT_EQ(to_rfc3339(t), "2026-11-26T16:01:58.123Z");
}

TEST(Rfc3339, parses_zulu_and_offsets) {
  Clock::time_point a, b;
  ASSERT_TRUE(parse_rfc3339("2026-11-26T16:01:58.123Z", a));
  ASSERT_TRUE(parse_rfc3339("2026-11-27T00:01:58.123+08:00", b));
  EXPECT_EQ(a, b);
  EXPECT_EQ(to_rfc3339(a), "2026-11-26T16:01:58.123Z");
}

TEST(Rfc3339, rejects_garbage_and_impossible_dates) {
  Clock::time_point t;
  EXPECT_FALSE(parse_rfc3339("yesterday", t));
  EXPECT_FALSE(parse_rfc3339("2026-02-30T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("2026-11-26T16:01:58", t));
  EXPECT_FALSE(parse_rfc3339("2026-11-26T25:01:58Z", t));
}

TEST(Rfc3339, every_field_is_its_exact_digits) {
  Clock::time_point t;
  ASSERT_TRUE(parse_rfc3339("2026-11-26 16:01:58Z", t));  // RFC 3339 allows the space
  ASSERT_TRUE(parse_rfc3339("2026-11-26t16:01:58.5-05:30", t));
  EXPECT_EQ(to_rfc3339(t), "2026-11-26T21:31:58.500Z");
  for (const char* bad :
       {"+202-11-26T16:01:58Z", " 2026-11-26T16:01:58Z", "2026-+1-26T16:01:58Z",
        "2026-11- 6T16:01:58Z", "2026-11-26T-1:01:58Z", "2026-11-26T16:01:5 Z",
        "2026-11-26X16:01:58Z", "2026/11/26T16:01:58Z", "2026-11-26T16:01:58+8:00",
        "2026-11-26T16:01:58+08:0a", "2026-11-26T16:01:58+24:00", "2026-11-26T16:01:58+08:60",
        "2026-11-26T16:01:58+0800", "2026-11-26T16:01:58.Z", "2026-11-26T16:01:58Zjunk",
        "2026-11-26T16:01:58", ""}) {
    EXPECT_FALSE(parse_rfc3339(bad, t)) << bad;
  }
}

// Found by tests/fuzz: a four-digit year beyond what a nanosecond time point holds used to
// overflow (undefined behaviour) into some other instant.
TEST(Rfc3339, rejects_instants_a_time_point_cannot_hold) {
  Clock::time_point t;
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59Z", t));
  EXPECT_FALSE(parse_rfc3339("2263-01-01T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("1600-01-01T00:00:00Z", t));
  EXPECT_FALSE(parse_rfc3339("-001-01-01T00:00:00Z", t));
  ASSERT_TRUE(parse_rfc3339("2200-01-01T00:00:00.5+08:00", t));
  EXPECT_EQ(to_rfc3339(t), "2199-12-31T16:00:00.500Z");
  ASSERT_TRUE(parse_rfc3339("1700-01-01T00:00:00Z", t));
  EXPECT_EQ(to_rfc3339(t), "1700-01-01T00:00:00.000Z");
}

TEST(Rfc3339, formats_instants_before_the_epoch_and_round_trips) {
  EXPECT_EQ(to_rfc3339(Clock::time_point(-1ms)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(to_rfc3339(Clock::time_point(-1ns)), "1969-12-31T23:59:59.999Z");
  // Every formatted instant parses back to itself, milliseconds kept, across leap years,
  // month ends and the range a time point holds.
  for (auto t = Clock::time_point(sys_days{1700y / 1 / 1}); t < sys_days{2261y / 1 / 1};
       t += 9'999h + 59min + 59s + 999ms) {
    Clock::time_point back;
    ASSERT_TRUE(parse_rfc3339(to_rfc3339(t), back)) << to_rfc3339(t);
    EXPECT_EQ(back, floor<milliseconds>(t)) << to_rfc3339(t);
  }
}

TEST(ManualClock, moves_only_when_told) {
  ManualClock clock(sys_days{2026y / 1 / 1});
  const auto start = clock.now();
  clock.advance(hours(25));
  EXPECT_EQ(clock.now() - start, hours(25));
}

}  // namespace
}  // namespace tongban

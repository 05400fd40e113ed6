#include "domain/deadline.hpp"

#include <gtest/gtest.h>

#include "test/support.hpp"

namespace tongban::delegation {
namespace {

using namespace std::chrono_literals;
using test_support::at;
using test_support::cn2026;

const StageLimits kLimits{5, 20};

StageDeadline deadline(Stage s, const char* started) {
  auto d = stage_deadline(s, at(started), kLimits, cn2026());
  EXPECT_TRUE(d);
  return d.value_or(StageDeadline{});
}

TEST(Deadline, names_round_trip) {
  for (auto s : {Stage::forward, Stage::accept, Stage::decide}) {
    EXPECT_EQ(parse_stage(to_string(s)), s);
  }
  EXPECT_FALSE(parse_stage("receive"));
  EXPECT_EQ(to_string(Warning::yellow), "yellow");
}

TEST(Deadline, three_states_run_a_stage_clock) {
  for (auto s : all_case_states()) {
    const auto stage = stage_of(s);
    switch (s) {
      case CaseState::received:
      case CaseState::pre_examined:
        EXPECT_EQ(stage, Stage::forward);
        break;
      case CaseState::forwarded:
        EXPECT_EQ(stage, Stage::accept);
        break;
      case CaseState::accepted:
        EXPECT_EQ(stage, Stage::decide);
        break;
      default:
        EXPECT_FALSE(stage) << to_string(s);
    }
  }
  EXPECT_EQ(stage_start(Stage::forward), CaseState::received);
  EXPECT_EQ(stage_start(Stage::accept), CaseState::forwarded);
  EXPECT_EQ(stage_start(Stage::decide), CaseState::accepted);
}

TEST(Deadline, forward_has_one_day_accept_and_decide_the_pinned_limits) {
  EXPECT_EQ(limit_days(Stage::forward, {}), 1);
  EXPECT_EQ(limit_days(Stage::accept, kLimits), 5);
  EXPECT_EQ(limit_days(Stage::decide, kLimits), 20);
  const auto zero = limit_days(Stage::accept, StageLimits{0, 20});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().rule, "range");
  EXPECT_EQ(zero.error().field, "accept_limit_days");
  const auto huge = stage_deadline(Stage::decide, at("2026-03-02T10:00:00+08:00"),
                                   StageLimits{5, kMaxLimitDays + 1}, cn2026());
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().field, "decide_limit_days");
}

TEST(Deadline, each_stage_is_due_at_the_end_of_its_last_working_day) {
  // Received on the Friday before the Spring Festival: the make-up Saturday is the day.
  const auto fwd = deadline(Stage::forward, "2026-02-13T10:00:00+08:00");
  EXPECT_EQ(fwd.due, at("2026-02-15T00:00:00+08:00"));
  EXPECT_EQ(fwd.limit_days, 1);
  // Forwarded that Saturday: Feb 24-27 after the holiday, and the make-up Saturday Feb 28.
  const auto acc = deadline(Stage::accept, "2026-02-14T16:00:00+08:00");
  EXPECT_EQ(to_rfc3339(acc.due), to_rfc3339(at("2026-03-01T00:00:00+08:00")));
  // Accepted before National Day: twenty working days skip the week off and count the
  // make-up Saturday Oct 10.
  const auto dec = deadline(Stage::decide, "2026-09-28T09:00:00+08:00");
  EXPECT_EQ(to_rfc3339(dec.due), to_rfc3339(at("2026-10-31T00:00:00+08:00")));
}

TEST(Deadline, a_stage_is_overdue_from_its_due_instant_on) {
  const auto d = deadline(Stage::forward, "2026-03-02T10:00:00+08:00");
  EXPECT_FALSE(overdue(d, d.due - 1ms));
  EXPECT_TRUE(overdue(d, d.due));
  EXPECT_TRUE(overdue(d, d.due + 48h));
}

TEST(Deadline, time_used_counts_working_time_after_the_start_day) {
  const auto d = deadline(Stage::forward, "2026-03-02T10:00:00+08:00");  // Monday
  EXPECT_DOUBLE_EQ(time_used(d, at("2026-03-02T23:00:00+08:00"), cn2026()), 0.0);
  EXPECT_DOUBLE_EQ(time_used(d, at("2026-03-03T12:00:00+08:00"), cn2026()), 0.5);
  EXPECT_DOUBLE_EQ(time_used(d, at("2026-03-04T00:00:00+08:00"), cn2026()), 1.0);
  EXPECT_DOUBLE_EQ(time_used(d, at("2026-03-04T12:00:00+08:00"), cn2026()), 1.5);
}

TEST(Deadline, holidays_do_not_use_up_the_time) {
  // Forwarded on the Friday before the Spring Festival, 5 working days: the Saturday and
  // Feb 24-27. On Feb 24 at noon 1.5 of 5 days are used, though 11 calendar days passed.
  const auto d = deadline(Stage::accept, "2026-02-13T10:00:00+08:00");
  EXPECT_DOUBLE_EQ(time_used(d, at("2026-02-24T12:00:00+08:00"), cn2026()), 0.3);
  EXPECT_EQ(warning_level(d, at("2026-02-24T12:00:00+08:00"), cn2026()), Warning::none);
  EXPECT_EQ(d.due, at("2026-02-28T00:00:00+08:00"));
}

TEST(Deadline, yellow_from_eighty_percent_red_when_overdue) {
  const auto d = deadline(Stage::forward, "2026-03-02T10:00:00+08:00");
  const auto& cal = cn2026();
  EXPECT_EQ(warning_level(d, at("2026-03-03T19:11:00+08:00"), cal), Warning::none);
  EXPECT_EQ(warning_level(d, at("2026-03-03T19:12:00+08:00"), cal), Warning::yellow);
  EXPECT_EQ(warning_level(d, d.due - 1ms, cal), Warning::yellow);
  EXPECT_EQ(warning_level(d, d.due, cal), Warning::red);
}

}  // namespace
}  // namespace tongban::delegation

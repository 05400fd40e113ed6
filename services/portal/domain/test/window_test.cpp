#include "domain/window.hpp"

#include <gtest/gtest.h>

#include "test/events.hpp"

namespace tongban::portal {
namespace {

using test_events::at;

TEST(Window, days_are_counted_in_china_time) {
  EXPECT_EQ(to_string(local_day(at("2026-03-01T23:30:00+08:00"))), "2026-03-01");
  EXPECT_EQ(to_string(local_day(at("2026-03-01T16:30:00Z"))), "2026-03-02");
  EXPECT_EQ(start_of(*parse_day("2026-03-02")), at("2026-03-02T00:00:00+08:00"));
}

TEST(Window, today_the_last_7_and_30_days_and_all) {
  const auto now = at("2026-03-20T09:00:00+08:00");
  EXPECT_TRUE(in_window(at("2026-03-20T00:00:00+08:00"), Window::day, now));
  EXPECT_FALSE(in_window(at("2026-03-19T23:59:59+08:00"), Window::day, now));
  EXPECT_TRUE(in_window(at("2026-03-14T00:00:00+08:00"), Window::week, now));
  EXPECT_FALSE(in_window(at("2026-03-13T23:59:59+08:00"), Window::week, now));
  EXPECT_TRUE(in_window(at("2026-02-19T00:00:00+08:00"), Window::month, now));
  EXPECT_FALSE(in_window(at("2026-02-18T23:59:59+08:00"), Window::month, now));
  EXPECT_TRUE(in_window(at("2020-01-01T00:00:00+08:00"), Window::all, now));
  EXPECT_EQ(to_string(*first_day(Window::week, now)), "2026-03-14");
  EXPECT_FALSE(first_day(Window::all, now).has_value());
}

TEST(Window, an_event_stamped_after_now_counts_in_every_window) {
  const auto now = at("2026-03-20T09:00:00+08:00");
  for (auto w : all_windows()) EXPECT_TRUE(in_window(at("2026-03-21T09:00:00+08:00"), w, now));
}

TEST(Window, names_read_back) {
  for (auto w : all_windows()) EXPECT_EQ(parse_window(to_string(w)), w);
  EXPECT_FALSE(parse_window("year").has_value());
  EXPECT_FALSE(parse_day("2026-02-30").has_value());
  EXPECT_FALSE(parse_day("2026-2-3").has_value());
}

}  // namespace
}  // namespace tongban::portal

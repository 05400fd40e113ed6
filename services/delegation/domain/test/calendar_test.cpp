#include "domain/calendar.hpp"

#include <gtest/gtest.h>

#include "test/support.hpp"

namespace tongban::delegation {
namespace {

using namespace std::chrono_literals;
using test_support::at;
using test_support::cn2026;

LocalDay day(const char* text) {
  auto d = parse_local_day(text);
  EXPECT_TRUE(d) << text;
  return d.value_or(LocalDay{});
}

// An instant written in China time, e.g. at("2026-03-02T10:00:00+08:00").

Error parse_error(const std::string& json) {
  auto c = Calendar::parse(json);
  EXPECT_FALSE(c) << json;
  return c ? Error{} : c.error();
}

TEST(Calendar, the_shipped_2026_schedule_loads_and_says_where_it_comes_from) {
  const auto& cal = cn2026();
  EXPECT_TRUE(cal.covers_year(2026));
  EXPECT_FALSE(cal.covers_year(2027));
  EXPECT_EQ(cal.utc_offset(), 8h);
  EXPECT_NE(cal.source().find("国务院办公厅"), std::string::npos);
}

TEST(Calendar, the_2026_holidays_and_make_up_working_days_are_as_published) {
  const auto& cal = cn2026();
  // Off: the holidays, including those on weekdays.
  for (auto d : {"2026-01-01", "2026-01-02", "2026-02-16", "2026-02-20", "2026-02-23", "2026-04-06",
                 "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19", "2026-09-25", "2026-10-01",
                 "2026-10-02", "2026-10-05", "2026-10-07"}) {
    EXPECT_FALSE(cal.is_working_day(day(d))) << d;
  }
  // On: the make-up Saturdays and Sundays (调休).
  for (auto d :
       {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}) {
    EXPECT_TRUE(cal.is_working_day(day(d))) << d;
  }
  // Ordinary days.
  EXPECT_TRUE(cal.is_working_day(day("2026-02-24")));   // Tuesday after the Spring Festival
  EXPECT_TRUE(cal.is_working_day(day("2026-10-08")));   // Thursday after National Day
  EXPECT_FALSE(cal.is_working_day(day("2026-03-07")));  // a plain Saturday
  EXPECT_FALSE(cal.is_working_day(day("2026-03-08")));  // a plain Sunday
}

TEST(Calendar, year_2026_has_248_working_days) {
  // 261 weekdays, 19 of them holidays, plus 6 make-up weekend days.
  int n = 0;
  for (LocalDay d = day("2026-01-01"); d <= day("2026-12-31"); d += std::chrono::days{1}) {
    n += cn2026().is_working_day(d) ? 1 : 0;
  }
  EXPECT_EQ(n, 248);
}

TEST(Calendar, without_a_file_only_weekends_are_off) {
  const Calendar plain;
  EXPECT_EQ(plain.utc_offset(), 8h);
  EXPECT_TRUE(plain.is_working_day(day("2026-01-01")));
  EXPECT_FALSE(plain.is_working_day(day("2026-01-04")));
  EXPECT_FALSE(plain.covers_year(2026));
}

TEST(Calendar, days_are_counted_in_china_time) {
  const auto& cal = cn2026();
  // 23:30 in Beijing on Monday is still Monday there, though 15:30 UTC.
  EXPECT_EQ(cal.local_day(at("2026-03-02T23:30:00+08:00")), day("2026-03-02"));
  // 16:30 UTC on Monday is already Tuesday in Beijing.
  EXPECT_EQ(cal.local_day(at("2026-03-02T16:30:00Z")), day("2026-03-03"));
  EXPECT_EQ(cal.start_of(day("2026-03-03")), at("2026-03-02T16:00:00Z"));
}

TEST(Calendar, add_working_days_ends_with_the_nth_working_day_after_the_start_day) {
  const auto& cal = cn2026();
  struct Case {
    const char* start;
    int n;
    const char* due;
  };
  const Case cases[] = {
      // Monday morning, 1 day: the end of Tuesday.
      {"2026-03-02T10:00:00+08:00", 1, "2026-03-04T00:00:00+08:00"},
      // Late Monday evening is still Monday.
      {"2026-03-02T23:59:00+08:00", 1, "2026-03-04T00:00:00+08:00"},
      // Friday: Saturday and Sunday do not count.
      {"2026-03-06T15:00:00+08:00", 1, "2026-03-10T00:00:00+08:00"},
      // Friday before the Spring Festival: the make-up Saturday counts.
      {"2026-02-13T10:00:00+08:00", 1, "2026-02-15T00:00:00+08:00"},
      // That Saturday: the nine days off are skipped.
      {"2026-02-14T10:00:00+08:00", 1, "2026-02-25T00:00:00+08:00"},
      {"2026-02-13T10:00:00+08:00", 5, "2026-02-28T00:00:00+08:00"},
      // The eve of National Day.
      {"2026-09-30T17:00:00+08:00", 1, "2026-10-09T00:00:00+08:00"},
      // Friday before the make-up Sunday of September 20.
      {"2026-09-18T09:00:00+08:00", 1, "2026-09-21T00:00:00+08:00"},
      // 0 days: the end of the start day.
      {"2026-03-02T10:00:00+08:00", 0, "2026-03-03T00:00:00+08:00"},
      // Received on a holiday: counting starts the next day all the same.
      {"2026-10-03T11:00:00+08:00", 2, "2026-10-10T00:00:00+08:00"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(to_rfc3339(add_working_days(at(c.start), c.n, cal)), to_rfc3339(at(c.due)))
        << c.start << " + " << c.n;
  }
  // Negative counts are clamped to 0.
  EXPECT_EQ(add_working_days(at("2026-03-02T10:00:00+08:00"), -3, cal),
            at("2026-03-03T00:00:00+08:00"));
}

TEST(Calendar, working_days_between_counts_the_days_after_the_first_up_to_the_last) {
  const auto& cal = cn2026();
  EXPECT_EQ(
      working_days_between(at("2026-02-13T10:00:00+08:00"), at("2026-02-27T18:00:00+08:00"), cal),
      5);
  EXPECT_EQ(
      working_days_between(at("2026-03-02T08:00:00+08:00"), at("2026-03-02T20:00:00+08:00"), cal),
      0);
  EXPECT_EQ(
      working_days_between(at("2026-03-05T08:00:00+08:00"), at("2026-03-02T20:00:00+08:00"), cal),
      0);
  EXPECT_EQ(
      working_days_between(at("2025-12-31T12:00:00+08:00"), at("2026-12-31T12:00:00+08:00"), cal),
      248);
  // The two agree: just before the deadline, exactly n working days have begun.
  for (auto start : {"2026-01-30T09:00:00+08:00", "2026-02-12T09:00:00+08:00",
                     "2026-04-30T09:00:00+08:00", "2026-09-24T09:00:00+08:00"}) {
    for (int n = 1; n <= 12; ++n) {
      const auto due = add_working_days(at(start), n, cal);
      EXPECT_EQ(working_days_between(at(start), due - 1ms, cal), n) << start << " + " << n;
    }
  }
}

TEST(Calendar, dates_and_offsets_are_strict) {
  EXPECT_EQ(parse_utc_offset("+08:00"), 480min);
  EXPECT_EQ(parse_utc_offset("-05:30"), -330min);
  for (auto bad : {"+8:00", "08:00", "+15:00", "+08:60", "+08-00", "", "+08:00Z"}) {
    EXPECT_FALSE(parse_utc_offset(bad)) << bad;
  }
  EXPECT_EQ(to_string(day("2026-02-28")), "2026-02-28");
  for (auto bad : {"2026-02-29", "2026-2-3", "2026/02/03", "2026-13-01", "20260203", "x"}) {
    EXPECT_FALSE(parse_local_day(bad)) << bad;
  }
}

TEST(Calendar, a_bad_file_is_refused_naming_the_field_and_rule) {
  struct Case {
    const char* json;
    const char* field;
    const char* rule;
  };
  const Case cases[] = {
      {R"({"holidays": [], "year": 2026})", "year", "unknown_key"},
      {R"({"working_weekends": []})", "holidays", "required"},
      {R"({"holidays": "2026-01-01"})", "holidays", "type"},
      {R"({"holidays": ["2026-01-01", 20260102]})", "holidays/1", "type"},
      {R"({"holidays": ["2026-01-01", "2026-02-30"]})", "holidays/1", "date_format"},
      {R"({"holidays": ["2026-01-01", "2026-01-02", "2026-01-01"]})", "holidays/2", "duplicate"},
      {R"({"holidays": [], "working_weekends": ["2026-01-04", "2026-01-05"]})",
       "working_weekends/1", "not_a_weekend"},
      {R"({"holidays": ["2026-01-03"], "working_weekends": ["2026-01-03"]})", "working_weekends/0",
       "conflicting_dates"},
      {R"({"holidays": [], "timezone_offset": "UTC+8"})", "timezone_offset", "offset_format"},
      {R"({"holidays": [], "timezone_offset": 8})", "timezone_offset", "type"},
  };
  for (const auto& c : cases) {
    const auto e = parse_error(c.json);
    EXPECT_EQ(e.code, Errc::invalid_argument) << c.json;
    EXPECT_EQ(e.field, c.field) << c.json;
    EXPECT_EQ(e.rule, c.rule) << c.json << ": " << e.message;
  }
  EXPECT_EQ(parse_error("{\"holidays\": [").code, Errc::malformed);
  EXPECT_EQ(parse_error("[]").code, Errc::malformed);
}

TEST(Calendar, years_merge_into_one_calendar) {
  auto next = Calendar::parse(
      R"({"holidays": ["2027-01-01"], "working_weekends": ["2027-01-02"], "source": "test"})");
  ASSERT_TRUE(next);
  auto both = Calendar::merge(cn2026(), *next);
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->covers_year(2026));
  EXPECT_TRUE(both->covers_year(2027));
  EXPECT_FALSE(both->is_working_day(day("2027-01-01")));
  EXPECT_TRUE(both->is_working_day(day("2027-01-02")));
  EXPECT_FALSE(both->is_working_day(day("2026-10-01")));
  EXPECT_NE(both->source().find("; test"), std::string::npos);

  auto clash = Calendar::parse(R"({"holidays": ["2026-02-14"]})");
  ASSERT_TRUE(clash);
  auto refused = Calendar::merge(cn2026(), *clash);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().rule, "conflicting_dates");

  auto elsewhere = Calendar::parse(R"({"holidays": [], "timezone_offset": "+09:00"})");
  ASSERT_TRUE(elsewhere);
  auto zones = Calendar::merge(cn2026(), *elsewhere);
  ASSERT_FALSE(zones);
  EXPECT_EQ(zones.error().rule, "offset_mismatch");
}

}  // namespace
}  // namespace tongban::delegation

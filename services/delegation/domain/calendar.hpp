// Working days for stage deadlines (SPEC §3.4): weekends off, public holidays off, the
// make-up working days (调休) on; read from a JSON file per year (data/calendar/) and counted
// in China time, whatever the server's zone.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

using LocalDay = std::chrono::sys_days;  // a calendar date in the calendar's zone

class Calendar {
 public:
  // Weekends only, UTC+8: what applies before any file is loaded.
  Calendar() = default;

  // `{"timezone_offset": "+08:00", "holidays": ["2026-01-01", ...],
  //   "working_weekends": ["2026-01-04", ...], "source": "..."}`. holidays is required;
  // timezone_offset defaults to +08:00, working_weekends to none, source (where the dates
  // come from) is free text. Errors are Errc::invalid_argument naming the field
  // (`holidays/3`): `unknown_key`, `required`, `type`, `offset_format`, `date_format`,
  // `duplicate`, `not_a_weekend` (a make-up working day on Monday to Friday),
  // `conflicting_dates` (a date both a holiday and a working day); malformed JSON is
  // Errc::malformed.
  static Result<Calendar> parse(std::string_view json_text);
  static Result<Calendar> from_json(const boost::json::object& obj);

  // Both years' dates in one calendar (cn-2026.json + cn-2027.json). Errc::invalid_argument:
  // `offset_mismatch` (field timezone_offset), `conflicting_dates` (a date a holiday in one
  // and a working day in the other).
  static Result<Calendar> merge(const Calendar& a, const Calendar& b);

  bool is_working_day(LocalDay day) const;
  // The date `t` falls on in the calendar's zone, and the instant that date begins.
  LocalDay local_day(Clock::time_point t) const;
  Clock::time_point start_of(LocalDay day) const;

  std::chrono::minutes utc_offset() const { return offset_; }
  // Whether a file for that year was loaded (any date listed in it): outside those years
  // only weekends are off, which the service should warn about.
  bool covers_year(int year) const;
  const std::string& source() const { return source_; }

 private:
  std::chrono::minutes offset_{8 * 60};
  std::set<LocalDay> holidays_;
  std::set<LocalDay> working_weekends_;
  std::set<int> years_;
  std::string source_;
};

// "+08:00" -> 480 minutes; nullopt unless [+-]HH:MM with HH <= 14 and MM <= 59.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text);
// "2026-02-15" -> that date; nullopt unless YYYY-MM-DD naming a real date.
std::optional<LocalDay> parse_local_day(std::string_view text);
std::string to_string(LocalDay day);  // YYYY-MM-DD

// The end of the n-th working day after the day `start` falls on (the start day itself is
// never counted, as in Chinese administrative time limits), i.e. the first instant of the
// next day, in the calendar's zone. n = 0 gives the end of the start day. n is clamped to
// [0, 3650].
Clock::time_point add_working_days(Clock::time_point start, int n, const Calendar& calendar);

// The working days after the day `from` falls on, up to and including the day `to` falls
// on; 0 when `to` is not on a later day.
int working_days_between(Clock::time_point from, Clock::time_point to, const Calendar& calendar);

}  // namespace tongban::delegation

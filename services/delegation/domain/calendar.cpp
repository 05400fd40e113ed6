#include "domain/calendar.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "domain/detail.hpp"
#include "tongban/core/json.hpp"

namespace tongban::delegation {
namespace {

using std::chrono::days;

constexpr int kMaxWorkingDays = 3650;

bool is_weekend(LocalDay day) {
  const std::chrono::weekday wd{day};
  return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int to_int(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

int year_of(LocalDay day) { return static_cast<int>(std::chrono::year_month_day{day}.year()); }

// A list of dates under `key`: each YYYY-MM-DD, none twice.
Result<std::set<LocalDay>> read_dates(const boost::json::object& obj, std::string_view key,
                                      bool required) {
  std::set<LocalDay> out;
  const auto it = obj.find(key);
  const std::string name(key);
  if (it == obj.end() || it->value().is_null()) {
    if (required) return fail(Error::invalid(name, "required", name + " is required"));
    return out;
  }
  if (!it->value().is_array()) {
    return fail(Error::invalid(name, "type", name + " must be an array of dates"));
  }
  const auto& arr = it->value().get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string field = name + "/" + std::to_string(i);
    const auto& v = arr[i];
    if (!v.is_string()) return fail(Error::invalid(field, "type", field + " must be a string"));
    const auto day = parse_local_day(v.get_string());
    if (!day) {
      return fail(Error::invalid(
          field, "date_format",
          field + " must be a date written YYYY-MM-DD, got '" + std::string(v.get_string()) + "'"));
    }
    if (!out.insert(*day).second) {
      return fail(
          Error::invalid(field, "duplicate", field + ": " + to_string(*day) + " is listed twice"));
    }
  }
  return out;
}

// The index of `day` in the JSON array under `key`, for naming the field.
std::string field_of(const boost::json::object& obj, std::string_view key, LocalDay day) {
  const auto& arr = obj.at(key).get_array();
  const auto text = to_string(day);
  for (std::size_t i = 0; i < arr.size(); ++i) {
    if (arr[i].is_string() && arr[i].get_string() == text) {
      return std::string(key) + "/" + std::to_string(i);
    }
  }
  return std::string(key);
}

}  // namespace

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return {};
  const auto hh = text.substr(1, 2);
  const auto mm = text.substr(4, 2);
  if (!all_digits(hh) || !all_digits(mm)) return {};
  const int h = to_int(hh);
  const int m = to_int(mm);
  if (h > 14 || m > 59) return {};
  const std::chrono::minutes total{h * 60 + m};
  return text[0] == '-' ? -total : total;
}

std::optional<LocalDay> parse_local_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return {};
  const auto y = text.substr(0, 4);
  const auto m = text.substr(5, 2);
  const auto d = text.substr(8, 2);
  if (!all_digits(y) || !all_digits(m) || !all_digits(d)) return {};
  const std::chrono::year_month_day ymd{std::chrono::year{to_int(y)},
                                        std::chrono::month{static_cast<unsigned>(to_int(m))},
                                        std::chrono::day{static_cast<unsigned>(to_int(d))}};
  if (!ymd.ok()) return {};
  return LocalDay{ymd};
}

std::string to_string(LocalDay day) {
  const std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

Result<Calendar> Calendar::parse(std::string_view json_text) {
  auto obj = json::parse_object(json_text);
  if (!obj) return fail(std::move(obj.error()));
  return from_json(*obj);
}

Result<Calendar> Calendar::from_json(const boost::json::object& obj) {
  auto keys =
      detail::check_keys(obj, {"timezone_offset", "holidays", "working_weekends", "source"});
  if (!keys) return fail(std::move(keys.error()));
  Calendar cal;
  const json::Reader reader(obj);
  auto offset_text = reader.optional_string("timezone_offset", 16);
  if (!offset_text) return fail(std::move(offset_text.error()));
  if (*offset_text) {
    const auto offset = parse_utc_offset(**offset_text);
    if (!offset) {
      return fail(Error::invalid(
          "timezone_offset", "offset_format",
          "timezone_offset must be written +HH:MM or -HH:MM, got '" + **offset_text + "'"));
    }
    cal.offset_ = *offset;
  }
  auto source = reader.optional_string("source", 1000);
  if (!source) return fail(std::move(source.error()));
  cal.source_ = source->value_or("");

  auto holidays = read_dates(obj, "holidays", true);
  if (!holidays) return fail(std::move(holidays.error()));
  auto working = read_dates(obj, "working_weekends", false);
  if (!working) return fail(std::move(working.error()));
  for (auto day : *working) {
    const auto field = field_of(obj, "working_weekends", day);
    if (!is_weekend(day)) {
      return fail(Error::invalid(field, "not_a_weekend",
                                 field + ": " + to_string(day) +
                                     " is a weekday; only a Saturday or Sunday can be made a "
                                     "working day"));
    }
    if (holidays->contains(day)) {
      return fail(Error::invalid(field, "conflicting_dates",
                                 field + ": " + to_string(day) + " is also listed as a holiday"));
    }
  }
  cal.holidays_ = std::move(*holidays);
  cal.working_weekends_ = std::move(*working);
  for (auto day : cal.holidays_) cal.years_.insert(year_of(day));
  for (auto day : cal.working_weekends_) cal.years_.insert(year_of(day));
  return cal;
}

Result<Calendar> Calendar::merge(const Calendar& a, const Calendar& b) {
  if (a.offset_ != b.offset_) {
    return fail(Error::invalid("timezone_offset", "offset_mismatch",
                               "calendars in different zones cannot be merged"));
  }
  Calendar out = a;
  for (auto day : b.holidays_) {
    if (a.working_weekends_.contains(day)) {
      return fail(Error::invalid("holidays", "conflicting_dates",
                                 to_string(day) + " is a holiday in one calendar and a working "
                                                  "day in the other"));
    }
    out.holidays_.insert(day);
  }
  for (auto day : b.working_weekends_) {
    if (a.holidays_.contains(day)) {
      return fail(Error::invalid("working_weekends", "conflicting_dates",
                                 to_string(day) + " is a working day in one calendar and a "
                                                  "holiday in the other"));
    }
    out.working_weekends_.insert(day);
  }
  out.years_.insert(b.years_.begin(), b.years_.end());
  if (out.source_.empty()) {
    out.source_ = b.source_;
  } else if (!b.source_.empty()) {
    out.source_ += "; " + b.source_;
  }
  return out;
}

bool Calendar::is_working_day(LocalDay day) const {
  if (working_weekends_.contains(day)) return true;
  if (holidays_.contains(day)) return false;
  return !is_weekend(day);
}

LocalDay Calendar::local_day(Clock::time_point t) const {
  return std::chrono::floor<days>(t + offset_);
}

Clock::time_point Calendar::start_of(LocalDay day) const {
  return Clock::time_point(day) - offset_;
}

bool Calendar::covers_year(int year) const { return years_.contains(year); }

Clock::time_point add_working_days(Clock::time_point start, int n, const Calendar& calendar) {
  n = std::clamp(n, 0, kMaxWorkingDays);
  LocalDay day = calendar.local_day(start);
  for (int counted = 0; counted < n;) {
    day += days{1};
    if (calendar.is_working_day(day)) ++counted;
  }
  return calendar.start_of(day + days{1});
}

int working_days_between(Clock::time_point from, Clock::time_point to, const Calendar& calendar) {
  int count = 0;
  const LocalDay last = calendar.local_day(to);
  for (LocalDay day = calendar.local_day(from) + days{1}; day <= last; day += days{1}) {
    if (calendar.is_working_day(day)) ++count;
  }
  return count;
}

}  // namespace tongban::delegation

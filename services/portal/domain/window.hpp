// The time windows of the portal's indicators (SPEC §3.5): today, the last 7 and the last 30
// days, and all time, counted in whole China-time days relative to a `now` the caller passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tongban/core/clock.hpp"

namespace tongban::portal {

// Text form: the names.
enum class Window : std::uint8_t {
  day,    // today (since 00:00 China time)
  week,   // today and the 6 days before
  month,  // today and the 29 days before
  all,    // everything folded so far
};
std::string_view to_string(Window w);
std::optional<Window> parse_window(std::string_view text);
std::span<const Window> all_windows();
// 1, 7, 30; 0 for all.
int window_days(Window w);

// A calendar date in China time (UTC+8 all year: China keeps no daylight saving time).
using Day = std::chrono::sys_days;
inline constexpr std::chrono::hours kChinaOffset{8};

Day local_day(Clock::time_point t);
Clock::time_point start_of(Day d);  // the instant the day begins in China time
std::string to_string(Day d);       // YYYY-MM-DD
std::optional<Day> parse_day(std::string_view text);

// The first day of the window at `now`; nullopt for Window::all.
std::optional<Day> first_day(Window w, Clock::time_point now);

// Whether something that happened on day `d` (or at `t`) counts in the window at `now`. There
// is no upper bound: an event stamped after `now` (a producer's clock ahead of ours) counts in
// every window rather than vanishing until the clocks agree.
bool in_window(Day d, Window w, Clock::time_point now);
bool in_window(Clock::time_point t, Window w, Clock::time_point now);

}  // namespace tongban::portal

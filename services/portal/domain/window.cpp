#include "domain/window.hpp"

#include <array>
#include <cstdio>

namespace tongban::portal {

namespace {
constexpr std::array kWindows{Window::day, Window::week, Window::month, Window::all};
}  // namespace

std::string_view to_string(Window w) {
  switch (w) {
    case Window::day:
      return "day";
    case Window::week:
      return "week";
    case Window::month:
      return "month";
    case Window::all:
      return "all";
  }
  return "all";
}

std::optional<Window> parse_window(std::string_view text) {
  for (auto w : kWindows) {
    if (to_string(w) == text) return w;
  }
  return std::nullopt;
}

std::span<const Window> all_windows() { return kWindows; }

int window_days(Window w) {
  switch (w) {
    case Window::day:
      return 1;
    case Window::week:
      return 7;
    case Window::month:
      return 30;
    case Window::all:
      return 0;
  }
  return 0;
}

Day local_day(Clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t + kChinaOffset);
}

Clock::time_point start_of(Day d) {
  return std::chrono::time_point_cast<Clock::time_point::duration>(
      std::chrono::sys_time<std::chrono::seconds>(d) - kChinaOffset);
}

std::string to_string(Day d) {
  const std::chrono::year_month_day ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<Day> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    const int digit = text[i] - '0';
    if (i < 4) {
      y = y * 10 + digit;
    } else if (i < 7) {
      m = m * 10 + static_cast<unsigned>(digit);
    } else {
      d = d * 10 + static_cast<unsigned>(digit);
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                        std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return Day(ymd);
}

std::optional<Day> first_day(Window w, Clock::time_point now) {
  if (w == Window::all) return std::nullopt;
  return local_day(now) - std::chrono::days(window_days(w) - 1);
}

bool in_window(Day d, Window w, Clock::time_point now) {
  const auto first = first_day(w, now);
  return !first || d >= *first;
}

bool in_window(Clock::time_point t, Window w, Clock::time_point now) {
  return in_window(local_day(t), w, now);
}

}  // namespace tongban::portal

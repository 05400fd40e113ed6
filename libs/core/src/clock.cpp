#include "tongban/core/clock.hpp"

#include <chrono>
#include <ctime>
#include <string>

namespace tongban {
namespace {

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// The `n` decimal digits at `pos` of `s` (the caller checked the length), else false.
bool digits_at(std::string_view s, std::size_t pos, int n, int& out) {
  out = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

const Clock& Clock::system() {
  static const SystemClock clock;
  return clock;
}

std::string to_rfc3339(Clock::time_point t) {
  // Every event and case document carries several of these: digits are written directly
  // (snprintf cost more than the rest of an event's encoding).
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char buf[32];
  char* p = buf;
  const auto digits = [&p](long long v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
    p += width;
  };
  // A nanosecond time point spans the years 1677 to 2262: always four digits.
  const int y = static_cast<int>(ymd.year());
  digits(y, 4);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  digits(hms.hours().count(), 2);
  *p++ = ':';
  digits(hms.minutes().count(), 2);
  *p++ = ':';
  digits(hms.seconds().count(), 2);
  *p++ = '.';
  digits(hms.subseconds().count(), 3);
  *p++ = 'Z';
  return std::string(buf, p);
}

bool parse_rfc3339(std::string_view s, Clock::time_point& out) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), every field its exact digits: read by
  // position (every event's time and every stored case goes through here; sscanf's %d
  // also let a sign or a space stand in a field).
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !digits_at(s, 0, 4, y) || s[4] != '-' || !digits_at(s, 5, 2, mo) ||
      s[7] != '-' || !digits_at(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits_at(s, 11, 2, h) || s[13] != ':' || !digits_at(s, 14, 2, mi) || s[16] != ':' ||
      !digits_at(s, 17, 2, sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t pos = 19;
  long long millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  long offset_secs = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!digits_at(s, pos + 1, 2, oh) || !digits_at(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return false;
    }
    offset_secs = (oh * 3600L + om * 60L) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  // In milliseconds, which hold any four-digit year; the time point counts nanoseconds in 64
  // bits and so spans only about 1678 to 2261: outside that it would overflow (found by
  // fuzzing, tests/fuzz), so such a timestamp is refused rather than wrapped.
  const milliseconds total = sys_days(ymd).time_since_epoch() + hours(h) + minutes(mi) +
                             seconds(sec) - seconds(offset_secs) + milliseconds(millis);
  if (total <= duration_cast<milliseconds>(Clock::time_point::duration::min()) ||
      total >= duration_cast<milliseconds>(Clock::time_point::duration::max())) {
    return false;
  }
  out = Clock::time_point(duration_cast<Clock::time_point::duration>(total));
  return true;
}

}  // namespace tongban

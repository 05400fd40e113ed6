// Helpers shared by the domain's unit tests: instants written as RFC 3339 text, and the
// shipped 2026 calendar.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "domain/calendar.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::delegation::test_support {

// An instant as written, e.g. at("2026-03-02T10:00:00+08:00").
inline Clock::time_point at(const char* rfc3339) {
  Clock::time_point t;
  EXPECT_TRUE(parse_rfc3339(rfc3339, t)) << rfc3339;
  return t;
}

inline std::string read_file(const char* path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// data/calendar/cn-2026.json as shipped.
inline const Calendar& cn2026() {
  static const Calendar cal = [] {
    auto c = Calendar::parse(read_file(TONGBAN_CALENDAR_2026));
    if (!c) throw std::runtime_error(c.error().field + ": " + c.error().message);
    return *c;
  }();
  return cal;
}

}  // namespace tongban::delegation::test_support

// Structured logs: one JSON object per line on stdout, safe from any thread.
#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace tongban::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Set once at start-up (libs/service does it from TONGBAN_LOG_LEVEL).
void set_service(std::string_view name);
void set_level(Level level);
Level parse_level(std::string_view text, Level fallback = Level::info);
bool enabled(Level level);

// One key/value of a log line; any type boost::json::value_from accepts.
struct Field {
  template <class T>
  Field(std::string_view k, const T& v) : key(k), value(boost::json::value_from(v)) {}
  std::string_view key;
  boost::json::value value;
};
void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void debug(std::string_view msg, std::initializer_list<Field> f = {}) {
  if (enabled(Level::debug)) write(Level::debug, msg, f);
}
inline void info(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::info, msg, f);
}
inline void warn(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::warn, msg, f);
}
inline void error(std::string_view msg, std::initializer_list<Field> f = {}) {
  write(Level::error, msg, f);
}

}  // namespace tongban::log

#include "tongban/core/log.hpp"

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <mutex>
#include <string>

#include "tongban/core/clock.hpp"

namespace tongban::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_mutex;
std::string g_service = "tongban";

std::string_view level_name(Level l) {
  switch (l) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

}  // namespace

void set_service(std::string_view name) {
  std::lock_guard lock(g_mutex);
  g_service = name;
}

void set_level(Level level) { g_level.store(static_cast<int>(level)); }

Level parse_level(std::string_view text, Level fallback) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn" || text == "warning") return Level::warn;
  if (text == "error") return Level::error;
  return fallback;
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  boost::json::object line;
  line["ts"] = to_rfc3339(Clock::system().now());
  line["level"] = level_name(level);
  line["msg"] = msg;
  for (const auto& f : fields) line[f.key] = f.value;
  std::string text;
  {
    std::lock_guard lock(g_mutex);
    line["service"] = g_service;
    text = boost::json::serialize(line);
    text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace tongban::log

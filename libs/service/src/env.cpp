#include "tongban/service/env.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace tongban::service {
namespace {

const char* lookup(std::string_view name) { return std::getenv(std::string(name).c_str()); }

Error bad_value(std::string_view name, std::string_view rule, std::string msg) {
  return Error::invalid(std::string(name), std::string(rule), std::string(name) + ": " + msg);
}

}  // namespace

void Env::record(std::string_view name, std::string default_value, std::string_view doc,
                 bool secret) {
  for (const auto& k : knobs_) {
    if (k.name == name) return;
  }
  knobs_.push_back(Knob{std::string(name), std::move(default_value), std::string(doc), secret});
}

std::string Env::string(std::string_view name, std::string_view fallback, std::string_view doc) {
  record(name, std::string(fallback), doc);
  const char* v = lookup(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

Result<std::int64_t> Env::integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max, std::string_view doc) {
  record(name, std::to_string(fallback), doc);
  const char* v = lookup(name);
  if (!v || !*v) return fallback;
  std::int64_t n = 0;
  const std::string_view text(v);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(bad_value(name, "integer", "'" + std::string(text) + "' is not an integer"));
  }
  if (n < min || n > max) {
    return fail(bad_value(
        name, "range",
        std::to_string(n) + " is outside " + std::to_string(min) + ".." + std::to_string(max)));
  }
  return n;
}

Result<bool> Env::boolean(std::string_view name, bool fallback, std::string_view doc) {
  record(name, fallback ? "true" : "false", doc);
  const char* v = lookup(name);
  if (!v || !*v) return fallback;
  const std::string_view t(v);
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return fail(bad_value(name, "boolean", "'" + std::string(t) + "' is not true/false"));
}

Result<std::chrono::milliseconds> Env::millis(std::string_view name, std::int64_t fallback_ms,
                                              std::string_view doc) {
  auto n = integer(name, fallback_ms, 0, 24LL * 3600 * 1000, doc);
  if (!n) return fail(std::move(n.error()));
  return std::chrono::milliseconds(*n);
}

Result<std::string> Env::secret(std::string_view name, std::string_view doc) {
  record(name, "", doc, true);
  if (const char* v = lookup(name); v && *v) return std::string(v);
  const std::string file_var = std::string(name) + "_FILE";
  record(file_var, "", std::string("file holding ") + std::string(name), false);
  const char* path = lookup(file_var);
  if (!path || !*path) return std::string();
  std::ifstream in(path);
  if (!in) return fail(bad_value(file_var, "readable_file", std::string("cannot read ") + path));
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace tongban::service

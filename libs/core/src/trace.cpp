#include "tongban/core/trace.hpp"

#include <algorithm>

#include "tongban/core/ids.hpp"

namespace tongban {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

}  // namespace

std::optional<TraceContext> TraceContext::parse(std::string_view h) {
  // version(2) - trace-id(32) - parent-id(16) - flags(2); version 00 is exactly 55 chars.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const auto version = h.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  const auto trace = h.substr(3, 32);
  const auto parent = h.substr(36, 16);
  const auto flags = h.substr(53, 2);
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) return std::nullopt;
  if (all_zero(trace) || all_zero(parent)) return std::nullopt;
  return TraceContext{std::string(trace), std::string(parent), std::string(flags)};
}

TraceContext TraceContext::start() { return TraceContext{ids::random_hex(16), ids::random_hex(8)}; }

TraceContext TraceContext::child() const {
  return TraceContext{trace_id, ids::random_hex(8), flags};
}

std::string TraceContext::header() const {
  return "00-" + trace_id + "-" + parent_id + "-" + flags;
}

}  // namespace tongban

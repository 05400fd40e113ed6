// W3C Trace Context (`traceparent`): parsed from HTTP, carried in Kafka headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tongban {

struct TraceContext {
  std::string trace_id;   // 32 lower-case hex
  std::string parent_id;  // 16 lower-case hex: the span that sent it
  std::string flags = "01";

  // Parses version 00 headers; anything invalid yields nullopt (start a new trace).
  static std::optional<TraceContext> parse(std::string_view header);
  static TraceContext start();  // new trace, new span
  TraceContext child() const;   // same trace, new span id
  std::string header() const;   // "00-<trace>-<span>-<flags>"
};

}  // namespace tongban

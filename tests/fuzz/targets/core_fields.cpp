// Fuzzes the field readers every request body goes through (libs/core): the JSON parser
// with its depth limit, the typed Reader, RFC 3339 timestamps and W3C traceparent headers.
// Invariants: no crash; every refusal names a field and a rule; a timestamp that parses
// prints and parses back to the same instant; a traceparent that parses prints back as
// received (lower-case hex).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tongban/core/clock.hpp"
#include "tongban/core/json.hpp"
#include "tongban/core/trace.hpp"

namespace {

void check_error(const tongban::Error& e) {
  if (e.field.empty() || e.rule.empty()) std::abort();
}

template <class R>
void check(const R& r) {
  if (!r) check_error(r.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  tongban::Clock::time_point t;
  if (tongban::parse_rfc3339(text, t)) {
    tongban::Clock::time_point back;
    if (!tongban::parse_rfc3339(tongban::to_rfc3339(t), back)) std::abort();
    // to_rfc3339 prints milliseconds: the instant survives up to them.
    if (std::chrono::floor<std::chrono::milliseconds>(t) != back) std::abort();
  }
  if (auto tc = tongban::TraceContext::parse(text)) {
    auto again = tongban::TraceContext::parse(tc->header());
    if (!again || again->trace_id != tc->trace_id || again->parent_id != tc->parent_id) {
      std::abort();
    }
  }

  auto obj = tongban::json::parse_object(text);
  if (!obj) {
    check_error(obj.error());
    return 0;
  }
  // Every member under every typed accessor: each must either read it or say why not.
  tongban::json::Reader reader(*obj, "body");
  for (const auto& kv : *obj) {
    const std::string_view key = kv.key();
    check(reader.string(key, 1, 64));
    check(reader.optional_string(key, 16));
    check(reader.integer(key, -1000, 1000));
    check(reader.optional_integer(key, 0, INT64_MAX));
    check(reader.boolean(key));
    check(reader.optional_boolean(key));
    check(reader.object(key));
    check(reader.array(key, 1, 3));
    check(reader.one_of(key, {"RECEIPT", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}));
    if (auto nested = reader.object(key); nested) {
      tongban::json::Reader inner(**nested, reader.field_name(key));
      for (const auto& m : **nested) check(inner.string(m.key()));
    }
  }
  check(reader.string("absent"));
  return 0;
}

// Fuzzes the CloudEvents envelope decoder every consumer runs on every Kafka message
// (libs/bus). Invariants: decode never crashes; what it accepts encodes and decodes back to
// the same envelope; what it refuses carries a field and a rule for the DLQ reason.
#include "tongban/bus/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = tongban::bus::decode(text);
  if (!decoded) {
    if (decoded.error().field.empty() || decoded.error().rule.empty()) std::abort();
    return 0;
  }
  const auto& e = *decoded;
  auto again = tongban::bus::decode(tongban::bus::encode(e));
  if (!again) std::abort();
  if (again->id != e.id || again->source != e.source || again->type != e.type ||
      again->subject != e.subject || again->time != e.time || again->data != e.data) {
    std::abort();
  }
  return 0;
}

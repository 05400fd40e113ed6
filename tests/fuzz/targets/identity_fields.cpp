// Fuzzes identity's validators (services/identity/domain): resident ID numbers (GB 11643),
// unified social credit codes (GB 32100), names, phones, logins, cities, passwords, and the
// four registration bodies. Invariants: no crash; every refusal names a field and a rule;
// what is accepted satisfies the check characters it was accepted for.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "domain/credit_code.hpp"
#include "domain/password_policy.hpp"
#include "domain/resident_id.hpp"
#include "domain/subject.hpp"
#include "domain/text.hpp"
#include "tongban/core/json.hpp"

namespace {

using namespace std::chrono;
namespace id = tongban::identity;

constexpr year_month_day kToday{year{2026}, June, day{1}};

template <class R>
void check(const R& r) {
  if (!r && (r.error().field.empty() || r.error().rule.empty())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto rid = id::parse_resident_id(text, kToday);
  check(rid);
  if (rid) {
    const auto& n = rid->number;
    if (n.size() != 18 || id::gb11643_check_character(n.substr(0, 17)) != n[17]) std::abort();
    if (!rid->birth_date.ok() || rid->birth_date > kToday ||
        rid->birth_date < id::kEarliestBirthDate) {
      std::abort();
    }
  }
  auto code = id::parse_credit_code(text);
  check(code);
  if (code) {
    const auto& c = code->code;
    if (c.size() != 18 || id::gb32100_check_character(c.substr(0, 17)) != c[17]) std::abort();
  }
  check(id::check_name(std::string(text), "name"));
  check(id::check_phone(std::string(text)));
  check(id::check_login(std::string(text)));
  check(id::check_city(std::string(text), "city"));
  check(id::check_password(text, {"zhang.wei", "110101199003074514", ""}));
  if (auto n = id::utf8_length(text)) {
    if (*n > text.size()) std::abort();
    (void)id::has_control_characters(text);
  }
  (void)id::contains_ignoring_case(text, "admin");

  auto body = tongban::json::parse_object(text);
  if (!body) return 0;
  check(id::read_citizen_registration(*body, kToday));
  check(id::read_enterprise_registration(*body));
  auto staff = id::read_staff_registration(*body);
  check(staff);
  // The supervisor scope is there exactly when the roles hold supervisor.
  if (staff && staff->supervisor_scope.has_value() != staff->roles.contains(id::Role::supervisor)) {
    std::abort();
  }
  check(id::read_service_account_registration(*body));
  return 0;
}

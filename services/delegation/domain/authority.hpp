// Who may do what to a cross-city case (SPEC §3.4): one table of permissions, the actor and
// the case's parties as plain values, and the verdict (allowed, 403 with a rule, or 404 so
// that a case's existence does not leak to those with no business seeing it).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/case_state.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

// The roles identity issues (SPEC §3.1). Text form: the names as in tokens.
enum class Role : std::uint8_t {
  citizen,
  enterprise,
  clerk,           // window staff
  examiner,        // examines materials
  approver,        // decides
  supervisor,      // oversees the cases of a city or a province
  dept_admin,      // administers a department (and signs agreements)
  platform_admin,  // runs the platform
  auditor,         // reads everything, changes nothing
};
inline constexpr std::size_t kRoleCount = 9;
std::string_view to_string(Role r);
std::optional<Role> parse_role(std::string_view text);
std::span<const Role> all_roles();

// A set of roles as bits (1 << Role).
using RoleSet = std::uint16_t;
constexpr RoleSet role_bit(Role r) { return static_cast<RoleSet>(1u << static_cast<unsigned>(r)); }
constexpr RoleSet roles(std::initializer_list<Role> rs) {
  RoleSet out = 0;
  for (auto r : rs) out |= role_bit(r);
  return out;
}

enum class ActorKind : std::uint8_t { citizen, enterprise, staff, service };
std::string_view to_string(ActorKind k);
std::optional<ActorKind> parse_actor_kind(std::string_view text);

// The caller, as the handler reads it from the verified token.
struct Actor {
  std::string subject;
  ActorKind kind = ActorKind::citizen;
  std::vector<std::string> roles;  // names as in the token; unknown ones are ignored
  std::string city;                // 6-digit division code; staff: where they work
  // A supervisor's reach (SPEC §3.1): their city, or (true) every city of their province.
  // From the token's scope `supervision:province`; absent, city scope (fails closed).
  bool province_scope = false;

  bool has_role(Role r) const;
  RoleSet role_set() const;
};

// The case as authority sees it.
struct CaseParties {
  std::string applicant;       // subject of the applicant (citizen or enterprise)
  std::string receiving_city;  // 收件地
  std::string accepting_city;  // 受理地: the applicant's registration city
  // The place whose window hands the result over (agreement.hpp handover_place).
  Place handover = Place::accepting;
};

// What an actor may try: the transitions, plus submitting, rating and viewing.
enum class Operation : std::uint8_t {
  submit,
  receive,
  request_supplement,
  supplement,
  pre_examine,
  forward,
  accept,
  reject,
  approve,
  deny,
  dispatch_result,
  complete,
  withdraw,
  rate,
  view,
};
inline constexpr std::size_t kOperationCount = 15;
std::string_view to_string(Operation op);
std::optional<Operation> parse_operation(std::string_view text);
std::span<const Operation> all_operations();
Operation operation_of(CaseAction a);

// Who a permission row is for.
enum class Who : std::uint8_t {
  applicant,        // the case's applicant, a citizen or enterprise subject
  receiving,        // staff of the receiving city holding one of the roles
  accepting,        // staff of the accepting city holding one of the roles
  handover,         // staff of the city that hands the result over, holding one of the roles
  either_city,      // staff of the receiving or the accepting city, holding one of the roles
  either_province,  // province-scope staff of the province of either city, holding a role
  anywhere,         // staff or a service account anywhere, holding one of the roles
};
std::string_view to_string(Who w);

struct Permission {
  Operation op;
  Who who;
  RoleSet any_of = 0;  // ignored for Who::applicant
};

// THE table: an operation is allowed when any of its rows matches. The service and
// README's rendering read it; the matrix test checks it against an expectation written
// independently.
std::span<const Permission> permissions();

enum class Verdict : std::uint8_t { allowed, forbidden, not_found };
std::string_view to_string(Verdict v);

struct Decision {
  Verdict verdict = Verdict::not_found;
  // For forbidden: `role_required` (right place, missing role), `wrong_place` (the work is
  // done at the other city), `applicant_only` (only the applicant may). Empty otherwise.
  std::string rule;
  std::string message;

  bool allowed() const { return verdict == Verdict::allowed; }
  // Errc::forbidden with the rule, or Errc::not_found ("case not found", saying nothing
  // more). Only for a decision that is not allowed.
  Error error() const;
};

// The verdict for `op` on a case with these parties:
// - allowed when a row of permissions() matches;
// - else not_found when the actor may not know the case exists: neither allowed to view it
//   nor staff of one of its two cities (submit is never not_found: there is no case yet);
// - else forbidden, rule: `applicant_only` when only the applicant may (or a non-staff
//   caller tries what the applicant or staff may); `role_required` when a row is at the
//   actor's own city but the actor lacks the role (or a non-staff caller tries staff
//   work); `wrong_place` when the work is done at another city than the actor's.
Decision authorise(const Actor& actor, const CaseParties& parties, Operation op);
Decision authorise(const Actor& actor, const CaseParties& parties, CaseAction a);
// authorise(actor, parties, Operation::view).
Decision may_view(const Actor& actor, const CaseParties& parties);
// authorise() as a Result, for handlers.
Result<void> check(const Actor& actor, const CaseParties& parties, Operation op);

// "clerk or examiner of the receiving city", "the applicant", ...
std::string describe(const Permission& p);
// The table as Markdown (one row per operation, who may), as README.md shows it.
std::string permissions_markdown();

// Same province: the first two digits of 6-digit division codes (GB/T 2260).
bool same_province(std::string_view city_a, std::string_view city_b);

}  // namespace tongban::delegation

#include "domain/authority.hpp"

#include <algorithm>
#include <array>

#include "domain/detail.hpp"

namespace tongban::delegation {
namespace {

using Op = Operation;

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "citizen",    "enterprise", "clerk",          "examiner", "approver",
    "supervisor", "dept_admin", "platform_admin", "auditor"};
constexpr std::array<std::string_view, 4> kKindNames = {"citizen", "enterprise", "staff",
                                                        "service"};
constexpr std::array<std::string_view, kOperationCount> kOperationNames = {"submit",
                                                                           "receive",
                                                                           "request_supplement",
                                                                           "supplement",
                                                                           "pre_examine",
                                                                           "forward",
                                                                           "accept",
                                                                           "reject",
                                                                           "approve",
                                                                           "deny",
                                                                           "dispatch_result",
                                                                           "complete",
                                                                           "withdraw",
                                                                           "rate",
                                                                           "view"};
constexpr std::array<std::string_view, 7> kWhoNames = {
    "applicant",   "receiving",       "accepting", "handover",
    "either_city", "either_province", "anywhere"};
constexpr std::array<std::string_view, 3> kVerdictNames = {"allowed", "forbidden", "not_found"};

constexpr std::array<Role, kRoleCount> kAllRoles = {
    Role::citizen,    Role::enterprise, Role::clerk,          Role::examiner, Role::approver,
    Role::supervisor, Role::dept_admin, Role::platform_admin, Role::auditor};
constexpr std::array<Operation, kOperationCount> kAllOperations = {Op::submit,
                                                                   Op::receive,
                                                                   Op::request_supplement,
                                                                   Op::supplement,
                                                                   Op::pre_examine,
                                                                   Op::forward,
                                                                   Op::accept,
                                                                   Op::reject,
                                                                   Op::approve,
                                                                   Op::deny,
                                                                   Op::dispatch_result,
                                                                   Op::complete,
                                                                   Op::withdraw,
                                                                   Op::rate,
                                                                   Op::view};

constexpr RoleSet kClerk = role_bit(Role::clerk);
constexpr RoleSet kClerkOrExaminer = roles({Role::clerk, Role::examiner});
constexpr RoleSet kHandlers =
    roles({Role::clerk, Role::examiner, Role::approver, Role::supervisor});

// Receiving-place work (receive, pre-examine, forward) is done by its staff; acceptance,
// the decision and dispatch by the accepting place's staff (SPEC §3.4). The applicant, or a
// receiving-place clerk on their behalf at the window, submits, supplements and withdraws.
// platform_admin and auditor read everything and act on nothing. README: decisions.
constexpr std::array<Permission, 22> kPermissions = {{
    {Op::submit, Who::applicant},
    {Op::submit, Who::receiving, kClerk},
    {Op::receive, Who::receiving, kClerk},
    {Op::request_supplement, Who::receiving, kClerkOrExaminer},
    {Op::supplement, Who::applicant},
    {Op::supplement, Who::receiving, kClerk},
    {Op::pre_examine, Who::receiving, role_bit(Role::examiner)},
    {Op::forward, Who::receiving, kClerkOrExaminer},
    {Op::accept, Who::accepting, kClerkOrExaminer},
    {Op::reject, Who::accepting, kClerkOrExaminer},
    {Op::approve, Who::accepting, role_bit(Role::approver)},
    {Op::deny, Who::accepting, role_bit(Role::approver)},
    {Op::dispatch_result, Who::accepting, kClerk},
    {Op::complete, Who::applicant},
    {Op::complete, Who::handover, kClerk},
    {Op::withdraw, Who::applicant},
    {Op::withdraw, Who::receiving, kClerk},
    {Op::rate, Who::applicant},
    {Op::view, Who::applicant},
    {Op::view, Who::either_city, kHandlers},
    {Op::view, Who::either_province, role_bit(Role::supervisor)},
    {Op::view, Who::anywhere, roles({Role::platform_admin, Role::auditor})},
}};

bool is_applicant(const Actor& actor, const CaseParties& parties) {
  return (actor.kind == ActorKind::citizen || actor.kind == ActorKind::enterprise) &&
         !actor.subject.empty() && actor.subject == parties.applicant;
}

const std::string& handover_city(const CaseParties& parties) {
  return parties.handover == Place::receiving ? parties.receiving_city : parties.accepting_city;
}

// Whether the actor stands where the row's work is done, whatever their roles.
bool at_place(const Actor& actor, const CaseParties& parties, Who who) {
  if (actor.city.empty()) return who == Who::anywhere;
  switch (who) {
    case Who::applicant:
      return false;
    case Who::receiving:
      return actor.city == parties.receiving_city;
    case Who::accepting:
      return actor.city == parties.accepting_city;
    case Who::handover:
      return actor.city == handover_city(parties);
    case Who::either_city:
      return actor.city == parties.receiving_city || actor.city == parties.accepting_city;
    case Who::either_province:
      return actor.province_scope && (same_province(actor.city, parties.receiving_city) ||
                                      same_province(actor.city, parties.accepting_city));
    case Who::anywhere:
      return true;
  }
  return false;
}

bool matches(const Actor& actor, const CaseParties& parties, const Permission& p) {
  if (p.who == Who::applicant) return is_applicant(actor, parties);
  if (p.who == Who::anywhere) {
    if (actor.kind != ActorKind::staff && actor.kind != ActorKind::service) return false;
  } else if (actor.kind != ActorKind::staff) {
    return false;
  }
  return (actor.role_set() & p.any_of) != 0 && at_place(actor, parties, p.who);
}

std::string role_names(RoleSet set) {
  std::vector<Role> in;
  for (auto r : kAllRoles) {
    if (set & role_bit(r)) in.push_back(r);
  }
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i > 0) out += i + 1 == in.size() ? " or " : ", ";
    out += to_string(in[i]);
  }
  return out;
}

std::string who_may(Operation op) {
  std::string out;
  for (const auto& p : kPermissions) {
    if (p.op != op) continue;
    if (!out.empty()) out += "; ";
    out += describe(p);
  }
  return out;
}

Decision deny(Verdict v, std::string rule, std::string message) {
  return Decision{v, std::move(rule), std::move(message)};
}

bool staff_at_a_party_city(const Actor& actor, const CaseParties& parties) {
  return actor.kind == ActorKind::staff && !actor.city.empty() &&
         (actor.city == parties.receiving_city || actor.city == parties.accepting_city);
}

}  // namespace

std::string_view to_string(Role r) { return detail::name_of(kRoleNames, r); }
std::optional<Role> parse_role(std::string_view text) {
  return detail::parse_name<Role>(kRoleNames, text);
}
std::span<const Role> all_roles() { return kAllRoles; }
std::string_view to_string(ActorKind k) { return detail::name_of(kKindNames, k); }
std::optional<ActorKind> parse_actor_kind(std::string_view text) {
  return detail::parse_name<ActorKind>(kKindNames, text);
}
std::string_view to_string(Operation op) { return detail::name_of(kOperationNames, op); }
std::optional<Operation> parse_operation(std::string_view text) {
  return detail::parse_name<Operation>(kOperationNames, text);
}
std::span<const Operation> all_operations() { return kAllOperations; }
std::string_view to_string(Who w) { return detail::name_of(kWhoNames, w); }
std::string_view to_string(Verdict v) { return detail::name_of(kVerdictNames, v); }

Operation operation_of(CaseAction a) {
  // Every transition is the operation of the same name (tested).
  return parse_operation(to_string(a)).value_or(Op::view);
}

bool Actor::has_role(Role r) const {
  return std::find(roles.begin(), roles.end(), to_string(r)) != roles.end();
}

RoleSet Actor::role_set() const {
  RoleSet out = 0;
  for (const auto& name : roles) {
    if (auto r = parse_role(name)) out |= role_bit(*r);
  }
  return out;
}

std::span<const Permission> permissions() { return kPermissions; }

Error Decision::error() const {
  if (verdict == Verdict::forbidden) return detail::forbidden(rule, message);
  return Error::not_found("case not found");
}

Decision authorise(const Actor& actor, const CaseParties& parties, Operation op) {
  bool has_applicant_row = false;
  bool has_staff_row = false;
  bool row_at_actor_city = false;
  for (const auto& p : kPermissions) {
    if (p.op != op) continue;
    if (matches(actor, parties, p)) return Decision{Verdict::allowed, {}, {}};
    if (p.who == Who::applicant) {
      has_applicant_row = true;
    } else {
      has_staff_row = true;
      if (actor.kind == ActorKind::staff && at_place(actor, parties, p.who)) {
        row_at_actor_city = true;
      }
    }
  }

  const std::string op_name(to_string(op));
  if (op == Op::view) {
    // Staff of the two cities learn nothing new from a 403; anyone else gets the 404 a
    // case that does not exist gets.
    if (staff_at_a_party_city(actor, parties)) {
      return deny(Verdict::forbidden, "role_required", "viewing the case is for: " + who_may(op));
    }
    return deny(Verdict::not_found, {}, "case not found");
  }
  if (op != Op::submit && !may_view(actor, parties).allowed() &&
      !staff_at_a_party_city(actor, parties)) {
    return deny(Verdict::not_found, {}, "case not found");
  }
  const std::string message = op_name + " is for: " + who_may(op);
  if (!has_staff_row) return deny(Verdict::forbidden, "applicant_only", message);
  if (actor.kind == ActorKind::staff) {
    return deny(Verdict::forbidden, row_at_actor_city ? "role_required" : "wrong_place", message);
  }
  return deny(Verdict::forbidden, has_applicant_row ? "applicant_only" : "role_required", message);
}

Decision authorise(const Actor& actor, const CaseParties& parties, CaseAction a) {
  return authorise(actor, parties, operation_of(a));
}

Decision may_view(const Actor& actor, const CaseParties& parties) {
  return authorise(actor, parties, Op::view);
}

Result<void> check(const Actor& actor, const CaseParties& parties, Operation op) {
  auto d = authorise(actor, parties, op);
  if (d.allowed()) return {};
  return fail(d.error());
}

std::string describe(const Permission& p) {
  switch (p.who) {
    case Who::applicant:
      return "the applicant";
    case Who::receiving:
      return role_names(p.any_of) + " of the receiving city";
    case Who::accepting:
      return role_names(p.any_of) + " of the accepting city";
    case Who::handover:
      return role_names(p.any_of) + " of the city that hands the result over";
    case Who::either_city:
      return role_names(p.any_of) + " of either city";
    case Who::either_province:
      return role_names(p.any_of) + " with province scope, of either city's province";
    case Who::anywhere:
      return role_names(p.any_of) + ", anywhere";
  }
  return "?";
}

std::string permissions_markdown() {
  std::string out = "| Operation | Who may |\n|---|---|\n";
  for (auto op : kAllOperations) {
    out += "| `" + std::string(to_string(op)) + "` | " + who_may(op) + " |\n";
  }
  return out;
}

bool same_province(std::string_view city_a, std::string_view city_b) {
  return city_a.size() == 6 && city_b.size() == 6 && city_a.substr(0, 2) == city_b.substr(0, 2);
}

}  // namespace tongban::delegation

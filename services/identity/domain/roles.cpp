#include "domain/roles.hpp"

#include <array>

namespace tongban::identity {
namespace {

constexpr std::array<std::string_view, kRoleCount> kRoleNames = {
    "citizen",    "enterprise", "clerk",          "examiner", "approver",
    "supervisor", "dept_admin", "platform_admin", "auditor"};

Error forbidden(std::string rule, std::string message) {
  return Error{Errc::forbidden, std::move(message), "roles", std::move(rule), false};
}

}  // namespace

std::string_view to_string(Role role) { return kRoleNames[static_cast<std::size_t>(role)]; }

std::optional<Role> parse_role(std::string_view text) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return std::nullopt;
}

bool is_staff_role(Role role) { return role != Role::citizen && role != Role::enterprise; }

std::size_t RoleSet::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kRoleCount; ++i) n += contains(static_cast<Role>(i)) ? 1 : 0;
  return n;
}

std::vector<Role> RoleSet::list() const {
  std::vector<Role> out;
  for (std::size_t i = 0; i < kRoleCount; ++i) {
    if (contains(static_cast<Role>(i))) out.push_back(static_cast<Role>(i));
  }
  return out;
}

std::vector<std::string> RoleSet::names() const {
  std::vector<std::string> out;
  for (auto r : list()) out.emplace_back(to_string(r));
  return out;
}

Result<RoleSet> parse_roles(std::span<const std::string> names, std::string_view field) {
  RoleSet set;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto role = parse_role(names[i]);
    if (!role) {
      const auto name = std::string(field) + "[" + std::to_string(i) + "]";
      std::string known;
      for (auto n : kRoleNames) known += (known.empty() ? "" : ", ") + std::string(n);
      return fail(
          Error::invalid(name, "unknown_role",
                         name + ": \"" + names[i] + "\" is not a role (one of: " + known + ")"));
    }
    set.insert(*role);
  }
  return set;
}

std::string_view to_string(SupervisorScope scope) {
  return scope == SupervisorScope::city ? "city" : "province";
}

std::optional<SupervisorScope> parse_supervisor_scope(std::string_view text) {
  if (text == "city") return SupervisorScope::city;
  if (text == "province") return SupervisorScope::province;
  return std::nullopt;
}

Result<void> may_manage_staff(const Actor& actor, const StaffChange& change) {
  const bool platform_admin = actor.roles.contains(Role::platform_admin);
  if (!platform_admin && !actor.roles.contains(Role::dept_admin)) {
    return fail(forbidden("not_staff_admin",
                          "only a dept_admin or a platform_admin may change staff roles"));
  }
  if (change.grant.empty()) {
    return fail(Error::invalid("roles", "empty_roles", "roles must name at least one role"));
  }
  for (auto r : change.grant.list()) {
    if (!is_staff_role(r)) {
      return fail(Error::invalid("roles", "role_not_grantable",
                                 "roles: " + std::string(to_string(r)) +
                                     " is not a staff role and cannot be granted to staff"));
    }
  }
  if (platform_admin) return {};

  if (change.target_city != actor.city) {
    return fail(forbidden("not_your_city", "a dept_admin may change staff of their own city (" +
                                               actor.city + ") only, not of " +
                                               change.target_city));
  }
  if (change.current.contains(Role::platform_admin)) {
    return fail(forbidden("role_not_grantable",
                          "only a platform_admin may change the roles of a platform_admin"));
  }
  for (auto r : {Role::dept_admin, Role::platform_admin}) {
    if (change.grant.contains(r) != change.current.contains(r)) {
      return fail(forbidden("role_not_grantable", "only a platform_admin may grant or revoke " +
                                                      std::string(to_string(r))));
    }
  }
  auto province_supervisor = [](RoleSet roles, SupervisorScope scope) {
    return roles.contains(Role::supervisor) && scope == SupervisorScope::province;
  };
  if (province_supervisor(change.grant, change.supervisor_scope) !=
      province_supervisor(change.current, change.current_supervisor_scope)) {
    return fail(forbidden("role_not_grantable",
                          "only a platform_admin may grant or revoke supervisor with province "
                          "scope; a dept_admin grants city scope"));
  }
  return {};
}

}  // namespace tongban::identity

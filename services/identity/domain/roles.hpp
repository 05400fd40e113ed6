// Roles of identity's subjects and the one rule for who may change a staff member's roles.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::identity {

enum class Role : std::uint8_t {
  citizen,
  enterprise,
  clerk,       // window staff (窗口人员): receives applications
  examiner,    // 审查
  approver,    // 审批
  supervisor,  // 监督: city or province scope
  dept_admin,  // administers the staff of one city
  platform_admin,
  auditor,  // reads audit trails, changes nothing
};

inline constexpr std::size_t kRoleCount = 9;

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
// Everything but citizen and enterprise.
bool is_staff_role(Role role);

// A set of roles as a bit mask: cheap to copy, compare and print in a stable order.
class RoleSet {
 public:
  RoleSet() = default;
  RoleSet(std::initializer_list<Role> roles) {
    for (auto r : roles) insert(r);
  }
  void insert(Role r) { bits_ |= bit(r); }
  void erase(Role r) { bits_ &= static_cast<std::uint16_t>(~bit(r)); }
  bool contains(Role r) const { return (bits_ & bit(r)) != 0; }
  bool empty() const { return bits_ == 0; }
  std::size_t size() const;
  // In declaration order of Role.
  std::vector<Role> list() const;
  std::vector<std::string> names() const;
  friend bool operator==(RoleSet, RoleSet) = default;

 private:
  static std::uint16_t bit(Role r) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(r));
  }
  std::uint16_t bits_ = 0;
};

// Role names as sent in JSON; an unknown name is `unknown_role` naming `field`[i].
Result<RoleSet> parse_roles(std::span<const std::string> names, std::string_view field = "roles");

// Where a supervisor looks: their own city, or every city of their province.
enum class SupervisorScope { city, province };
std::string_view to_string(SupervisorScope scope);
std::optional<SupervisorScope> parse_supervisor_scope(std::string_view text);

// Who is asking.
struct Actor {
  RoleSet roles;
  std::string city;  // GB/T 2260 code of the city the actor works for
  std::string department;
};

// A change of a staff member's roles: `grant` is the complete new set, `current` what the
// member holds now (empty when creating a member). Scopes matter only when the set holds
// supervisor.
struct StaffChange {
  std::string target_city;
  std::string target_department;
  RoleSet grant;
  RoleSet current;
  SupervisorScope supervisor_scope = SupervisorScope::city;
  SupervisorScope current_supervisor_scope = SupervisorScope::city;
};

// The staff-management rule:
// - the new set must be non-empty (`empty_roles`, invalid) and hold staff roles only
//   (`role_not_grantable`, invalid);
// - platform_admin may make any such change anywhere;
// - dept_admin may change staff of their own city only (`not_your_city`, forbidden), may
//   grant clerk, examiner, approver, city-scope supervisor and auditor, and may neither add
//   nor remove dept_admin, platform_admin or province-scope supervisor, nor touch a member
//   who is platform_admin (`role_not_grantable`, forbidden);
// - anyone else is refused (`not_staff_admin`, forbidden).
// Departments do not restrict a dept_admin: they administer the whole city's staff.
Result<void> may_manage_staff(const Actor& actor, const StaffChange& change);

}  // namespace tongban::identity

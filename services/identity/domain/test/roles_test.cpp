#include "domain/roles.hpp"

#include <gtest/gtest.h>

#include <map>

namespace tongban::identity {
namespace {

const std::string kOwnCity = "320100";
const std::string kOtherCity = "440300";

constexpr Role kAllRoles[] = {Role::citizen,    Role::enterprise,     Role::clerk,
                              Role::examiner,   Role::approver,       Role::supervisor,
                              Role::dept_admin, Role::platform_admin, Role::auditor};

TEST(Roles, names_round_trip) {
  for (auto r : kAllRoles) {
    auto parsed = parse_role(to_string(r));
    ASSERT_TRUE(parsed) << to_string(r);
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(to_string(Role::dept_admin), "dept_admin");
  EXPECT_FALSE(parse_role("admin"));
  EXPECT_FALSE(parse_role("Clerk"));
  EXPECT_FALSE(parse_role(""));
}

TEST(Roles, staff_roles_are_all_but_citizen_and_enterprise) {
  for (auto r : kAllRoles) {
    EXPECT_EQ(is_staff_role(r), r != Role::citizen && r != Role::enterprise) << to_string(r);
  }
}

TEST(Roles, role_set_lists_in_a_stable_order) {
  RoleSet s{Role::auditor, Role::clerk, Role::clerk};
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.names(), (std::vector<std::string>{"clerk", "auditor"}));
  s.erase(Role::clerk);
  EXPECT_EQ(s, RoleSet{Role::auditor});
  s.erase(Role::auditor);
  EXPECT_TRUE(s.empty());
}

TEST(Roles, parse_roles_names_the_unknown_element) {
  const std::vector<std::string> names = {"clerk", "approver", "boss"};
  auto r = parse_roles(names);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "roles[2]");
  EXPECT_EQ(r.error().rule, "unknown_role");
  EXPECT_NE(r.error().message.find("boss"), std::string::npos);
  const std::vector<std::string> good = {"clerk", "approver", "clerk"};
  EXPECT_EQ(*parse_roles(good), (RoleSet{Role::clerk, Role::approver}));
}

TEST(Roles, supervisor_scope_names) {
  EXPECT_EQ(parse_supervisor_scope("city"), SupervisorScope::city);
  EXPECT_EQ(parse_supervisor_scope("province"), SupervisorScope::province);
  EXPECT_FALSE(parse_supervisor_scope("nation"));
  EXPECT_EQ(to_string(SupervisorScope::province), "province");
}

// What may_manage_staff answers, as "ok" or "<code>/<rule>".
std::string verdict(const Actor& actor, const StaffChange& change) {
  auto r = may_manage_staff(actor, change);
  if (r) return "ok";
  return std::string(to_string(r.error().code)) + "/" + r.error().rule;
}

// One grantable thing: a staff role, with supervisor in both scopes.
struct Grant {
  std::string name;
  RoleSet roles;
  SupervisorScope scope = SupervisorScope::city;
};

std::vector<Grant> grants() {
  std::vector<Grant> out;
  for (auto r : kAllRoles) {
    if (!is_staff_role(r)) continue;
    if (r == Role::supervisor) {
      out.push_back({"supervisor(city)", {r}, SupervisorScope::city});
      out.push_back({"supervisor(province)", {r}, SupervisorScope::province});
    } else {
      out.push_back({std::string(to_string(r)), {r}});
    }
  }
  return out;
}

// The expected answer, written out as a table rather than recomputed by the same logic.
const std::map<std::string, std::string> kDeptAdminOwnCity = {
    {"clerk", "ok"},
    {"examiner", "ok"},
    {"approver", "ok"},
    {"supervisor(city)", "ok"},
    {"supervisor(province)", "forbidden/role_not_grantable"},
    {"dept_admin", "forbidden/role_not_grantable"},
    {"platform_admin", "forbidden/role_not_grantable"},
    {"auditor", "ok"},
};

TEST(StaffManagement, every_actor_role_by_city_by_grantable_role) {
  int checked = 0;
  for (auto actor_role : kAllRoles) {
    for (const auto& city : {kOwnCity, kOtherCity}) {
      for (const auto& g : grants()) {
        const Actor actor{{actor_role}, kOwnCity, "civil-affairs"};
        const StaffChange change{city, "health", g.roles, {}, g.scope, SupervisorScope::city};
        std::string expected;
        if (actor_role == Role::platform_admin) {
          expected = "ok";
        } else if (actor_role != Role::dept_admin) {
          expected = "forbidden/not_staff_admin";
        } else if (city != kOwnCity) {
          expected = "forbidden/not_your_city";
        } else {
          expected = kDeptAdminOwnCity.at(g.name);
        }
        EXPECT_EQ(verdict(actor, change), expected) << to_string(actor_role) << " in " << kOwnCity
                                                    << " granting " << g.name << " in " << city;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 9 * 2 * 8);
}

TEST(StaffManagement, a_dept_admin_with_other_roles_is_still_a_dept_admin) {
  const Actor actor{{Role::clerk, Role::dept_admin}, kOwnCity, "d"};
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::approver}, {}}), "ok");
  const Actor clerk{{Role::clerk, Role::approver, Role::supervisor, Role::auditor}, kOwnCity, "d"};
  EXPECT_EQ(verdict(clerk, {kOwnCity, "d", {Role::approver}, {}}), "forbidden/not_staff_admin");
}

TEST(StaffManagement, nobody_grants_citizen_or_enterprise_to_staff) {
  for (auto admin : {Role::platform_admin, Role::dept_admin}) {
    const Actor actor{{admin}, kOwnCity, "d"};
    for (auto r : {Role::citizen, Role::enterprise}) {
      EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::clerk, r}, {}}),
                "invalid_argument/role_not_grantable");
    }
  }
}

TEST(StaffManagement, an_empty_role_set_is_invalid) {
  for (auto admin : {Role::platform_admin, Role::dept_admin}) {
    const Actor actor{{admin}, kOwnCity, "d"};
    EXPECT_EQ(verdict(actor, {kOwnCity, "d", {}, {Role::clerk}}), "invalid_argument/empty_roles");
  }
}

TEST(StaffManagement, a_dept_admin_does_not_touch_a_platform_admin) {
  const Actor actor{{Role::dept_admin}, kOwnCity, "d"};
  // Even keeping platform_admin and only adding clerk.
  EXPECT_EQ(
      verdict(actor, {kOwnCity, "d", {Role::platform_admin, Role::clerk}, {Role::platform_admin}}),
      "forbidden/role_not_grantable");
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::clerk}, {Role::platform_admin}}),
            "forbidden/role_not_grantable");
  const Actor platform{{Role::platform_admin}, kOtherCity, "d"};
  EXPECT_EQ(verdict(platform, {kOwnCity, "d", {Role::clerk}, {Role::platform_admin}}), "ok");
}

TEST(StaffManagement, a_dept_admin_neither_grants_nor_revokes_dept_admin) {
  const Actor actor{{Role::dept_admin}, kOwnCity, "d"};
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::clerk}, {Role::dept_admin}}),
            "forbidden/role_not_grantable");
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::dept_admin, Role::clerk}, {Role::clerk}}),
            "forbidden/role_not_grantable");
  // A peer keeps dept_admin and gains examiner: allowed.
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::dept_admin, Role::examiner}, {Role::dept_admin}}),
            "ok");
}

TEST(StaffManagement, a_dept_admin_neither_grants_nor_revokes_province_scope) {
  const Actor actor{{Role::dept_admin}, kOwnCity, "d"};
  const RoleSet sup{Role::supervisor};
  using enum SupervisorScope;
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", sup, sup, city, province}),
            "forbidden/role_not_grantable");  // narrowing province to city
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::clerk}, sup, city, province}),
            "forbidden/role_not_grantable");  // revoking a province supervisor
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", sup, {Role::clerk}, province, city}),
            "forbidden/role_not_grantable");
  EXPECT_EQ(
      verdict(actor, {kOwnCity, "d", {Role::supervisor, Role::auditor}, sup, province, province}),
      "ok");  // leaves the province supervisor as it is
  EXPECT_EQ(verdict(actor, {kOwnCity, "d", {Role::clerk}, sup, city, city}), "ok");
}

TEST(StaffManagement, the_department_does_not_limit_a_dept_admin) {
  const Actor actor{{Role::dept_admin}, kOwnCity, "civil-affairs"};
  EXPECT_EQ(verdict(actor, {kOwnCity, "public-security", {Role::clerk}, {}}), "ok");
}

TEST(StaffManagement, refusals_name_the_roles_field) {
  const Actor actor{{Role::clerk}, kOwnCity, "d"};
  auto r = may_manage_staff(actor, {kOwnCity, "d", {Role::clerk}, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::forbidden);
  EXPECT_EQ(r.error().field, "roles");
  EXPECT_FALSE(r.error().retryable);
  EXPECT_FALSE(r.error().message.empty());
}

}  // namespace
}  // namespace tongban::identity

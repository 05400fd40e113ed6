#include "domain/assurance.hpp"

#include <gtest/gtest.h>

namespace tongban::identity {
namespace {

const std::string kName = "张伟";
const std::string kId = "11010519491231002X";

AssuranceEvidence id_match(std::string name, std::string id) {
  return {IdMatch{std::move(name), std::move(id), kName, kId}, std::nullopt};
}

AssuranceEvidence in_person(RoleSet roles, std::string city, std::string name = kName,
                            std::string id = kId) {
  return {std::nullopt,
          InPersonCheck{roles, std::move(city), std::move(name), std::move(id), kName, kId}};
}

std::string verdict(int current, int requested, const AssuranceEvidence& e) {
  auto r = raise_assurance(current, requested, e);
  if (r) return "L" + std::to_string(*r);
  return std::string(to_string(r.error().code)) + "/" + r.error().rule + "@" + r.error().field;
}

TEST(Assurance, matching_name_and_id_raise_to_level_two) {
  EXPECT_EQ(verdict(1, 2, id_match(kName, kId)), "L2");
  // The check character may come in lower case.
  EXPECT_EQ(verdict(1, 2, id_match(kName, "11010519491231002x")), "L2");
}

TEST(Assurance, a_mismatch_does_not_raise) {
  EXPECT_EQ(verdict(1, 2, id_match("张玮", kId)), "invalid_argument/assurance_evidence@name");
  EXPECT_EQ(verdict(1, 2, id_match(kName, "440301200002290015")),
            "invalid_argument/assurance_evidence@id_number");
  EXPECT_EQ(verdict(1, 2, id_match("", kId)), "invalid_argument/assurance_evidence@name");
  EXPECT_EQ(verdict(1, 2, id_match(kName, "")), "invalid_argument/assurance_evidence@id_number");
}

TEST(Assurance, level_two_needs_its_evidence) {
  EXPECT_EQ(verdict(1, 2, {}), "invalid_argument/assurance_evidence@evidence");
  // In-person evidence is for level 3; it does not stand in for the level-2 check.
  EXPECT_EQ(verdict(1, 2, in_person({Role::clerk}, "320100")),
            "invalid_argument/assurance_evidence@evidence");
}

TEST(Assurance, a_clerk_of_any_city_raises_to_level_three) {
  EXPECT_EQ(verdict(2, 3, in_person({Role::clerk}, "320100")), "L3");
  EXPECT_EQ(verdict(2, 3, in_person({Role::clerk, Role::examiner}, "440300")), "L3");
}

TEST(Assurance, level_three_may_skip_level_two) {
  EXPECT_EQ(verdict(1, 3, in_person({Role::clerk}, "320100")), "L3");
}

TEST(Assurance, only_a_clerk_records_level_three) {
  for (auto r : {Role::citizen, Role::enterprise, Role::examiner, Role::approver, Role::supervisor,
                 Role::dept_admin, Role::platform_admin, Role::auditor}) {
    EXPECT_EQ(verdict(2, 3, in_person({r}, "320100")), "forbidden/assurance_evidence@evidence")
        << to_string(r);
  }
  EXPECT_EQ(verdict(2, 3, in_person({Role::clerk}, "")), "forbidden/assurance_evidence@evidence");
}

TEST(Assurance, level_three_needs_the_card_to_match) {
  EXPECT_EQ(verdict(2, 3, in_person({Role::clerk}, "320100", "李娜")),
            "invalid_argument/assurance_evidence@name");
  EXPECT_EQ(verdict(2, 3, in_person({Role::clerk}, "320100", kName, "440301200002290015")),
            "invalid_argument/assurance_evidence@id_number");
  EXPECT_EQ(verdict(2, 3, id_match(kName, kId)), "invalid_argument/assurance_evidence@evidence");
}

TEST(Assurance, never_lowers) {
  EXPECT_EQ(verdict(3, 2, id_match(kName, kId)), "invalid_argument/assurance_not_lower@level");
  EXPECT_EQ(verdict(2, 1, {}), "invalid_argument/assurance_not_lower@level");
  EXPECT_EQ(verdict(3, 1, {}), "invalid_argument/assurance_not_lower@level");
}

TEST(Assurance, the_same_level_is_a_no_op) {
  for (int l = 1; l <= 3; ++l) EXPECT_EQ(verdict(l, l, {}), "L" + std::to_string(l));
}

TEST(Assurance, levels_outside_one_to_three_are_invalid) {
  EXPECT_EQ(verdict(1, 0, {}), "invalid_argument/assurance_level@level");
  EXPECT_EQ(verdict(1, 4, {}), "invalid_argument/assurance_level@level");
}

}  // namespace
}  // namespace tongban::identity

#include "tongban/auth/claims.hpp"

#include "support.hpp"

namespace tongban::auth {
namespace {

Principal principal_of(boost::json::object payload) {
  auto c = parse_claims(payload);
  if (!c) throw std::runtime_error(c.error().message);
  return Principal(std::make_shared<const Claims>(std::move(*c)));
}

TEST(Claims, reads_every_subject_type) {
  for (const char* type : {"citizen", "enterprise", "staff", "service"}) {
    auto payload = test::staff_claims(test::kStart);
    payload["sub_type"] = type;
    auto c = parse_claims(payload);
    ASSERT_TRUE(c) << type;
    EXPECT_EQ(to_string(c->subject_type), type);
  }
  auto payload = test::staff_claims(test::kStart);
  payload["sub_type"] = "robot";
  EXPECT_EQ(parse_claims(payload).error().rule, "invalid_claim");
}

TEST(Claims, assurance_level_comes_from_acr) {
  auto payload = test::staff_claims(test::kStart);
  for (int level = 1; level <= 3; ++level) {
    payload["acr"] = "L" + std::to_string(level);
    EXPECT_EQ(parse_claims(payload)->assurance_level, level);
  }
  payload["acr"] = "L4";
  EXPECT_EQ(parse_claims(payload).error().rule, "invalid_claim");
  payload["acr"] = 2;
  EXPECT_FALSE(parse_claims(payload));
  payload.erase("acr");
  EXPECT_EQ(parse_claims(payload)->assurance_level, 0);
}

TEST(Claims, city_must_be_a_six_digit_division_code) {
  auto payload = test::staff_claims(test::kStart);
  for (const char* bad : {"44030", "4403000", "44030a", "shenzhen"}) {
    payload["city"] = bad;
    auto c = parse_claims(payload);
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().field, "token");
  }
  payload.erase("city");  // service accounts have none
  EXPECT_EQ(parse_claims(payload)->city, "");
}

TEST(Claims, roles_must_be_strings) {
  auto payload = test::staff_claims(test::kStart);
  payload["roles"] = boost::json::array{"clerk", 7};
  EXPECT_FALSE(parse_claims(payload));
  payload["roles"] = "clerk";
  EXPECT_FALSE(parse_claims(payload));
}

TEST(Principal, answers_role_and_scope_questions) {
  auto p = principal_of(test::staff_claims(test::kStart));
  EXPECT_TRUE(p.has_role("clerk"));
  EXPECT_FALSE(p.has_role("approver"));
  EXPECT_TRUE(p.has_any_role({"approver", "examiner"}));
  EXPECT_FALSE(p.has_any_role({"approver", "platform_admin"}));
  EXPECT_FALSE(p.has_any_role({}));
  EXPECT_TRUE(p.has_scope("cases:write"));
  EXPECT_FALSE(p.has_scope("cases"));
}

TEST(Principal, answers_place_questions_by_division_code) {
  auto p = principal_of(test::staff_claims(test::kStart));  // 440300 Shenzhen
  EXPECT_TRUE(p.in_city("440300"));
  EXPECT_FALSE(p.in_city("440100"));  // Guangzhou
  EXPECT_FALSE(p.in_city("4403"));
  EXPECT_TRUE(p.in_province("440100"));
  EXPECT_FALSE(p.in_province("110000"));  // Beijing
  EXPECT_FALSE(p.in_province("44"));
  auto payload = test::staff_claims(test::kStart);
  payload.erase("city");
  auto cityless = principal_of(payload);
  EXPECT_FALSE(cityless.in_city("440300"));
  EXPECT_FALSE(cityless.in_province("440300"));
}

TEST(Principal, assurance_rules_fail_closed_without_acr) {
  auto p = principal_of(test::staff_claims(test::kStart));
  EXPECT_TRUE(p.assurance_at_least(1));
  EXPECT_TRUE(p.assurance_at_least(2));
  EXPECT_FALSE(p.assurance_at_least(3));
  auto payload = test::staff_claims(test::kStart);
  payload.erase("acr");
  EXPECT_FALSE(principal_of(payload).assurance_at_least(1));
}

}  // namespace
}  // namespace tongban::auth

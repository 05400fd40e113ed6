#include "domain/standardisation.hpp"

#include <gtest/gtest.h>

#include "test_items.hpp"

namespace tongban::catalog {
namespace {

using testing::licence_item;
using testing::standard_impl;

Material extra(const char* zh) { return {zh, "Extra", MaterialForm::original, std::nullopt}; }

void expect_symmetric(const BaseItem& item, const Implementation& a, const Implementation& b) {
  const auto ab = compare(item, a, b);
  const auto ba = compare(item, b, a);
  EXPECT_EQ(ab.score, ba.score);
  ASSERT_EQ(ab.deviations.size(), ba.deviations.size());
  for (const auto& d : ab.deviations) {
    auto mirrored = d;
    mirrored.side = d.side == Side::a ? Side::b : Side::a;
    EXPECT_NE(std::find(ba.deviations.begin(), ba.deviations.end(), mirrored), ba.deviations.end())
        << to_string(d.kind) << " " << d.detail;
  }
}

TEST(Standardisation, identical_implementations_score_100) {
  const auto item = licence_item();
  const auto a = standard_impl(item, "320100");
  const auto b = standard_impl(item, "440300");
  const auto c = compare(item, a, b);
  EXPECT_EQ(c.score, 100);
  EXPECT_TRUE(c.deviations.empty());
  EXPECT_EQ(score_against_standard(item, a).score, 100);
}

TEST(Standardisation, each_deviation_alone_costs_its_documented_penalty) {
  const auto item = licence_item();
  const auto base = standard_impl(item);
  struct Case {
    const char* name;
    void (*change)(Implementation&);
    DeviationKind kind;
    int penalty;
  };
  const std::vector<Case> cases = {
      {"one extra material", [](Implementation& i) { i.extra_materials = {extra("申请表")}; },
       DeviationKind::extra_material, kExtraMaterialPenalty},
      {"3 days longer", [](Implementation& i) { i.promised_limit_days += 3; },
       DeviationKind::longer_limit, 3 * kLimitPenaltyPerDay},
      {"15 days longer (capped)", [](Implementation& i) { i.promised_limit_days += 15; },
       DeviationKind::longer_limit, kLimitPenaltyCap},
      {"a higher fee",
       [](Implementation& i) {
         i.fees.push_back({"考试费", 50});
       },
       DeviationKind::fee_difference, kFeePenalty},
      {"no mail", [](Implementation& i) { i.delivery_methods = {DeliveryMethod::window}; },
       DeviationKind::missing_delivery_method, kDeliveryPenalty},
      {"not online", [](Implementation& i) { i.online_level = OnlineLevel::none; },
       DeviationKind::worse_online_level, kLevelPenaltyPerStep},
      {"more visits", [](Implementation& i) { i.visit_level = VisitLevel::multiple; },
       DeviationKind::worse_visit_level, kLevelPenaltyPerStep},
      {"no cross-city", [](Implementation& i) { i.accepts_cross_city = false; },
       DeviationKind::no_cross_city_acceptance, kCrossCityPenalty},
  };
  for (const auto& c : cases) {
    auto changed = base;
    c.change(changed);
    const auto pair = compare(item, base, changed);
    ASSERT_EQ(pair.deviations.size(), 1u) << c.name;
    EXPECT_EQ(pair.deviations[0].kind, c.kind) << c.name;
    EXPECT_EQ(pair.deviations[0].side, Side::b) << c.name;
    EXPECT_EQ(pair.deviations[0].penalty, c.penalty) << c.name;
    EXPECT_EQ(pair.score, 100 - c.penalty) << c.name;
    expect_symmetric(item, base, changed);

    // Against the national standard (typical limit 5, fee 10, window+mail, partial, once).
    const auto std_cmp = score_against_standard(item, changed);
    ASSERT_EQ(std_cmp.deviations.size(), 1u) << c.name;
    EXPECT_EQ(std_cmp.deviations[0].kind, c.kind) << c.name;
    EXPECT_EQ(std_cmp.score, 100 - c.penalty) << c.name;
  }
}

TEST(Standardisation, two_online_steps_cost_twice) {
  auto item = licence_item();
  auto a = standard_impl(item);
  a.online_level = OnlineLevel::full;
  auto b = standard_impl(item);
  b.online_level = OnlineLevel::none;
  const auto c = compare(item, a, b);
  ASSERT_EQ(c.deviations.size(), 1u);
  EXPECT_EQ(c.deviations[0].penalty, 2 * kLevelPenaltyPerStep);
  EXPECT_EQ(c.deviations[0].detail, "none < full");
}

TEST(Standardisation, doing_better_than_the_standard_costs_nothing) {
  const auto item = licence_item();
  auto impl = standard_impl(item);
  impl.promised_limit_days = 1;
  impl.online_level = OnlineLevel::full;
  impl.visit_level = VisitLevel::zero;
  impl.delivery_methods.push_back(DeliveryMethod::online);
  EXPECT_EQ(score_against_standard(item, impl).score, 100);
  // ... but against a city that did not, the other city deviates.
  const auto c = compare(item, impl, standard_impl(item));
  EXPECT_LT(c.score, 100);
  for (const auto& d : c.deviations) EXPECT_EQ(d.side, Side::b);
}

TEST(Standardisation, shared_extra_materials_are_no_deviation_between_cities) {
  const auto item = licence_item();
  auto a = standard_impl(item);
  auto b = standard_impl(item);
  a.extra_materials = {extra("申请表"), extra("居住证明")};
  b.extra_materials = {extra("申请表"), extra("单位证明")};
  const auto c = compare(item, a, b);
  ASSERT_EQ(c.deviations.size(), 2u);
  EXPECT_EQ(c.deviations[0].detail, "居住证明");
  EXPECT_EQ(c.deviations[0].side, Side::a);
  EXPECT_EQ(c.deviations[1].detail, "单位证明");
  EXPECT_EQ(c.deviations[1].side, Side::b);
  EXPECT_EQ(c.score, 100 - 2 * kExtraMaterialPenalty);
  expect_symmetric(item, a, b);
}

TEST(Standardisation, the_score_never_goes_below_zero_and_stays_symmetric) {
  const auto item = licence_item();
  auto a = standard_impl(item);
  auto b = standard_impl(item);
  b.extra_materials = {extra("申请表"), extra("居住证明"), extra("单位证明"), extra("近期免冠照片"),
                       extra("承诺书")};
  b.promised_limit_days = item.statutory_limit_days;
  b.fees.push_back({"考试费", 100});
  b.delivery_methods = {DeliveryMethod::online};
  b.online_level = OnlineLevel::none;
  b.visit_level = VisitLevel::multiple;
  b.accepts_cross_city = false;
  a.online_level = OnlineLevel::full;
  const auto c = compare(item, a, b);
  EXPECT_EQ(c.score, 0);
  EXPECT_GT(c.deviations.size(), 8u);
  expect_symmetric(item, a, b);
  EXPECT_EQ(score_against_standard(item, b).score, 0);
}

TEST(Standardisation, lower_fees_deviate_only_against_the_standard) {
  const auto item = licence_item();
  auto impl = standard_impl(item);
  impl.fees.clear();
  const auto s = score_against_standard(item, impl);
  ASSERT_EQ(s.deviations.size(), 1u);
  EXPECT_EQ(s.deviations[0].kind, DeviationKind::fee_difference);
  // Between two cities the one that charges more is the deviating side.
  const auto c = compare(item, impl, standard_impl(item));
  ASSERT_EQ(c.deviations.size(), 1u);
  EXPECT_EQ(c.deviations[0].side, Side::b);
}

}  // namespace
}  // namespace tongban::catalog

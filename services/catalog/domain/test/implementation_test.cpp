#include "domain/implementation.hpp"

#include <gtest/gtest.h>

#include "test_items.hpp"

namespace tongban::catalog {
namespace {

using testing::licence_item;
using testing::standard_impl;

Error read_error(const boost::json::object& o, const BaseItem& item) {
  auto r = read_implementation(o, item);
  EXPECT_FALSE(r);
  return r ? Error{} : r.error();
}

TEST(Implementation, a_standard_implementation_round_trips) {
  const auto item = licence_item();
  auto impl = standard_impl(item);
  impl.extra_materials.push_back({"申请表", "Application form", MaterialForm::original, {}});
  auto r = read_implementation(to_json(impl), item);
  ASSERT_TRUE(r) << r.error().field << ": " << r.error().message;
  EXPECT_EQ(*r, impl);
  EXPECT_EQ(total_fees(*r), 10);
}

TEST(Implementation, errors_name_the_field_and_rule) {
  const auto item = licence_item();
  struct Case {
    const char* key;
    boost::json::value value;
    const char* field;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"item_code", "TR-0002", "item_code", "item_mismatch"},
      {"city", "999999", "city", "unknown_city"},
      {"department", "", "department", "min_length"},
      {"promised_limit_days", 21, "promised_limit_days", "promised_above_statutory"},
      {"promised_limit_days", 0, "promised_limit_days", "range"},
      {"delivery_methods", boost::json::array{}, "delivery_methods", "min_items"},
      {"delivery_methods", boost::json::array{"pigeon"}, "delivery_methods[0]", "enum"},
      {"online_level", "best", "online_level", "enum"},
      {"visit_level", "zero", "online_level", "zero_visit_requires_full_online"},
      {"accepts_cross_city", "yes", "accepts_cross_city", "type"},
      {"fees", boost::json::array{boost::json::object{{"name", "工本费"}, {"amount_cny", -1}}},
       "fees[0].amount_cny", "negative_fee"},
      {"fees",
       boost::json::array{boost::json::object{{"name", "工本费"}, {"amount_cny", 1}},
                          boost::json::object{{"name", "工本费"}, {"amount_cny", 2}}},
       "fees[1].name", "duplicate_fee"},
      {"fees", boost::json::array{boost::json::object{{"name", "工本费"}}}, "fees[0].amount_cny",
       "required"},
      {"extra_materials",
       boost::json::array{boost::json::object{{"name_zh", "居民身份证"},
                                              {"name_en", "ID card"},
                                              {"form", "copy"},
                                              {"e_licence_type", nullptr}}},
       "extra_materials[0].name_zh", "duplicate_material"},
      {"extra_materials",
       boost::json::array{boost::json::object{{"name_zh", "申请表"},
                                              {"name_en", "Form"},
                                              {"form", "fax"},
                                              {"e_licence_type", nullptr}}},
       "extra_materials[0].form", "enum"},
      {"owner", "me", "owner", "unknown_key"},
  };
  for (const auto& c : cases) {
    auto o = to_json(standard_impl(item));
    o[c.key] = c.value;
    auto e = read_error(o, item);
    EXPECT_EQ(e.field, c.field) << c.key << ": " << e.message;
    EXPECT_EQ(e.rule, c.rule) << c.key << ": " << e.message;
  }
}

TEST(Implementation, cross_city_acceptance_needs_an_eligible_item) {
  auto item = licence_item();
  item.cross_city_eligible = false;
  auto o = to_json(standard_impl(item));
  o["accepts_cross_city"] = true;
  auto e = read_error(o, item);
  EXPECT_EQ(e.field, "accepts_cross_city");
  EXPECT_EQ(e.rule, "not_cross_city_eligible");
}

TEST(Implementation, a_licensing_item_without_any_material_is_refused) {
  auto item = licence_item();
  item.materials.clear();
  auto impl = standard_impl(item);
  auto e = read_error(to_json(impl), item);
  EXPECT_EQ(e.rule, "materials_required");
  impl.extra_materials.push_back({"申请表", "Application form", MaterialForm::original, {}});
  EXPECT_TRUE(read_implementation(to_json(impl), item));
}

TEST(Implementation, worse_levels_than_the_standard_are_allowed) {
  const auto item = licence_item();
  auto impl = standard_impl(item);
  impl.online_level = OnlineLevel::none;
  impl.visit_level = VisitLevel::multiple;
  EXPECT_TRUE(validate_implementation(impl, item));
  impl.online_level = OnlineLevel::full;
  impl.visit_level = VisitLevel::zero;
  EXPECT_TRUE(validate_implementation(impl, item));
}

}  // namespace
}  // namespace tongban::catalog

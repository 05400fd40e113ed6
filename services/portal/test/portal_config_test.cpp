// Every knob the portal reads is documented, and the CSV and scope helpers behave.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "portal.hpp"
#include "tongban/testing/process.hpp"

namespace {

TEST(PortalConfig, every_config_knob_is_documented) {
  auto missing = tongban::testing::undocumented_knobs(
      TONGBAN_PORTAL_BIN, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md",
                           std::string(TONGBAN_SOURCE_DIR) + "/services/portal/README.md"});
  EXPECT_TRUE(missing.empty()) << "undocumented: " << ::testing::PrintToString(missing);
}

TEST(PortalScope, rows_and_keys_of_other_provinces_are_removed) {
  auto v = boost::json::parse(R"({
    "cities": [{"city": "320100"}, {"city": "440100"}],
    "pairs": [{"city_a": "320100", "city_b": "440100"}, {"city_a": "440100", "city_b": "440300"}],
    "by_city": {"320100": 1, "440100": 2},
    "total": 3})");
  tongban::portal::filter_to_cities(v, [](std::string_view c) { return c.substr(0, 2) == "32"; });
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("cities").as_array().size(), 1u);
  EXPECT_EQ(o.at("pairs").as_array().size(), 1u);  // a pair touching the province stays
  EXPECT_TRUE(o.at("by_city").as_object().contains("320100"));
  EXPECT_FALSE(o.at("by_city").as_object().contains("440100"));
  EXPECT_EQ(o.at("total"), 3);
}

TEST(PortalCsv, pairs_become_rows_with_a_header_and_quoted_text) {
  auto doc = boost::json::parse(R"({"collaboration": {"pairs": [
    {"city_a": "320100", "city_b": "320200", "cases": 3, "unused_items": ["A", "B"], "note": "x,y"}]}})")
                 .as_object();
  auto csv = tongban::portal::to_csv(doc, "pairs");
  ASSERT_TRUE(csv);
  EXPECT_EQ(*csv, "city_a,city_b,cases,unused_items,note\n320100,320200,3,A B,\"x,y\"\n");
  EXPECT_FALSE(tongban::portal::to_csv(doc, "nothing"));
}

}  // namespace

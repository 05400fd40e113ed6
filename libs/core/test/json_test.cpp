#include "tongban/core/json.hpp"

#include <gtest/gtest.h>

namespace tongban::json {
namespace {

TEST(Json, malformed_body_names_the_parser_error) {
  auto r = parse_object("{\"a\": ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_EQ(r.error().field, "body");
  EXPECT_EQ(r.error().rule, "json_syntax");
}

TEST(Json, number_past_double_range_is_refused_where_it_is) {
  // Boost.JSON reads these as infinity and would write them back as `Infinity` (not JSON).
  auto r = parse(R"({"items": [{"amount": 1}, {"amount": -1e400}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_EQ(r.error().field, "items[1].amount");
  EXPECT_EQ(r.error().rule, "number_range");
  auto top = parse("1" + std::string(400, '0'));
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().field, "body");
  EXPECT_TRUE(parse(R"({"big": 1.7976931348623157e308, "tiny": 1e-400})"));
}

TEST(Json, top_level_array_is_not_an_object) {
  auto r = parse_object("[1,2]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "type");
}

TEST(Json, deep_nesting_is_refused) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_FALSE(parse(deep));
}

TEST(JsonReader, missing_required_field_is_named) {
  auto obj = parse_object(R"({"name": "x"})");
  ASSERT_TRUE(obj);
  Reader r(*obj);
  auto phone = r.string("phone");
  ASSERT_FALSE(phone);
  EXPECT_EQ(phone.error().field, "phone");
  EXPECT_EQ(phone.error().rule, "required");
}

TEST(JsonReader, wrong_type_and_ranges_are_named_with_path) {
  auto obj = parse_object(R"({"limit": "ten", "days": 400, "s": "abcdef", "on": 1})");
  ASSERT_TRUE(obj);
  Reader r(*obj, "item");
  EXPECT_EQ(r.integer("limit", 0, 10).error().rule, "type");
  EXPECT_EQ(r.integer("limit", 0, 10).error().field, "item.limit");
  EXPECT_EQ(r.integer("days", 1, 365).error().rule, "range");
  EXPECT_EQ(r.string("s", 1, 3).error().rule, "max_length");
  EXPECT_EQ(r.string("s", 10, 30).error().rule, "min_length");
  EXPECT_EQ(r.boolean("on").error().rule, "type");
  EXPECT_EQ(*r.optional_integer("absent", 0, 1), std::nullopt);
}

TEST(JsonReader, enum_lists_allowed_values) {
  auto obj = parse_object(R"({"right": "DECIDE"})");
  ASSERT_TRUE(obj);
  auto v = Reader(*obj).one_of("right", {"RECEIPT", "RECEIPT_AND_PRELIMINARY_EXAMINATION"});
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().rule, "enum");
  EXPECT_NE(v.error().message.find("RECEIPT_AND_PRELIMINARY_EXAMINATION"), std::string::npos);
}

TEST(JsonReader, arrays_bounds) {
  auto obj = parse_object(R"({"items": [1,2,3]})");
  ASSERT_TRUE(obj);
  Reader r(*obj);
  EXPECT_EQ((*r.array("items", 1, 5))->size(), 3u);
  EXPECT_EQ(r.array("items", 4, 5).error().rule, "min_items");
  EXPECT_EQ(r.array("items", 0, 2).error().rule, "max_items");
  EXPECT_EQ(r.array("missing", 1, 2).error().rule, "required");
}

}  // namespace
}  // namespace tongban::json

#include "domain/item.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tongban/core/json.hpp"

namespace tongban::catalog {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

boost::json::object good_item() {
  return json::parse_object(R"({
    "code": "PS-0001", "name_zh": "居民身份证换领", "name_en": "Renewal of an ID card",
    "power_type": "administrative_confirmation", "department_category": "public_security",
    "legal_basis": ["《中华人民共和国居民身份证法》第十一条"],
    "materials": [
      {"name_zh": "原居民身份证", "name_en": "The old card", "form": "original",
       "e_licence_type": null},
      {"name_zh": "户口簿", "name_en": "Household register", "form": "original",
       "e_licence_type": "household_register"}],
    "statutory_limit_days": 60, "promised_limit_days_typical": 20,
    "visit_level": "once", "online_level": "partial", "cross_city_eligible": true,
    "min_assurance_level": 3, "fee": {"amount_cny": 20, "basis": "工本费每证20元"},
    "delivery_methods": ["window", "mail"], "frequency_rank": 6})")
      .value();
}

Error read_error(const boost::json::object& o) {
  auto r = read_base_item(o);
  EXPECT_FALSE(r);
  return r ? Error{} : r.error();
}

TEST(Item, enum_names_round_trip) {
  for (int i = 0; i < 8; ++i) {
    auto v = static_cast<PowerType>(i);
    EXPECT_EQ(parse_power_type(to_string(v)), v);
  }
  for (int i = 0; i < 14; ++i) {
    auto v = static_cast<DepartmentCategory>(i);
    EXPECT_EQ(parse_department_category(to_string(v)), v);
    EXPECT_EQ(code_prefix(v).size(), 2u);
  }
  for (int i = 0; i < 17; ++i) {
    auto v = static_cast<ELicenceType>(i);
    EXPECT_EQ(parse_e_licence_type(to_string(v)), v);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parse_material_form(to_string(static_cast<MaterialForm>(i))),
              static_cast<MaterialForm>(i));
    EXPECT_EQ(parse_visit_level(to_string(static_cast<VisitLevel>(i))), static_cast<VisitLevel>(i));
    EXPECT_EQ(parse_online_level(to_string(static_cast<OnlineLevel>(i))),
              static_cast<OnlineLevel>(i));
    EXPECT_EQ(parse_delivery_method(to_string(static_cast<DeliveryMethod>(i))),
              static_cast<DeliveryMethod>(i));
  }
  EXPECT_FALSE(parse_power_type("Administrative_licensing"));
  EXPECT_FALSE(parse_visit_level(""));
}

TEST(Item, a_good_item_reads_and_round_trips) {
  auto r = read_base_item(good_item());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->code, "PS-0001");
  EXPECT_EQ(r->materials.size(), 2u);
  EXPECT_EQ(r->materials[1].e_licence_type, ELicenceType::household_register);
  EXPECT_FALSE(r->materials[0].e_licence_type);
  ASSERT_TRUE(r->fee);
  EXPECT_EQ(r->fee->amount_cny, 20);
  auto again = read_base_item(to_json(*r));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *r);
}

TEST(Item, errors_name_the_field_and_rule) {
  struct Case {
    const char* key;
    boost::json::value value;
    const char* field;
    const char* rule;
  };
  const std::vector<Case> cases = {
      {"code", "PS-001", "code", "code_format"},
      {"code", "PS-0000", "code", "code_format"},
      {"code", "HR-0001", "code", "code_prefix"},
      {"name_zh", "Renewal", "name_zh", "chinese_text"},
      {"name_zh", " 换领", "name_zh", "trimmed"},
      {"name_en", "换领", "name_en", "ascii_text"},
      {"power_type", "licensing", "power_type", "enum"},
      {"department_category", "police", "department_category", "enum"},
      {"legal_basis", boost::json::array{}, "legal_basis", "min_items"},
      {"legal_basis", boost::json::array{"居民身份证法"}, "legal_basis[0]", "law_reference"},
      {"legal_basis", boost::json::array{"《法》", "《法》"}, "legal_basis[1]", "duplicate"},
      {"statutory_limit_days", 0, "statutory_limit_days", "range"},
      {"statutory_limit_days", 10, "promised_limit_days_typical", "promised_above_statutory"},
      {"visit_level", "zero", "online_level", "zero_visit_requires_full_online"},
      {"online_level", "most", "online_level", "enum"},
      {"cross_city_eligible", "yes", "cross_city_eligible", "type"},
      {"min_assurance_level", 4, "min_assurance_level", "range"},
      {"delivery_methods", boost::json::array{}, "delivery_methods", "min_items"},
      {"delivery_methods", boost::json::array{"window", "fax"}, "delivery_methods[1]", "enum"},
      {"delivery_methods", boost::json::array{"mail", "mail"}, "delivery_methods[1]", "duplicate"},
      {"frequency_rank", "1", "frequency_rank", "type"},
      {"colour", "red", "colour", "unknown_key"},
  };
  for (const auto& c : cases) {
    auto o = good_item();
    o[c.key] = c.value;
    auto e = read_error(o);
    EXPECT_EQ(e.field, c.field) << c.key << ": " << e.message;
    EXPECT_EQ(e.rule, c.rule) << c.key << ": " << e.message;
    EXPECT_EQ(e.code, Errc::invalid_argument);
  }
}

TEST(Item, material_errors_name_the_index) {
  auto o = good_item();
  o["materials"].as_array()[1].as_object()["form"] = "scan";
  auto e = read_error(o);
  EXPECT_EQ(e.field, "materials[1].form");
  EXPECT_EQ(e.rule, "enum");

  o = good_item();
  o["materials"].as_array()[0].as_object()["e_licence_type"] = "passport";
  EXPECT_EQ(read_error(o).field, "materials[0].e_licence_type");

  o = good_item();
  o["materials"].as_array()[0].as_object().erase("e_licence_type");
  e = read_error(o);
  EXPECT_EQ(e.field, "materials[0].e_licence_type");
  EXPECT_EQ(e.rule, "required");

  o = good_item();
  o["materials"].as_array()[1].as_object()["name_zh"] = "原居民身份证";
  e = read_error(o);
  EXPECT_EQ(e.field, "materials[1].name_zh");
  EXPECT_EQ(e.rule, "duplicate_material");

  o = good_item();
  o["materials"].as_array()[1].as_object()["extra"] = 1;
  EXPECT_EQ(read_error(o).rule, "unknown_key");
}

TEST(Item, licensing_items_need_materials) {
  auto o = good_item();
  o["power_type"] = "administrative_licensing";
  o["materials"] = boost::json::array{};
  auto e = read_error(o);
  EXPECT_EQ(e.field, "materials");
  EXPECT_EQ(e.rule, "materials_required");
  // Other items may have none, but the key stays required.
  o["power_type"] = "public_service";
  EXPECT_TRUE(read_base_item(o));
  o.erase("materials");
  EXPECT_EQ(read_error(o).rule, "required");
}

TEST(Item, fee_is_optional_but_strict) {
  auto o = good_item();
  o.erase("fee");
  auto r = read_base_item(o);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->fee);
  o = good_item();
  o["fee"].as_object()["amount_cny"] = 0;
  auto e = read_error(o);
  EXPECT_EQ(e.field, "fee.amount_cny");
  EXPECT_EQ(e.rule, "positive");
  o["fee"].as_object()["amount_cny"] = 7.5;
  EXPECT_EQ(read_base_item(o)->fee->amount_cny, 7.5);
  o["fee"].as_object()["basis"] = "fixed";
  EXPECT_EQ(read_error(o).field, "fee.basis");
}

TEST(Item, the_seed_file_loads) {
  const auto text = read_file(TONGBAN_CATALOG_DATA);
  ASSERT_FALSE(text.empty());
  auto items = load_base_items(text);
  ASSERT_TRUE(items) << items.error().field << ": " << items.error().message;
  EXPECT_EQ(items->size(), 205u);
  std::size_t cross = 0, fees = 0, licensing = 0;
  for (const auto& it : *items) {
    cross += it.cross_city_eligible;
    fees += it.fee.has_value();
    licensing += it.power_type == PowerType::administrative_licensing;
  }
  EXPECT_EQ(cross, 138u);
  EXPECT_EQ(fees, 15u);
  EXPECT_EQ(licensing, 47u);
  EXPECT_EQ(items->front().code, "PS-0001");
}

TEST(Item, the_loader_refuses_duplicates_and_bad_documents) {
  auto doc = [](boost::json::array items) {
    boost::json::object o;
    o["version"] = 1;
    o["items"] = std::move(items);
    return json::serialize(o);
  };
  auto a = good_item();
  auto b = good_item();
  b["code"] = "PS-0002";
  b["name_zh"] = "居民身份证补领";
  b["name_en"] = "Replacement of an ID card";
  b["frequency_rank"] = 1;
  a["frequency_rank"] = 2;
  EXPECT_TRUE(load_base_items(doc({a, b})));

  auto r = load_base_items(doc({a, a}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "items[1].code");
  EXPECT_EQ(r.error().rule, "duplicate_code");

  auto c = b;
  c["code"] = "PS-0002";
  c["name_zh"] = a["name_zh"];
  r = load_base_items(doc({a, c}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "duplicate_name");

  c = b;
  c["code"] = "PS-0002";
  c["frequency_rank"] = 2;
  EXPECT_EQ(load_base_items(doc({a, c})).error().rule, "duplicate_rank");
  c["frequency_rank"] = 3;
  EXPECT_EQ(load_base_items(doc({a, c})).error().rule, "rank_range");

  b["code"] = "PS-0002";
  b["materials"].as_array()[0].as_object()["form"] = "scan";
  r = load_base_items(doc({a, b}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "items[1].materials[0].form");

  EXPECT_EQ(load_base_items(R"({"version": 2, "items": []})").error().rule, "format_version");
  EXPECT_EQ(load_base_items(R"({"version": 1, "items": [], "x": 1})").error().rule, "unknown_key");
  EXPECT_EQ(load_base_items("{").error().code, Errc::malformed);
  // Boost.JSON would keep the last "code"; the loader refuses, as validate.py does.
  auto text = doc({a});
  const auto at = text.find("\"code\"");
  text.insert(at, R"("code":"PS-0009",)");
  r = load_base_items(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "duplicate_key");
  EXPECT_NE(r.error().message.find("code"), std::string::npos);
}

}  // namespace
}  // namespace tongban::catalog

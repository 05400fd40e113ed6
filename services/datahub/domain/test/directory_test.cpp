#include "domain/directory.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <chrono>

namespace tongban::datahub {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kNow = Clock::time_point{} + 1'795'000'000s;
const Department kOwner{"330100", "公安局"};

boost::json::object resource_body() {
  return boost::json::parse(R"({
    "id": "330100.public-security.household",
    "name": "户籍信息",
    "fields": [{"name": "name"}, {"name": "address", "description": "住址"}, {"name": "hukou_type"}],
    "sharing_class": "conditional",
    "update_frequency": "daily"})")
      .as_object();
}

Result<ResourceEntry> read_with(const char* key, boost::json::value v) {
  auto body = resource_body();
  body[key] = std::move(v);
  return read_resource(body, kOwner, kNow);
}

TEST(Directory, a_valid_registration_is_read_with_its_owner_and_fields) {
  auto r = read_resource(resource_body(), kOwner, kNow);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->core.id, "330100.public-security.household");
  EXPECT_EQ(r->core.owner, kOwner);
  EXPECT_EQ(r->core.sharing, SharingClass::conditional);
  EXPECT_EQ(r->core.fields, (std::vector<std::string>{"name", "address", "hukou_type"}));
  EXPECT_EQ(r->fields[1].description, "住址");
  EXPECT_EQ(r->update_frequency, UpdateFrequency::daily);
  auto back = resource_from_json(to_json(*r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->core.fields, r->core.fields);
  EXPECT_EQ(back->core.owner, kOwner);
  EXPECT_EQ(back->registered_at, kNow);
}

TEST(Directory, each_bad_registration_names_its_field_and_rule) {
  struct Case {
    const char* key;
    boost::json::value value;
    std::string field, rule;
  };
  const std::vector<Case> cases{
      {"id", "X!", "id", "resource_id"},
      {"id", "ab", "id", "resource_id"},
      {"name", "", "name", "min_length"},
      {"sharing_class", "sometimes", "sharing_class", "enum"},
      {"update_frequency", "hourly", "update_frequency", "enum"},
      {"fields", boost::json::array{}, "fields", "min_items"},
      {"fields", boost::json::parse(R"([{"name":"Name"}])"), "fields/0.name", "field_name"},
      {"fields", boost::json::parse(R"([{"name":"a"},{"name":"a"}])"), "fields/1.name",
       "duplicate_field"},
      {"fields", boost::json::parse(R"(["a"])"), "fields/0", "type"},
  };
  for (const auto& c : cases) {
    auto r = read_with(c.key, c.value);
    ASSERT_FALSE(r) << c.key;
    EXPECT_EQ(r.error().field, c.field) << c.key;
    EXPECT_EQ(r.error().rule, c.rule) << c.key << ": " << r.error().message;
  }
}

TEST(Directory, records_accept_scalar_values_of_known_fields_only) {
  auto res = read_resource(resource_body(), kOwner, kNow)->core;
  auto ok = read_record(
      boost::json::parse(R"({"values":{"name":"张三","address":null}})").as_object(), res);
  ASSERT_TRUE(ok);
  auto unknown = read_record(boost::json::parse(R"({"values":{"salary":1}})").as_object(), res);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "values/salary");
  EXPECT_EQ(unknown.error().rule, "unknown_field");
  auto nested = read_record(boost::json::parse(R"({"values":{"name":{"a":1}}})").as_object(), res);
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().rule, "value_type");
  auto missing = read_record(boost::json::parse(R"({"name":"x"})").as_object(), res);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "values");
}

TEST(Directory, a_record_is_filtered_to_the_granted_fields) {
  auto values =
      boost::json::parse(R"({"name":"张三","address":"杭州","hukou_type":"城镇"})").as_object();
  std::vector<std::string> granted{"address", "name"};
  auto out = filter_record(values, granted);
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(out.at("address"), "杭州");
  EXPECT_FALSE(out.contains("hukou_type"));
}

TEST(Directory, licences_are_validated_and_round_trip) {
  auto body = boost::json::parse(R"({"subject":"s1","type":"household_register","title":"户口簿",
    "number":"HZ-1","valid_until":"2030-01-01T00:00:00.000Z"})")
                  .as_object();
  auto l = read_licence(body, kOwner, kNow);
  ASSERT_TRUE(l) << l.error().message;
  l->id = "lic-1";
  auto back = licence_from_json(to_json(*l));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->type, "household_register");
  EXPECT_EQ(back->valid_until, l->valid_until);
  EXPECT_TRUE(in_force(*back, kNow));

  body["valid_until"] = "2020-01-01T00:00:00Z";
  auto expired = read_licence(body, kOwner, kNow);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().rule, "already_expired");
  body["valid_until"] = "2030-01-01T00:00:00Z";
  body["type"] = "Household Register";
  auto bad_type = read_licence(body, kOwner, kNow);
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().field, "type");
}

TEST(Directory, a_case_result_licence_type_is_named_or_derived_from_the_item) {
  EXPECT_EQ(result_licence_type("marriage_certificate", "CA-0001"), "marriage_certificate");
  EXPECT_EQ(result_licence_type("", "CA-0001"), "result:ca-0001");
  EXPECT_EQ(result_licence_type("Not Valid", "PS 2"), "result:ps_2");
}

TEST(Directory, the_materials_check_finds_licences_in_force_of_the_right_type) {
  std::vector<RequiredMaterial> required{{"身份证", "ID card", "original", "resident_id_card"},
                                         {"申请表", "Form", "original", ""},
                                         {"户口簿", "Register", "copy", "household_register"},
                                         {"结婚证", "Marriage", "copy", "marriage_certificate"}};
  std::vector<ELicence> held(4);
  held[0].id = "revoked-id";
  held[0].type = "resident_id_card";
  held[0].status = LicenceStatus::revoked;
  held[1].id = "good-id";
  held[1].type = "resident_id_card";
  held[2].id = "expired-register";
  held[2].type = "household_register";
  held[2].valid_until = kNow - 1s;
  held[3].id = "marriage";
  held[3].type = "marriage_certificate";
  held[3].valid_until = kNow + 24h;
  auto out = check_materials(required, held, kNow);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].held_licence, "good-id");
  EXPECT_FALSE(out[1].held_licence);
  EXPECT_FALSE(out[2].held_licence);
  EXPECT_EQ(out[3].held_licence, "marriage");
  EXPECT_EQ(out[3].material->name_en, "Marriage");
}

}  // namespace
}  // namespace tongban::datahub

#include "domain/subject.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace tongban::identity {
namespace {

using namespace std::chrono;

constexpr year_month_day kToday{year{2025}, June, day{1}};

boost::json::object citizen() {
  return boost::json::parse(R"({
    "id_number": "11010519491231002x",
    "name": "张伟",
    "household_city": "320100",
    "phone": "13812345678",
    "password": "Tongban-2025!"
  })")
      .as_object();
}

boost::json::object enterprise() {
  return boost::json::parse(R"({
    "credit_code": "91350100m000100y43",
    "name": "福州示例科技有限公司",
    "legal_representative": "林娜",
    "city": "350100",
    "password": "Tongban-2025!"
  })")
      .as_object();
}

boost::json::object staff() {
  return boost::json::parse(R"({
    "login": "li.na-01",
    "name": "李娜",
    "city": "440300",
    "department": "市场监督管理局",
    "roles": ["clerk", "examiner"],
    "password": "Tongban-2025!"
  })")
      .as_object();
}

boost::json::object service_account() {
  return boost::json::parse(R"({
    "client_id": "delegation-svc",
    "name": "delegation service",
    "scopes": ["identity:read", "catalog:read", "identity:read"]
  })")
      .as_object();
}

// "field/rule" of the first error, or "ok".
template <class F>
std::string error_of(F&& read) {
  auto r = read();
  if (r) return "ok";
  EXPECT_FALSE(r.error().message.empty());
  return r.error().field + "/" + r.error().rule;
}

std::string citizen_error(const boost::json::object& body) {
  return error_of([&] { return read_citizen_registration(body, kToday); });
}
std::string enterprise_error(const boost::json::object& body) {
  return error_of([&] { return read_enterprise_registration(body); });
}
std::string staff_error(const boost::json::object& body) {
  return error_of([&] { return read_staff_registration(body); });
}
std::string service_error(const boost::json::object& body) {
  return error_of([&] { return read_service_account_registration(body); });
}

boost::json::object with(boost::json::object body, std::string_view key, boost::json::value value) {
  body[key] = std::move(value);
  return body;
}

boost::json::object without(boost::json::object body, std::string_view key) {
  body.erase(key);
  return body;
}

TEST(CitizenRegistration, reads_a_valid_body) {
  auto c = read_citizen_registration(citizen(), kToday);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->id.number, "11010519491231002X");
  EXPECT_EQ(c->name, "张伟");
  EXPECT_EQ(c->household_city, "320100");
  EXPECT_EQ(c->phone, "13812345678");
  EXPECT_EQ(c->password, "Tongban-2025!");
}

TEST(CitizenRegistration, names_each_missing_field) {
  for (auto key : {"id_number", "name", "household_city", "phone", "password"}) {
    EXPECT_EQ(citizen_error(without(citizen(), key)), std::string(key) + "/required");
  }
  EXPECT_EQ(citizen_error(with(citizen(), "name", nullptr)), "name/required");
  EXPECT_EQ(citizen_error(with(citizen(), "phone", 13812345678)), "phone/type");
}

TEST(CitizenRegistration, id_number_rules) {
  EXPECT_EQ(citizen_error(with(citizen(), "id_number", "110105194912310021")),
            "id_number/gb11643_check_digit");
  EXPECT_EQ(citizen_error(with(citizen(), "id_number", "1101051949")), "id_number/length");
  EXPECT_EQ(citizen_error(with(citizen(), "id_number", "")), "id_number/length");
  EXPECT_EQ(citizen_error(with(citizen(), "id_number", "440524188001010014")),
            "id_number/birth_date");
}

TEST(CitizenRegistration, name_rules) {
  EXPECT_EQ(citizen_error(with(citizen(), "name", "")), "name/min_length");
  EXPECT_EQ(citizen_error(with(citizen(), "name", "   ")), "name/min_length");
  EXPECT_EQ(citizen_error(with(citizen(), "name", "张\n伟")), "name/control_characters");
  EXPECT_EQ(citizen_error(with(citizen(), "name", "张\u0085伟")), "name/control_characters");
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "张";  // 64 characters, 192 bytes
  EXPECT_EQ(citizen_error(with(citizen(), "name", boost::json::string(long_name))), "ok");
  long_name += "伟";
  EXPECT_EQ(citizen_error(with(citizen(), "name", boost::json::string(long_name))),
            "name/max_length");
  EXPECT_EQ(citizen_error(with(citizen(), "name", "阿卜杜拉·买买提")), "ok");
}

TEST(CitizenRegistration, household_city_must_be_served) {
  EXPECT_EQ(citizen_error(with(citizen(), "household_city", "110100")),
            "household_city/unknown_city");
  EXPECT_EQ(citizen_error(with(citizen(), "household_city", "Nanjing")),
            "household_city/unknown_city");
  EXPECT_EQ(citizen_error(with(citizen(), "household_city", "")), "household_city/unknown_city");
}

TEST(CitizenRegistration, phone_must_be_a_mainland_mobile_number) {
  for (auto good : {"13012345678", "19912345678", "15800000000"}) {
    EXPECT_EQ(citizen_error(with(citizen(), "phone", good)), "ok") << good;
  }
  for (auto bad : {"12012345678", "10012345678", "23812345678", "1381234567", "138123456789",
                   "+8613812345678", "138-1234-5678", "1381234567a"}) {
    EXPECT_EQ(citizen_error(with(citizen(), "phone", bad)), "phone/phone_format") << bad;
  }
}

TEST(CitizenRegistration, password_rules_with_the_citizen_identities) {
  EXPECT_EQ(citizen_error(with(citizen(), "password", "short")), "password/password_length");
  EXPECT_EQ(citizen_error(with(citizen(), "password", "abcdefghij")), "password/password_classes");
  EXPECT_EQ(citizen_error(with(citizen(), "password", "Me13812345678!")),
            "password/password_contains_identity");
  EXPECT_EQ(citizen_error(with(citizen(), "password", "id11010519491231002x")),
            "password/password_contains_identity");
}

TEST(EnterpriseRegistration, reads_a_valid_body) {
  auto e = read_enterprise_registration(enterprise());
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->credit_code.code, "91350100M000100Y43");
  EXPECT_EQ(e->name, "福州示例科技有限公司");
  EXPECT_EQ(e->legal_representative, "林娜");
  EXPECT_EQ(e->city, "350100");
}

TEST(EnterpriseRegistration, names_each_field) {
  for (auto key : {"credit_code", "name", "legal_representative", "city", "password"}) {
    EXPECT_EQ(enterprise_error(without(enterprise(), key)), std::string(key) + "/required");
  }
  EXPECT_EQ(enterprise_error(with(enterprise(), "credit_code", "91350100M000100Y44")),
            "credit_code/gb32100_check_character");
  EXPECT_EQ(enterprise_error(with(enterprise(), "credit_code", "91350100M000100I43")),
            "credit_code/charset");
  EXPECT_EQ(enterprise_error(with(enterprise(), "legal_representative", "\t")),
            "legal_representative/min_length");
  EXPECT_EQ(enterprise_error(with(enterprise(), "city", "999999")), "city/unknown_city");
  EXPECT_EQ(enterprise_error(with(enterprise(), "password", "x91350100M000100Y43")),
            "password/password_contains_identity");
  EXPECT_EQ(enterprise_error(with(enterprise(), "name", boost::json::string(129, 'a'))),
            "name/max_length");
  EXPECT_EQ(enterprise_error(with(enterprise(), "name", boost::json::string(128, 'a'))), "ok");
}

TEST(StaffRegistration, reads_a_valid_body) {
  auto s = read_staff_registration(staff());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->login, "li.na-01");
  EXPECT_EQ(s->city, "440300");
  EXPECT_EQ(s->department, "市场监督管理局");
  EXPECT_EQ(s->roles, (RoleSet{Role::clerk, Role::examiner}));
  EXPECT_FALSE(s->supervisor_scope);
}

TEST(StaffRegistration, login_rules) {
  const std::vector<std::string> goods = {"abc", "a.b_c-d", "zhang3", std::string(32, 'a')};
  for (const auto& good : goods) {
    EXPECT_EQ(staff_error(with(staff(), "login", boost::json::string(good))), "ok") << good;
  }
  const std::vector<std::string> bads = {"ab",   "Li.Na", "li na",
                                         "李娜", "li@na", std::string(33, 'a')};
  for (const auto& bad : bads) {
    EXPECT_EQ(staff_error(with(staff(), "login", boost::json::string(bad))), "login/login_format")
        << bad;
  }
}

TEST(StaffRegistration, field_rules) {
  for (auto key : {"login", "name", "city", "department", "password"}) {
    EXPECT_EQ(staff_error(without(staff(), key)), std::string(key) + "/required");
  }
  EXPECT_EQ(staff_error(with(staff(), "city", "110100")), "city/unknown_city");
  EXPECT_EQ(staff_error(with(staff(), "department", "")), "department/min_length");
  EXPECT_EQ(staff_error(with(staff(), "password", "Li.Na-01-pass")),
            "password/password_contains_identity");
}

TEST(StaffRegistration, role_rules) {
  EXPECT_EQ(staff_error(without(staff(), "roles")), "roles/empty_roles");
  EXPECT_EQ(staff_error(with(staff(), "roles", boost::json::array{})), "roles/empty_roles");
  EXPECT_EQ(staff_error(with(staff(), "roles", "clerk")), "roles/type");
  EXPECT_EQ(staff_error(with(staff(), "roles", boost::json::array{"clerk", 3})), "roles[1]/type");
  EXPECT_EQ(staff_error(with(staff(), "roles", boost::json::array{"clerk", "boss"})),
            "roles[1]/unknown_role");
  EXPECT_EQ(staff_error(with(staff(), "roles", boost::json::array{"clerk", "citizen"})),
            "roles[1]/role_not_grantable");
  EXPECT_EQ(staff_error(with(staff(), "roles", boost::json::array{"enterprise"})),
            "roles[0]/role_not_grantable");
}

TEST(StaffRegistration, supervisor_scope_defaults_to_city) {
  auto s = read_staff_registration(with(staff(), "roles", boost::json::array{"supervisor"}));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->supervisor_scope, SupervisorScope::city);
  auto body = with(staff(), "roles", boost::json::array{"supervisor"});
  body["supervisor_scope"] = "province";
  s = read_staff_registration(body);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->supervisor_scope, SupervisorScope::province);
  body["supervisor_scope"] = "nation";
  EXPECT_EQ(staff_error(body), "supervisor_scope/enum");
  EXPECT_EQ(staff_error(with(staff(), "supervisor_scope", "city")),
            "supervisor_scope/supervisor_scope_without_supervisor");
}

TEST(ServiceAccountRegistration, reads_a_valid_body) {
  auto s = read_service_account_registration(service_account());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->client_id, "delegation-svc");
  EXPECT_EQ(s->name, "delegation service");
  EXPECT_EQ(s->scopes, (std::vector<std::string>{"catalog:read", "identity:read"}));
}

TEST(ServiceAccountRegistration, field_rules) {
  for (auto key : {"client_id", "name", "scopes"}) {
    EXPECT_EQ(service_error(without(service_account(), key)), std::string(key) + "/required");
  }
  EXPECT_EQ(service_error(with(service_account(), "client_id", "ab")),
            "client_id/client_id_format");
  EXPECT_EQ(service_error(with(service_account(), "client_id", "Delegation")),
            "client_id/client_id_format");
  EXPECT_EQ(service_error(with(service_account(), "scopes", boost::json::array{})),
            "scopes/min_items");
  EXPECT_EQ(service_error(with(service_account(), "scopes", boost::json::array{"ok", "Not Ok"})),
            "scopes[1]/scope_format");
  EXPECT_EQ(service_error(with(service_account(), "scopes", boost::json::array{""})),
            "scopes[0]/scope_format");
}

TEST(FieldRules, can_be_used_one_at_a_time) {
  EXPECT_TRUE(check_phone("13812345678"));
  EXPECT_EQ(check_city("320100", "city").value(), "320100");
  EXPECT_EQ(check_login("Zhang", "new_login").error().field, "new_login");
  EXPECT_EQ(check_name("\xff", "name").error().rule, "encoding");
}

}  // namespace
}  // namespace tongban::identity

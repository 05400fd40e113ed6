#include "domain/preferences.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace tongban::notify {
namespace {

Result<Preferences> parse(std::string_view text) {
  return parse_preferences(boost::json::parse(text).as_object());
}

void expect_refused(std::string_view body, std::string_view field, std::string_view rule) {
  auto p = parse(body);
  ASSERT_FALSE(p) << body;
  EXPECT_EQ(p.error().code, Errc::invalid_argument) << body;
  EXPECT_EQ(p.error().field, field) << body;
  EXPECT_EQ(p.error().rule, rule) << body;
}

TEST(Preferences, a_complete_body_is_read) {
  auto p = parse(
      R"({"channels":{"email":true,"webhook":true},"email":"li.hua@example.cn","language":"en"})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->email_on);
  EXPECT_TRUE(p->webhook_on);
  EXPECT_EQ(p->email, "li.hua@example.cn");
  EXPECT_EQ(p->language, Language::en);
}

TEST(Preferences, email_may_be_null_when_the_email_channel_is_off) {
  auto p = parse(R"({"channels":{"email":false,"webhook":true},"email":null,"language":"zh"})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->email_on);
  EXPECT_EQ(p->email, "");
}

TEST(Preferences, bad_bodies_name_the_field_and_the_rule) {
  expect_refused(R"({"channels":{"email":false,"webhook":false},"language":"zh","phone":"1"})",
                 "phone", "unknown_member");
  expect_refused(R"({"language":"zh"})", "channels", "required");
  expect_refused(R"({"channels":[],"language":"zh"})", "channels", "type");
  expect_refused(R"({"channels":{"email":false,"webhook":false,"sms":true},"language":"zh"})",
                 "channels.sms", "unknown_channel");
  expect_refused(R"({"channels":{"email":"yes","webhook":false},"language":"zh"})",
                 "channels.email", "type");
  expect_refused(R"({"channels":{"email":false},"language":"zh"})", "channels.webhook", "required");
  expect_refused(R"({"channels":{"email":true,"webhook":false},"language":"zh"})", "email",
                 "required_for_email_channel");
  expect_refused(
      R"({"channels":{"email":true,"webhook":false},"email":"not-an-address","language":"zh"})",
      "email", "email_format");
  expect_refused(R"({"channels":{"email":true,"webhook":false},"email":42,"language":"zh"})",
                 "email", "type");
  expect_refused(R"({"channels":{"email":false,"webhook":false},"language":"fr"})", "language",
                 "enum");
  expect_refused(R"({"channels":{"email":false,"webhook":false}})", "language", "required");
  const std::string longest = std::string(250, 'a') + "@b.cn";
  expect_refused(
      R"({"channels":{"email":true,"webhook":false},"email":")" + longest + R"(","language":"zh"})",
      "email", "max_length");
}

TEST(Preferences, email_addresses_are_plain_mailboxes) {
  for (const char* ok : {"li.hua@example.cn", "a+tag@mail.example.org", "x_y@a-b.gov.cn"}) {
    EXPECT_TRUE(valid_email(ok)) << ok;
  }
  for (const char* bad :
       {"", "@example.cn", "li@", "li@localhost", "li..hua@example.cn", ".li@example.cn",
        "li hua@example.cn", "li@exa mple.cn", "li@-example.cn", "\"li\"@example.cn",
        "li@[127.0.0.1]", "li@example.cn\r\nBcc: x@evil.cn", "李华@example.cn"}) {
    EXPECT_FALSE(valid_email(bad)) << bad;
  }
}

TEST(Preferences, stored_json_round_trips_and_fills_defaults) {
  Preferences p;
  p.email_on = false;
  p.webhook_on = true;
  p.email = "a@b.cn";
  p.language = Language::en;
  p.updated_at = "2026-03-01T10:00:00.000Z";
  auto back = preferences_from_json(boost::json::serialize(to_json(p)));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->email_on);
  EXPECT_TRUE(back->webhook_on);
  EXPECT_EQ(back->email, "a@b.cn");
  EXPECT_EQ(back->language, Language::en);
  EXPECT_EQ(back->updated_at, p.updated_at);
  auto defaults = preferences_from_json("{}");
  ASSERT_TRUE(defaults);
  EXPECT_TRUE(defaults->email_on);
  EXPECT_FALSE(defaults->webhook_on);
  EXPECT_EQ(defaults->language, Language::zh);
}

}  // namespace
}  // namespace tongban::notify

// notify without servers: the webhook's body and signature, the configuration checks, the
// binary refusing to start on a broken template, and every knob documented.
#include "notify.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "channels/webhook.hpp"
#include "tongban/testing/process.hpp"

namespace tongban::notify {
namespace {

using namespace std::chrono_literals;

// The knobs load_options reads, reset around each test so they do not leak.
class NotifyConfig : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* k :
         {"TONGBAN_NOTIFY_SMTP_FROM", "TONGBAN_NOTIFY_SMTP_USERNAME", "TONGBAN_NOTIFY_WEBHOOK_URL",
          "TONGBAN_NOTIFY_STAFF_EMAILS", "TONGBAN_NOTIFY_STAFF_LANGUAGE",
          "TONGBAN_NOTIFY_TEMPLATES", "TONGBAN_NOTIFY_MAX_ATTEMPTS"}) {
      unsetenv(k);
    }
  }
  static Result<std::pair<NotifyOptions, Templates>> load() {
    service::Env env;
    return load_options(env);
  }
  static void expect_refused(const char* var, const char* value, const char* rule) {
    setenv(var, value, 1);
    auto r = load();
    unsetenv(var);
    ASSERT_FALSE(r) << var << "=" << value;
    EXPECT_EQ(r.error().field, var);
    EXPECT_EQ(r.error().rule, rule) << r.error().message;
  }
};

TEST_F(NotifyConfig, the_defaults_load_with_the_built_in_templates_and_no_channel) {
  auto r = load();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->first.smtp.host.empty());
  EXPECT_TRUE(r->first.webhook.url.empty());
  EXPECT_EQ(r->first.retry.max_attempts, 10);
  EXPECT_EQ(r->first.group, "notify");
  EXPECT_EQ(r->second.size(), required_templates().size());
}

TEST_F(NotifyConfig, bad_knobs_are_refused_naming_the_variable) {
  expect_refused("TONGBAN_NOTIFY_SMTP_FROM", "nobody", "email_format");
  expect_refused("TONGBAN_NOTIFY_SMTP_USERNAME", "relay-user", "requires_starttls");
  expect_refused("TONGBAN_NOTIFY_WEBHOOK_URL", "https://hooks.example.cn/x", "http_url");
  expect_refused("TONGBAN_NOTIFY_STAFF_EMAILS", "320100=window", "email_format");
  expect_refused("TONGBAN_NOTIFY_STAFF_EMAILS", "nanjing=window@nj.example.gov.cn", "city_mailbox");
  expect_refused("TONGBAN_NOTIFY_STAFF_LANGUAGE", "fr", "enum");
  expect_refused("TONGBAN_NOTIFY_MAX_ATTEMPTS", "0", "range");
  expect_refused("TONGBAN_NOTIFY_TEMPLATES", "/nonexistent/templates", "folder");
}

TEST_F(NotifyConfig, a_template_folder_replaces_a_language_and_is_checked_whole) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("notify-templates-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string en(embedded_templates(Language::en));
  const std::string from = "Subject: [Cross-city service] Approved: {{item_name}}";
  const auto at = en.find(from);
  ASSERT_NE(at, std::string::npos);
  std::ofstream(dir / "en.txt") << en.replace(at, from.size(),
                                              "Subject: Approved, {{applicant_name}}");
  setenv("TONGBAN_NOTIFY_TEMPLATES", dir.c_str(), 1);
  auto r = load();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "TONGBAN_NOTIFY_TEMPLATES");
  EXPECT_EQ(r.error().rule, "unknown_placeholder");
  EXPECT_NE(r.error().message.find((dir / "en.txt").string() + ":"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("{{applicant_name}}"), std::string::npos);
  // A good replacement is used.
  std::ofstream(dir / "en.txt") << std::string(embedded_templates(Language::en))
                                       .replace(at, from.size(), "Subject: Approved! {{case_id}}");
  auto ok = load();
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->second.find({"case_approved", Audience::applicant, Channel::email, Language::en})
                ->subject,
            "Approved! {{case_id}}");
  std::filesystem::remove_all(dir);
}

TEST(NotifyBinary, refuses_to_start_on_a_template_with_an_unknown_placeholder) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("notify-bad-templates-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string zh(embedded_templates(Language::zh));
  const auto at = zh.find("{{case_id}}");
  ASSERT_NE(at, std::string::npos);
  std::ofstream(dir / "zh.txt") << zh.replace(at, 11, "{{case_number}}");
  testing::ChildProcess p(TONGBAN_NOTIFY_BIN, {},
                          {{"TONGBAN_NOTIFY_TEMPLATES", dir.string()},
                           {"TONGBAN_HTTP_PORT", "0"},
                           {"TONGBAN_REDIS_ADDR", "127.0.0.1:1"},
                           {"TONGBAN_KAFKA_BOOTSTRAP", "127.0.0.1:1"}});
  EXPECT_EQ(p.wait(30s), 2) << p.output();
  auto line = p.wait_for_log("invalid configuration", 1s);
  ASSERT_TRUE(line) << p.output();
  EXPECT_NE(line->find("{{case_number}}"), std::string::npos) << *line;
  EXPECT_NE(line->find("unknown_placeholder"), std::string::npos) << *line;
  std::filesystem::remove_all(dir);
}

TEST(NotifyBinary, every_config_knob_is_documented) {
  auto missing = testing::undocumented_knobs(
      TONGBAN_NOTIFY_BIN, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md",
                           std::string(TONGBAN_SOURCE_DIR) + "/services/notify/README.md"});
  EXPECT_TRUE(missing.empty()) << "undocumented: " << ::testing::PrintToString(missing);
  EXPECT_FALSE(testing::print_env_knobs(TONGBAN_NOTIFY_BIN).empty());
}

TEST(Webhook, the_body_names_the_delivery_and_carries_the_rendered_text) {
  Delivery d;
  d.id = "0123456789abcdef0123456789abcdef";
  d.event_id = "evt";
  d.event_kind = "case_accepted";
  d.case_id = "case-1";
  d.channel = Channel::webhook;
  d.recipient = "sub-1";
  d.language = Language::en;
  d.subject = "Accepted";
  d.body = "Hangzhou accepted it.";
  const auto o = webhook_body(d);
  EXPECT_EQ(o.at("id").as_string(), d.id);
  EXPECT_EQ(o.at("event").as_string(), "case_accepted");
  EXPECT_EQ(o.at("audience").as_string(), "applicant");
  EXPECT_EQ(o.at("recipient").as_string(), "sub-1");
  EXPECT_EQ(o.at("language").as_string(), "en");
  EXPECT_EQ(o.at("title").as_string(), "Accepted");
  EXPECT_EQ(o.at("text").as_string(), d.body);
}

TEST(Webhook, the_signature_is_hmac_sha256_of_the_body) {
  // RFC 4231 test case 2.
  EXPECT_EQ(webhook_signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace tongban::notify

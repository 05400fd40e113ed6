#include "domain/templates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "domain/routing.hpp"

namespace tongban::notify {
namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::string(TONGBAN_NOTIFY_TEMPLATES_DIR) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::vector<TemplateKey> kOne = {
    {"case_forwarded", Audience::applicant, Channel::email, Language::zh}};

TEST(Templates, the_shipped_templates_cover_every_message_in_both_languages) {
  auto t = Templates::load(
      {{Language::zh, "zh.txt", read("zh.txt")}, {Language::en, "en.txt", read("en.txt")}},
      required_templates());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->size(), required_templates().size());
  const auto* fwd = t->find({"case_forwarded", Audience::staff, Channel::email, Language::en});
  ASSERT_NE(fwd, nullptr);
  EXPECT_NE(fwd->subject.find("{{receiving_city}}"), std::string::npos);
}

TEST(Templates, an_unknown_placeholder_is_a_start_up_error_naming_file_and_line) {
  auto t = Templates::load({{Language::zh, "zh.txt",
                             "# c\n== case_forwarded applicant email\nSubject: 案件 {{case_id}}\n"
                             "您好 {{citizen_name}}\n"}},
                           kOne);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().rule, "unknown_placeholder");
  EXPECT_EQ(t.error().field, "zh.txt:2");
  EXPECT_NE(t.error().message.find("{{citizen_name}}"), std::string::npos);
}

TEST(Templates, a_missing_template_is_a_start_up_error_naming_it) {
  auto t = Templates::load({{Language::zh, "zh.txt", ""}}, kOne);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().rule, "missing_template");
  EXPECT_NE(t.error().message.find("case_forwarded applicant email zh"), std::string::npos);
}

TEST(Templates, a_section_notify_never_sends_is_refused_as_a_typo) {
  auto t = Templates::load({{Language::zh, "zh.txt",
                             "== case_forwarded applicant email\nSubject: a\nb\n"
                             "== case_fowarded applicant email\nSubject: a\nb\n"}},
                           kOne);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().rule, "unexpected_template");
  EXPECT_EQ(t.error().field, "zh.txt:4");
}

TEST(Templates, syntax_errors_are_refused) {
  for (const char* text : {"== case_forwarded applicant email\nno subject\n",
                           "== case_forwarded applicant fax\nSubject: a\nb\n",
                           "stray text\n== case_forwarded applicant email\nSubject: a\nb\n",
                           "== case_forwarded applicant email\nSubject: a\n\n"}) {
    auto t = Templates::load({{Language::zh, "zh.txt", text}}, kOne);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error().rule, "syntax") << text;
  }
  auto unclosed = Templates::load(
      {{Language::zh, "zh.txt", "== case_forwarded applicant email\nSubject: {{case_id\nb\n"}},
      kOne);
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error().rule, "unclosed_placeholder");
  auto twice = Templates::load({{Language::zh, "zh.txt",
                                 "== case_forwarded applicant email\nSubject: a\nb\n"
                                 "== case_forwarded applicant email\nSubject: a\nb\n"}},
                               kOne);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().rule, "duplicate_template");
}

TEST(Templates, a_body_keeps_its_inner_blank_lines_and_drops_the_outer_ones) {
  auto t = Templates::load({{Language::zh, "zh.txt",
                             "== case_forwarded applicant email\r\nSubject: S\r\n\r\nline 1\r\n\r\n"
                             "line 2\r\n\r\n\r\n"}},
                           kOne);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->find(kOne[0])->body, "line 1\n\nline 2");
  EXPECT_EQ(t->find(kOne[0])->subject, "S");
}

TEST(Templates, render_fills_placeholders_and_empties_absent_values) {
  EXPECT_EQ(render("案件 {{case_id}}：{{reason}}。{{item_name}}",
                   Values{{"case_id", "c-1"}, {"item_name", "户口迁移"}}),
            "案件 c-1：。户口迁移");
  EXPECT_EQ(render("no placeholders", {}), "no placeholders");
}

}  // namespace
}  // namespace tongban::notify

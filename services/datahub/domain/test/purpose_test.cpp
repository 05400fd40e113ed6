#include "domain/purpose.hpp"

#include <gtest/gtest.h>

namespace tongban::datahub {
namespace {

TEST(Purpose, a_case_purpose_parses_and_prints_back) {
  for (std::string_view text :
       {"case:0193a0b2-7c1e-7a3b-9f00-1234567890ab", "case:C_2026_001", "case:x"}) {
    auto p = parse_purpose(text);
    ASSERT_TRUE(p) << text << ": " << p.error().message;
    EXPECT_EQ(to_string(*p), text);
  }
  EXPECT_EQ(parse_purpose("case:abc")->case_id, "abc");
  EXPECT_TRUE(parse_purpose("case:" + std::string(kMaxCaseIdLength, 'a')));
}

TEST(Purpose, bad_purposes_name_the_field_and_rule) {
  struct Case {
    std::string text;
    const char* rule;
  };
  const Case cases[] = {
      {"", "purpose_required"},
      {"abc", "purpose_malformed"},
      {":abc", "purpose_malformed"},
      {"audit:abc", "unknown_purpose_kind"},
      {"Case:abc", "unknown_purpose_kind"},
      {"case:", "case_id_length"},
      {"case:" + std::string(kMaxCaseIdLength + 1, 'a'), "case_id_length"},
      {"case:a b", "case_id_charset"},
      {"case:a:b", "case_id_charset"},
      {"case:案件1", "case_id_charset"},
      {"case:abc\n", "case_id_charset"},
  };
  for (const auto& c : cases) {
    auto p = parse_purpose(c.text);
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(p.error().code, Errc::invalid_argument) << c.text;
    EXPECT_EQ(p.error().field, "purpose") << c.text;
    EXPECT_EQ(p.error().rule, c.rule) << c.text;
  }
}

TEST(Purpose, the_case_must_be_handled_by_the_callers_city) {
  const CaseHandledBy handles = [](std::string_view case_id, std::string_view city) {
    return case_id == "c1" && (city == "3301" || city == "4403");
  };
  EXPECT_TRUE(check_purpose("case:c1", "3301", handles));
  EXPECT_TRUE(check_purpose("case:c1", "4403", handles));
  for (auto [text, city] : {std::pair{"case:c1", "1101"}, std::pair{"case:c2", "3301"}}) {
    auto r = check_purpose(text, city, handles);
    ASSERT_FALSE(r) << text << " " << city;
    EXPECT_EQ(r.error().code, Errc::forbidden);
    EXPECT_EQ(r.error().field, "purpose");
    EXPECT_EQ(r.error().rule, "case_not_handled");
  }
  // Shape errors come first, and a missing predicate refuses.
  EXPECT_EQ(check_purpose("c1", "3301", handles).error().rule, "purpose_malformed");
  EXPECT_EQ(check_purpose("case:c1", "3301", nullptr).error().rule, "case_not_handled");
}

}  // namespace
}  // namespace tongban::datahub

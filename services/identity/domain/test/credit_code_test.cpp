#include "domain/credit_code.hpp"

#include <gtest/gtest.h>

namespace tongban::identity {
namespace {

std::string rule_of(std::string_view text) {
  auto r = parse_credit_code(text);
  if (r) return "ok";
  EXPECT_EQ(r.error().field, "credit_code");
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().rule;
}

// A code with both check characters right, from its first 8 characters and an 8-character
// organisation code body.
std::string make_code(std::string first8, std::string body8) {
  std::string first17 = first8 + body8 + gb11714_check_character(body8);
  return first17 + gb32100_check_character(first17);
}

TEST(CreditCode, accepts_published_codes) {
  // Codes seen in public examples; each was checked against an independent script.
  for (auto code :
       {"91350100M000100Y43", "91230184MA1BUFLT44", "92371000MA3MXH0E3W", "91350200776049653A",
        "91440101MA5CJQ4N59", "913502000728319549", "123502001549897397", "9135021359498494XQ",
        "91350213678251743X", "12100000400000624D"}) {
    EXPECT_EQ(rule_of(code), "ok") << code;
  }
}

TEST(CreditCode, reads_the_parts) {
  auto c = parse_credit_code("91350100M000100Y43");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->code, "91350100M000100Y43");
  EXPECT_EQ(c->registration_authority, '9');
  EXPECT_EQ(c->organization_category, '1');
  EXPECT_EQ(c->division_code, "350100");
  EXPECT_EQ(c->organization_code, "M000100Y4");
}

TEST(CreditCode, normalises_lower_case) {
  auto c = parse_credit_code("91230184ma1buflt44");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, "91230184MA1BUFLT44");
}

TEST(CreditCode, accepts_constructed_codes_of_every_registration_authority) {
  // Computed by an independent script.
  for (auto code : {"91320100MA1XYW1240", "52440300MJL123454Y", "Y1320100123456788N",
                    "N2440300MA5ABCDE5D", "A1110000000000019A", "93350100MA2ABC117W"}) {
    EXPECT_EQ(rule_of(code), "ok") << code;
  }
  const std::pair<char, std::string_view> categories[] = {
      {'1', "1239"}, {'2', "19"}, {'3', "123459"}, {'4', "19"}, {'5', "1239"}, {'6', "129"},
      {'7', "129"},  {'8', "19"}, {'9', "123"},    {'A', "19"}, {'N', "1239"}, {'Y', "1"}};
  for (auto [authority, allowed] : categories) {
    for (char category : std::string_view("0123456789ABY")) {
      const auto code = make_code(std::string{authority, category} + "320100", "MA1XYW12");
      const bool ok = allowed.find(category) != std::string_view::npos;
      EXPECT_EQ(rule_of(code), ok ? "ok" : "organization_category") << code;
    }
  }
}

TEST(CreditCode, check_character_functions) {
  EXPECT_EQ(gb32100_check_character("91350100M000100Y4"), '3');
  EXPECT_EQ(gb32100_check_character("91350100M000100Y"), '\0');
  EXPECT_EQ(gb32100_check_character("91350100M000100I4"), '\0');
  EXPECT_EQ(gb11714_check_character("M000100Y"), '4');
  EXPECT_EQ(gb11714_check_character("MA1XYW12"), '4');
  EXPECT_EQ(gb11714_check_character("m000100Y"), '\0');
  // Remainders 10 and 11 map to X and 0.
  EXPECT_EQ(gb11714_check_character("59498494"), 'X');
  EXPECT_EQ(gb11714_check_character("67825174"), '3');
  EXPECT_EQ(gb11714_check_character("00000000"), '0');
}

TEST(CreditCode, rejects_a_wrong_length) {
  EXPECT_EQ(rule_of(""), "length");
  EXPECT_EQ(rule_of("91350100M000100Y4"), "length");
  EXPECT_EQ(rule_of("91350100M000100Y431"), "length");
  EXPECT_EQ(rule_of("350100400002345"), "length");  // an old 15-digit registration number
}

TEST(CreditCode, rejects_letters_the_standard_leaves_out) {
  EXPECT_EQ(rule_of("91350100M000100I43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100O43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100Z43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100S43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100V43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100-43"), "charset");
  EXPECT_EQ(rule_of("91350100M000100 43"), "charset");
}

TEST(CreditCode, rejects_a_wrong_check_character) {
  EXPECT_EQ(rule_of("91350100M000100Y44"), "gb32100_check_character");
  EXPECT_EQ(rule_of("91350100M000010Y43"), "gb32100_check_character");  // swapped
  // Widely copied as an example, but its 18th character is wrong (N, should be another).
  EXPECT_EQ(rule_of("91110108600040399N"), "gb32100_check_character");
}

TEST(CreditCode, rejects_an_unknown_registration_authority) {
  EXPECT_EQ(rule_of("B1320100MA1XYW124X"), "registration_authority");
  EXPECT_EQ(rule_of(make_code("01320100", "MA1XYW12")), "registration_authority");
  EXPECT_EQ(rule_of(make_code("C1320100", "MA1XYW12")), "registration_authority");
}

TEST(CreditCode, rejects_an_unknown_category) {
  EXPECT_EQ(rule_of("94320100MA1XYW124N"), "organization_category");
  EXPECT_EQ(rule_of(make_code("Y2320100", "MA1XYW12")), "organization_category");
}

TEST(CreditCode, rejects_a_division_code_that_is_not_one) {
  EXPECT_EQ(rule_of("9132A100MA1XYW124U"), "division_code");  // a letter
  EXPECT_EQ(rule_of("91990100MA1XYW1245"), "division_code");  // no province 99
  EXPECT_EQ(rule_of("91000000MA1XYW124E"), "division_code");
  EXPECT_EQ(rule_of(make_code("91710100", "MA1XYW12")), "division_code");
  EXPECT_EQ(rule_of(make_code("91100000", "MA1XYW12")), "ok");  // national level
}

TEST(CreditCode, rejects_an_organisation_code_with_a_wrong_check_character) {
  // Overall check character recomputed, so only the inner GB 11714 check fails.
  EXPECT_EQ(rule_of("91320100MA1XYW120K"), "organization_code_check");
  std::string first17 = "91350100M000100Y5";
  EXPECT_EQ(rule_of(first17 + gb32100_check_character(first17)), "organization_code_check");
}

}  // namespace
}  // namespace tongban::identity

#include "domain/resident_id.hpp"

#include <gtest/gtest.h>

namespace tongban::identity {
namespace {

using namespace std::chrono;

constexpr year_month_day kToday{year{2025}, June, day{1}};

std::string rule_of(std::string_view text, year_month_day today = kToday) {
  auto r = parse_resident_id(text, today);
  if (r) return "ok";
  EXPECT_EQ(r.error().field, "id_number");
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().rule;
}

// Builds a number with a correct check character from 17 digits.
std::string with_check(std::string first17) { return first17 + gb11643_check_character(first17); }

TEST(ResidentId, accepts_the_example_of_the_standard_and_reads_it) {
  auto id = parse_resident_id("11010519491231002X", kToday);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->number, "11010519491231002X");
  EXPECT_EQ(id->region_code, "110105");
  EXPECT_EQ(id->province_code, "110000");
  EXPECT_EQ(id->birth_date, (year_month_day{year{1949}, December, day{31}}));
  EXPECT_EQ(id->sex, Sex::female);
  EXPECT_FALSE(id->residence_permit);
}

TEST(ResidentId, normalises_a_lower_case_check_character) {
  auto id = parse_resident_id("11010519491231002x", kToday);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->number, "11010519491231002X");
}

TEST(ResidentId, accepts_numbers_checked_by_an_independent_implementation) {
  // Check characters computed outside this code (a separate script), so the test does not
  // only agree with itself.
  for (auto n : {"320102199003071239", "440301200002290015", "650102202412310043",
                 "350102190001010031", "510107198805159876", "310115202501010011"}) {
    EXPECT_EQ(rule_of(n), "ok") << n;
  }
}

TEST(ResidentId, check_character_function_matches_the_published_examples) {
  EXPECT_EQ(gb11643_check_character("11010519491231002"), 'X');
  // The standard's other example: its checksum is right even though 1880 is refused below.
  EXPECT_EQ(gb11643_check_character("44052418800101001"), '4');
  EXPECT_EQ(gb11643_check_character("1101051949123100"), '\0');
  EXPECT_EQ(gb11643_check_character("1101051949123100A"), '\0');
}

TEST(ResidentId, odd_sequence_digit_is_male_even_is_female) {
  for (char digit = '0'; digit <= '9'; ++digit) {
    auto id = parse_resident_id(with_check(std::string("3201021990030712") + digit), kToday);
    ASSERT_TRUE(id) << digit;
    EXPECT_EQ(id->sex, (digit - '0') % 2 == 1 ? Sex::male : Sex::female) << digit;
  }
  EXPECT_EQ(parse_resident_id("510107198805159876", kToday)->sex, Sex::male);
}

TEST(ResidentId, accepts_residence_permits_of_hong_kong_macao_and_taiwan_residents) {
  auto id = parse_resident_id("810000199001010027", kToday);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_TRUE(id->residence_permit);
  EXPECT_EQ(rule_of(with_check("82000019900101002")), "ok");
  EXPECT_EQ(rule_of(with_check("83000019900101002")), "ok");
}

TEST(ResidentId, accepts_every_issuing_province) {
  for (int p : {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 81, 82, 83}) {
    EXPECT_EQ(rule_of(with_check(std::to_string(p) + "010219800101001")), "ok") << p;
  }
}

TEST(ResidentId, rejects_a_wrong_length) {
  EXPECT_EQ(rule_of(""), "length");
  EXPECT_EQ(rule_of("11010519491231002"), "length");
  EXPECT_EQ(rule_of("11010519491231002X0"), "length");
  EXPECT_EQ(rule_of("110105491231002"), "length");  // the old 15-digit numbers
}

TEST(ResidentId, rejects_characters_other_than_digits_and_a_final_x) {
  EXPECT_EQ(rule_of("1101051949123100XX"), "charset");
  EXPECT_EQ(rule_of("11010519491231002Y"), "charset");
  EXPECT_EQ(rule_of("11010519491231 02X"), "charset");
  EXPECT_EQ(rule_of("X10105194912310021"), "charset");
  EXPECT_EQ(rule_of("１1010519491231002"), "length");  // a full-width digit is 3 bytes
}

TEST(ResidentId, rejects_a_wrong_check_character) {
  EXPECT_EQ(rule_of("110105194912310021"), "gb11643_check_digit");
  EXPECT_EQ(rule_of("11010519491231003X"), "gb11643_check_digit");  // one digit mistyped
  EXPECT_EQ(rule_of("11010591491231002X"), "gb11643_check_digit");  // two digits swapped
  EXPECT_EQ(rule_of("320102199003071230"), "gb11643_check_digit");
}

TEST(ResidentId, rejects_regions_that_issue_no_numbers) {
  EXPECT_EQ(rule_of("710000198001010010"), "region_code");  // Taiwan: never issued
  EXPECT_EQ(rule_of("990102198001010010"), "region_code");
  for (auto p : {"00", "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70",
                 "80", "84", "91"}) {
    EXPECT_EQ(rule_of(with_check(std::string(p) + "010219800101001")), "region_code") << p;
  }
}

TEST(ResidentId, rejects_birth_dates_that_are_not_calendar_dates) {
  EXPECT_EQ(rule_of("32010219900230001X"), "birth_date");  // 30 February
  EXPECT_EQ(rule_of("440301199912320011"), "birth_date");  // 32 December
  EXPECT_EQ(rule_of(with_check("32010219901301001")), "birth_date");
  EXPECT_EQ(rule_of(with_check("32010219900001001")), "birth_date");
  EXPECT_EQ(rule_of(with_check("32010219900100001")), "birth_date");
  EXPECT_EQ(rule_of(with_check("32010219010229001")), "birth_date");  // 1901 is no leap year
  EXPECT_EQ(rule_of(with_check("32010220000229001")), "ok");          // 2000 is
  EXPECT_EQ(rule_of(with_check("32010219000228001")), "ok");
  EXPECT_EQ(rule_of(with_check("32010219000229001")), "birth_date");  // 1900 is not
}

TEST(ResidentId, rejects_birth_dates_before_1900_or_after_today) {
  // The standard's second example has a valid checksum but a birth date in 1880.
  EXPECT_EQ(rule_of("440524188001010014"), "birth_date");
  EXPECT_EQ(rule_of("320102190001019997"), "ok");  // 1900-01-01 itself
  EXPECT_EQ(rule_of(with_check("32010218991231001")), "birth_date");
  EXPECT_EQ(rule_of(with_check("32010220250601001")), "ok");  // born today
  EXPECT_EQ(rule_of(with_check("32010220250602001")), "birth_date");
  EXPECT_EQ(rule_of(with_check("32010220250602001"), year_month_day{year{2025}, June, day{2}}),
            "ok");
}

TEST(ResidentId, names_the_field_it_was_given) {
  auto r = parse_resident_id("123", kToday, "document_id_number");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "document_id_number");
  EXPECT_NE(r.error().message.find("document_id_number"), std::string::npos);
}

}  // namespace
}  // namespace tongban::identity

#include "domain/resident_id.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace tongban::identity {
namespace {

constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr std::string_view kCheckCharacters = "10X98765432";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int number_at(std::string_view s, std::size_t pos, std::size_t len) {
  int n = 0;
  for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (s[i] - '0');
  return n;
}

// Province-level codes of GB/T 2260 under which resident numbers are issued. 71 (Taiwan) is
// listed in GB/T 2260 but no mainland number carries it; 81/82/83 are the residence-permit
// codes (Hong Kong, Macao, Taiwan residents), which government services must accept.
bool is_issuing_province(int code) {
  return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) || (code >= 31 && code <= 37) ||
         (code >= 41 && code <= 46) || (code >= 50 && code <= 54) || (code >= 61 && code <= 65) ||
         (code >= 81 && code <= 83);
}

std::string format_date(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

}  // namespace

char gb11643_check_character(std::string_view first17) {
  if (first17.size() != kWeights.size()) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    if (!is_digit(first17[i])) return '\0';
    sum += (first17[i] - '0') * kWeights[i];
  }
  return kCheckCharacters[static_cast<std::size_t>(sum % 11)];
}

Result<ResidentId> parse_resident_id(std::string_view text, std::chrono::year_month_day today,
                                     std::string_view field) {
  const std::string name(field);
  if (text.size() != 18) {
    return fail(Error::invalid(
        name, "length",
        name + " must have exactly 18 characters, got " + std::to_string(text.size())));
  }
  for (std::size_t i = 0; i < 17; ++i) {
    if (!is_digit(text[i])) {
      return fail(Error::invalid(name, "charset",
                                 name + " must be 17 digits followed by a digit or X; character " +
                                     std::to_string(i + 1) + " is not a digit"));
    }
  }
  char check = text[17];
  if (check == 'x') check = 'X';
  if (!is_digit(check) && check != 'X') {
    return fail(Error::invalid(name, "charset",
                               name + " must end with a digit or X (the check character)"));
  }
  const char expected = gb11643_check_character(text.substr(0, 17));
  if (check != expected) {
    return fail(Error::invalid(name, "gb11643_check_digit",
                               name +
                                   " fails the GB 11643 check: the 18th character does not match "
                                   "the first 17 (mistyped digit?)"));
  }

  const int province = number_at(text, 0, 2);
  if (!is_issuing_province(province)) {
    return fail(Error::invalid(name, "region_code",
                               name + " starts with " + std::string(text.substr(0, 2)) +
                                   ", which is not a province-level region code"));
  }

  const std::chrono::year_month_day birth{
      std::chrono::year{number_at(text, 6, 4)},
      std::chrono::month{static_cast<unsigned>(number_at(text, 10, 2))},
      std::chrono::day{static_cast<unsigned>(number_at(text, 12, 2))}};
  if (!birth.ok()) {
    return fail(Error::invalid(name, "birth_date",
                               name + " carries birth date " + std::string(text.substr(6, 8)) +
                                   ", which is not a calendar date"));
  }
  if (birth < kEarliestBirthDate || birth > today) {
    return fail(Error::invalid(name, "birth_date",
                               name + " carries birth date " + format_date(birth) + ", outside " +
                                   format_date(kEarliestBirthDate) + " to " + format_date(today)));
  }

  ResidentId id;
  id.number = std::string(text.substr(0, 17)) + check;
  id.region_code = std::string(text.substr(0, 6));
  id.province_code = std::string(text.substr(0, 2)) + "0000";
  id.birth_date = birth;
  id.sex = ((text[16] - '0') % 2 == 1) ? Sex::male : Sex::female;
  id.residence_permit = province >= 81;
  return id;
}

}  // namespace tongban::identity

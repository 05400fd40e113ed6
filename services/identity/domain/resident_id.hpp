// Citizen identity numbers (公民身份号码, GB 11643-1999): parsing, the ISO 7064 MOD 11-2
// check character, and what the number says (birth date, sex, region).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::identity {

enum class Sex { female, male };

struct ResidentId {
  std::string number;                      // 18 characters, check character 'X' upper-case
  std::string region_code;                 // positions 1–6, the address code (GB/T 2260)
  std::string province_code;               // positions 1–2 followed by "0000", e.g. "440000"
  std::chrono::year_month_day birth_date;  // positions 7–14
  Sex sex = Sex::female;                   // position 17: odd is male
  // Numbers starting 81/82/83 are on residence permits of Hong Kong, Macao and Taiwan
  // residents (港澳台居民居住证): same format, no mainland household registration.
  bool residence_permit = false;
};

// Validates `text` as an 18-character identity number issued on or before `today`. Rules, in
// the order they are checked: length, charset, gb11643_check_digit, region_code, birth_date.
// Errors name `field`.
Result<ResidentId> parse_resident_id(std::string_view text, std::chrono::year_month_day today,
                                     std::string_view field = "id_number");

// The check character ('0'–'9' or 'X') of 17 leading digits; '\0' unless `first17` is
// exactly 17 ASCII digits. Exposed so tests and fixtures can build valid numbers.
char gb11643_check_character(std::string_view first17);

// Earliest birth date accepted: nobody alive was born before it.
inline constexpr std::chrono::year_month_day kEarliestBirthDate{
    std::chrono::year{1900}, std::chrono::January, std::chrono::day{1}};

}  // namespace tongban::identity

// Unified social credit codes of legal persons and other organisations (统一社会信用代码,
// GB 32100-2015): structure, the organisation code inside it (GB 11714) and both check
// characters.
#pragma once

#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::identity {

struct CreditCode {
  std::string code;                    // 18 characters, upper case
  char registration_authority = '\0';  // position 1 (登记管理部门), e.g. '9' market regulation
  char organization_category = '\0';   // position 2 (机构类别), e.g. '1' enterprise
  std::string division_code;           // positions 3–8, the registering authority's GB/T 2260
  std::string organization_code;  // positions 9–17 (组织机构代码), check character last
};

// Validates `text` (lower case accepted, normalised to upper case). Rules, in the order
// they are checked: length, charset, gb32100_check_character, registration_authority,
// organization_category, division_code, organization_code_check. Errors name `field`.
Result<CreditCode> parse_credit_code(std::string_view text, std::string_view field = "credit_code");

// The 18th character for 17 leading characters over "0123456789ABCDEFGHJKLMNPQRTUWXY";
// '\0' when `first17` is not 17 characters of that set.
char gb32100_check_character(std::string_view first17);

// The GB 11714 check character ('0'–'9' or 'X') of an 8-character organisation code body
// (digits and upper-case letters); '\0' when `body8` is not that.
char gb11714_check_character(std::string_view body8);

}  // namespace tongban::identity

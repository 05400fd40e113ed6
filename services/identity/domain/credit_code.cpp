#include "domain/credit_code.hpp"

#include <array>

#include "domain/text.hpp"

namespace tongban::identity {
namespace {

// GB 32100 drops I, O, Z, S and V, which read like 1, 0, 2, 5 and U.
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                          29, 25, 13, 8,  24, 10, 30, 28};
constexpr std::array<int, 8> kOrgWeights = {3, 7, 9, 10, 5, 8, 4, 2};

int alphabet_value(char c) {
  const auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Organisation categories per registration authority: GB 32100-2015 Annex A (1, 5, 9, Y) and
// the authorities added since by the national standards body and published by CODS (2, 3,
// 4, 6, 7, 8, A, N).
std::string_view categories_of(char authority) {
  switch (authority) {
    case '1':
      return "1239";  // 机构编制: organs, public institutions, mass organisations, other
    case '2':
      return "19";  // 外交: resident foreign news agencies, other
    case '3':
      return "123459";  // 司法行政: law firms, notaries, legal services, forensics, arbitration
    case '4':
      return "19";  // 文化: foreign cultural centres, other
    case '5':
      return "1239";  // 民政: social organisations, private non-enterprise units, foundations
    case '6':
      return "129";  // 旅游: foreign and HK/Macao/Taiwan tourism offices, other
    case '7':
      return "129";  // 宗教: religious venues, religious colleges, other
    case '8':
      return "19";  // 工会: grassroots trade unions, other
    case '9':
      return "123";  // 工商 (market regulation): enterprises, sole traders, cooperatives
    case 'A':
      return "19";  // 中央军委改革和编制办公室: military public institutions, other
    case 'N':
      return "1239";  // 农业: group, village, township collective economic organisations
    case 'Y':
      return "1";  // 其他: not divided further
    default:
      return {};
  }
}

// First two digits of a division code: a province-level code, or 10 for registrations at
// national level (e.g. 100000 for bodies registered by central authorities).
bool is_division_prefix(int p) {
  return p == 10 || (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65);
}

}  // namespace

char gb32100_check_character(std::string_view first17) {
  if (first17.size() != kWeights.size()) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < kWeights.size(); ++i) {
    const int v = alphabet_value(first17[i]);
    if (v < 0) return '\0';
    sum += v * kWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return kAlphabet[static_cast<std::size_t>(check)];
}

char gb11714_check_character(std::string_view body8) {
  if (body8.size() != kOrgWeights.size()) return '\0';
  int sum = 0;
  for (std::size_t i = 0; i < kOrgWeights.size(); ++i) {
    const char c = body8[i];
    int v = 0;
    if (is_digit(c)) {
      v = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      v = c - 'A' + 10;  // GB 11714 counts letters over the whole Latin alphabet
    } else {
      return '\0';
    }
    sum += v * kOrgWeights[i];
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 'X';
  if (check == 11) return '0';
  return static_cast<char>('0' + check);
}

Result<CreditCode> parse_credit_code(std::string_view text, std::string_view field) {
  const std::string name(field);
  if (text.size() != 18) {
    return fail(Error::invalid(
        name, "length",
        name + " must have exactly 18 characters, got " + std::to_string(text.size())));
  }
  const std::string code = ascii_upper(text);
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (alphabet_value(code[i]) < 0) {
      return fail(Error::invalid(name, "charset",
                                 name +
                                     " may hold only digits and the letters A–Y without I, "
                                     "O, S, V and Z; character " +
                                     std::to_string(i + 1) + " is not one of them"));
    }
  }
  if (gb32100_check_character(std::string_view(code).substr(0, 17)) != code[17]) {
    return fail(Error::invalid(name, "gb32100_check_character",
                               name + " fails the GB 32100 check: the 18th character does not "
                                      "match the first 17 (mistyped character?)"));
  }
  const auto categories = categories_of(code[0]);
  if (categories.empty()) {
    return fail(Error::invalid(name, "registration_authority",
                               name + " starts with " + code.substr(0, 1) +
                                   ", which is not a registration authority code"));
  }
  if (categories.find(code[1]) == std::string_view::npos) {
    return fail(Error::invalid(name, "organization_category",
                               name + ": " + code.substr(1, 1) +
                                   " is not an organisation category of registration authority " +
                                   code.substr(0, 1)));
  }
  for (std::size_t i = 2; i < 8; ++i) {
    if (!is_digit(code[i])) {
      return fail(Error::invalid(name, "division_code",
                                 name + ": characters 3–8 must be the six digits of an "
                                        "administrative division code"));
    }
  }
  if (!is_division_prefix((code[2] - '0') * 10 + (code[3] - '0'))) {
    return fail(Error::invalid(
        name, "division_code",
        name + ": " + code.substr(2, 6) + " is not an administrative division code"));
  }
  const std::string org = code.substr(8, 9);
  if (gb11714_check_character(std::string_view(org).substr(0, 8)) != org[8]) {
    return fail(Error::invalid(
        name, "organization_code_check",
        name + ": the organisation code " + org + " (characters 9–17) fails its GB 11714 check"));
  }
  return CreditCode{code, code[0], code[1], code.substr(2, 6), org};
}

}  // namespace tongban::identity

#include "domain/purpose.hpp"

#include <algorithm>

namespace tongban::datahub {
namespace {

constexpr std::string_view kCaseKind = "case";

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string to_string(const Purpose& p) { return std::string(kCaseKind) + ":" + p.case_id; }

Result<Purpose> parse_purpose(std::string_view text) {
  if (text.empty()) {
    return fail(Error::invalid("purpose", "purpose_required", "a purpose is required"));
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(Error::invalid("purpose", "purpose_malformed",
                               "a purpose reads <kind>:<id>, e.g. case:<case id>"));
  }
  const std::string_view kind = text.substr(0, colon);
  const std::string_view id = text.substr(colon + 1);
  if (kind != kCaseKind) {
    return fail(Error::invalid("purpose", "unknown_purpose_kind",
                               "unknown purpose kind '" + std::string(kind) + "' (known: case)"));
  }
  if (id.empty() || id.size() > kMaxCaseIdLength) {
    return fail(
        Error::invalid("purpose", "case_id_length",
                       "a case id has 1 to " + std::to_string(kMaxCaseIdLength) + " characters"));
  }
  if (!std::all_of(id.begin(), id.end(), id_char)) {
    return fail(Error::invalid("purpose", "case_id_charset",
                               "a case id has only letters, digits, '-' and '_'"));
  }
  return Purpose{std::string(id)};
}

Result<Purpose> check_purpose(std::string_view text, std::string_view caller_city,
                              const CaseHandledBy& handles) {
  auto p = parse_purpose(text);
  if (!p) return p;
  if (!handles || !handles(p->case_id, caller_city)) {
    Error e = Error::forbidden("case '" + p->case_id + "' is not handled by city " +
                               std::string(caller_city));
    e.field = "purpose";
    e.rule = "case_not_handled";
    return fail(std::move(e));
  }
  return p;
}

}  // namespace tongban::datahub

// The purpose every data call states (SPEC §3.3): `case:<id>`, parsed with errors naming
// the field `purpose`, and checked against the cases the caller's city handles.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::datahub {

// Case ids are delegation's ids (UUIDv7 text) or seeds' ids: ASCII letters, digits, '-'
// and '_', 1 to 64 characters.
inline constexpr std::size_t kMaxCaseIdLength = 64;

struct Purpose {
  std::string case_id;  // the only kind of purpose so far is a case
  friend bool operator==(const Purpose&, const Purpose&) = default;
};

// "case:<id>".
std::string to_string(const Purpose& p);

// Parses the text of a purpose. Errors are Errc::invalid_argument with field `purpose`:
// - `purpose_required`: empty;
// - `purpose_malformed`: no "<kind>:" prefix;
// - `unknown_purpose_kind`: a kind other than `case`;
// - `case_id_length`: id empty or longer than kMaxCaseIdLength;
// - `case_id_charset`: a character outside [A-Za-z0-9_-].
Result<Purpose> parse_purpose(std::string_view text);

// Whether the city (division code) handles the case: as the receiving or the accepting
// place. The service answers it from the delegation events it consumes.
using CaseHandledBy = std::function<bool(std::string_view case_id, std::string_view city)>;

// parse_purpose, then the case must be one the caller's city handles, else
// Errc::forbidden with field `purpose` and rule `case_not_handled` (SPEC §3.3: a purpose
// for a case of another city is refused and audited as denied).
Result<Purpose> check_purpose(std::string_view text, std::string_view caller_city,
                              const CaseHandledBy& handles);

}  // namespace tongban::datahub

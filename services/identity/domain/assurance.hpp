// Real-name assurance levels (实名认证等级) and the evidence that raises a subject's level.
#pragma once

#include <optional>
#include <string>

#include "domain/roles.hpp"
#include "tongban/core/result.hpp"

namespace tongban::identity {

inline constexpr int kAssurancePassword = 1;    // L1: registered with a password
inline constexpr int kAssuranceVerifiedId = 2;  // L2: name and ID number verified
inline constexpr int kAssuranceInPerson = 3;    // L3: verified in person at a service window

// L2: the name and resident ID number the subject submitted now, and the ones registered.
struct IdMatch {
  std::string submitted_name;
  std::string submitted_id_number;
  std::string registered_name;
  std::string registered_id_number;
};

// L3: a staff member saw the subject and their identity card at a window and recorded it.
struct InPersonCheck {
  RoleSet recorder_roles;
  std::string recorder_city;
  std::string document_name;       // as read from the card
  std::string document_id_number;  // as read from the card
  std::string registered_name;
  std::string registered_id_number;
};

struct AssuranceEvidence {
  std::optional<IdMatch> id_match;
  std::optional<InPersonCheck> in_person;
};

// Raises `current` to `requested` and returns the new level.
// - requested below current: `assurance_not_lower` (invalid); equal: no change, no evidence
//   needed.
// - L2 needs `id_match` whose name and number equal the registered ones (number compared
//   after normalising a trailing x).
// - L3 needs `in_person` recorded by a clerk; the card's name and number must equal the
//   registered ones. The clerk may work in any city: cross-city service (跨城通办) means a
//   citizen verifies where they live, not only where their household is registered. L3 may
//   be reached from L1 directly, because checking the card in person covers the L2 check.
// - anything else, or a mismatch: `assurance_evidence` (invalid; forbidden when the recorder
//   is not a clerk). A level outside 1..3: `assurance_level`.
Result<int> raise_assurance(int current, int requested, const AssuranceEvidence& evidence);

}  // namespace tongban::identity

#include "domain/assurance.hpp"

#include "domain/text.hpp"

namespace tongban::identity {
namespace {

bool same_id_number(const std::string& a, const std::string& b) {
  return !a.empty() && ascii_upper(a) == ascii_upper(b);
}

Error evidence_error(std::string field, std::string message) {
  return Error::invalid(std::move(field), "assurance_evidence", std::move(message));
}

}  // namespace

Result<int> raise_assurance(int current, int requested, const AssuranceEvidence& evidence) {
  if (requested < kAssurancePassword || requested > kAssuranceInPerson) {
    return fail(Error::invalid("level", "assurance_level", "level must be 1, 2 or 3"));
  }
  if (requested < current) {
    return fail(Error::invalid("level", "assurance_not_lower",
                               "assurance level " + std::to_string(current) +
                                   " cannot be lowered to " + std::to_string(requested)));
  }
  if (requested == current) return current;

  if (requested == kAssuranceVerifiedId) {
    if (!evidence.id_match) {
      return fail(evidence_error("evidence", "level 2 needs the name and ID number to verify"));
    }
    const auto& m = *evidence.id_match;
    if (!same_id_number(m.submitted_id_number, m.registered_id_number)) {
      return fail(evidence_error("id_number", "id_number does not match the registered one"));
    }
    if (m.submitted_name.empty() || m.submitted_name != m.registered_name) {
      return fail(evidence_error("name", "name does not match the registered one"));
    }
    return requested;
  }

  // Level 3.
  if (!evidence.in_person) {
    return fail(evidence_error("evidence", "level 3 needs an in-person check by a clerk"));
  }
  const auto& c = *evidence.in_person;
  if (!c.recorder_roles.contains(Role::clerk) || c.recorder_city.empty()) {
    return fail(Error{Errc::forbidden, "only a clerk at a service window can record level 3",
                      "evidence", "assurance_evidence", false});
  }
  if (!same_id_number(c.document_id_number, c.registered_id_number)) {
    return fail(evidence_error("id_number",
                               "the identity card's number does not match the registered one"));
  }
  if (c.document_name.empty() || c.document_name != c.registered_name) {
    return fail(
        evidence_error("name", "the identity card's name does not match the registered one"));
  }
  return requested;
}

}  // namespace tongban::identity

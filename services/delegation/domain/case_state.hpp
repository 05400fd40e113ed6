// The life of a cross-city case (SPEC §3.4): its states, the actions that move it, the
// transition table (which depends on the rights the agreement delegates to the receiving
// place) and which place's work queue holds a case in each state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::delegation {

// Text form: the names in upper case (SUBMITTED, ...).
enum class CaseState : std::uint8_t {
  submitted,             // applied for, waiting for the receiving place's clerk
  received,              // received at the receiving place (收件)
  supplement_requested,  // the applicant must supply missing or corrected materials (补正)
  pre_examined,          // passed the receiving place's preliminary examination (预审)
  forwarded,             // handed over to the accepting place
  accepted,              // accepted by the accepting place (受理)
  rejected,              // not accepted (不予受理): final
  approved,              // decided in favour (准予)
  denied,                // decided against (不予许可): final
  result_dispatched,     // the result is on its way to the applicant
  completed,             // the applicant has the result: final
  withdrawn,             // withdrawn by the applicant: final
};
inline constexpr std::size_t kCaseStateCount = 12;

// Text form: lower snake case.
enum class CaseAction : std::uint8_t {
  receive,
  request_supplement,
  supplement,  // the applicant resubmits: back to RECEIVED
  pre_examine,
  forward,
  accept,
  reject,
  approve,
  deny,
  dispatch_result,
  complete,
  withdraw,
};
inline constexpr std::size_t kCaseActionCount = 12;

// What an agreement delegates to the receiving place for one item. Text form: the names in
// upper case (RECEIPT, RECEIPT_AND_PRELIMINARY_EXAMINATION).
enum class Rights : std::uint8_t {
  receipt,                              // receive and forward
  receipt_and_preliminary_examination,  // receive, pre-examine, then forward
};

// The two places of a case: receiving (收件地, where the applicant applies) and accepting
// (受理地, the applicant's registration city, which decides).
enum class Place : std::uint8_t { receiving, accepting };

std::string_view to_string(CaseState s);
std::string_view to_string(CaseAction a);
std::string_view to_string(Rights r);
std::string_view to_string(Place p);
std::optional<CaseState> parse_case_state(std::string_view text);
std::optional<CaseAction> parse_case_action(std::string_view text);
std::optional<Rights> parse_rights(std::string_view text);
std::optional<Place> parse_place(std::string_view text);

// Every state and action in declaration order (for tables and exhaustive tests).
std::span<const CaseState> all_case_states();
std::span<const CaseAction> all_case_actions();

// REJECTED, DENIED, COMPLETED, WITHDRAWN: nothing moves a case out of them.
bool is_terminal(CaseState s);

// The actions the table allows from `s` under `rights`, in declaration order. Empty for a
// terminal state. The handler puts this list in the body of a 409.
std::vector<CaseAction> allowed_actions(CaseState s, Rights rights);

// The state `a` leads to from `s`, or Errc::conflict rule `illegal_transition` (field
// `action`) whose message names the state and lists allowed_actions(s, rights).
Result<CaseState> next_state(CaseState s, CaseAction a, Rights rights);

// Whose work queue a case sits in. `applicant`: waiting for the applicant (supplement);
// `none`: final.
enum class StageOwner : std::uint8_t { receiving, accepting, applicant, none };
std::string_view to_string(StageOwner o);

// SUBMITTED, RECEIVED, PRE_EXAMINED: receiving; FORWARDED, ACCEPTED, APPROVED: accepting;
// SUPPLEMENT_REQUESTED: applicant; RESULT_DISPATCHED: the place that hands the result
// over (`handover`, see agreement.hpp handover_place); terminal states: none.
StageOwner stage_owner(CaseState s, Place handover = Place::accepting);

// Actions whose event must carry a reason the applicant reads: request_supplement (what is
// missing or wrong) and reject / deny (the grounds of a refusal must be given: Administrative
// Licensing Law art. 32 and 38). Any other action may carry one.
bool reason_required(CaseAction a);
inline constexpr std::size_t kMaxReasonChars = 2000;
// Errc::invalid_argument, field `reason`: `reason_required` (empty or only white space
// where required), `max_length` (more than kMaxReasonChars characters), `utf8`.
Result<void> check_reason(CaseAction a, std::string_view reason);

}  // namespace tongban::delegation

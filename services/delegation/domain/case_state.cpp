#include "domain/case_state.hpp"

#include <algorithm>
#include <array>

#include "domain/detail.hpp"

namespace tongban::delegation {
namespace {

using S = CaseState;
using A = CaseAction;

constexpr std::array<std::string_view, kCaseStateCount> kStateNames = {
    "SUBMITTED",         "RECEIVED",  "SUPPLEMENT_REQUESTED",
    "PRE_EXAMINED",      "FORWARDED", "ACCEPTED",
    "REJECTED",          "APPROVED",  "DENIED",
    "RESULT_DISPATCHED", "COMPLETED", "WITHDRAWN"};
constexpr std::array<std::string_view, kCaseActionCount> kActionNames = {
    "receive",    "request_supplement",
    "supplement", "pre_examine",
    "forward",    "accept",
    "reject",     "approve",
    "deny",       "dispatch_result",
    "complete",   "withdraw"};
constexpr std::array<std::string_view, 2> kRightsNames = {"RECEIPT",
                                                          "RECEIPT_AND_PRELIMINARY_EXAMINATION"};
constexpr std::array<std::string_view, 2> kPlaceNames = {"receiving", "accepting"};
constexpr std::array<std::string_view, 4> kOwnerNames = {"receiving", "accepting", "applicant",
                                                         "none"};

constexpr std::array<CaseState, kCaseStateCount> kAllStates = {
    S::submitted,         S::received,  S::supplement_requested,
    S::pre_examined,      S::forwarded, S::accepted,
    S::rejected,          S::approved,  S::denied,
    S::result_dispatched, S::completed, S::withdrawn};
constexpr std::array<CaseAction, kCaseActionCount> kAllActions = {
    A::receive,    A::request_supplement,
    A::supplement, A::pre_examine,
    A::forward,    A::accept,
    A::reject,     A::approve,
    A::deny,       A::dispatch_result,
    A::complete,   A::withdraw};

// Under which rights a transition exists.
enum class Under : std::uint8_t { any, receipt_only, pre_examination_only };

struct Transition {
  CaseState from;
  CaseAction action;
  CaseState to;
  Under under;
};

// The whole table. Withdrawal (from every non-terminal state to WITHDRAWN) is added by
// find() rather than listed nine times. Where the receiving place pre-examines, it must:
// forward leaves only from PRE_EXAMINED; where it only receives, forward leaves RECEIVED.
// A supplement request is the negative outcome of reception or pre-examination, so it
// leaves RECEIVED only (README: decisions).
constexpr std::array<Transition, 12> kTable = {{
    {S::submitted, A::receive, S::received, Under::any},
    {S::received, A::request_supplement, S::supplement_requested, Under::any},
    {S::supplement_requested, A::supplement, S::received, Under::any},
    {S::received, A::pre_examine, S::pre_examined, Under::pre_examination_only},
    {S::received, A::forward, S::forwarded, Under::receipt_only},
    {S::pre_examined, A::forward, S::forwarded, Under::pre_examination_only},
    {S::forwarded, A::accept, S::accepted, Under::any},
    {S::forwarded, A::reject, S::rejected, Under::any},
    {S::accepted, A::approve, S::approved, Under::any},
    {S::accepted, A::deny, S::denied, Under::any},
    {S::approved, A::dispatch_result, S::result_dispatched, Under::any},
    {S::result_dispatched, A::complete, S::completed, Under::any},
}};

bool applies(Under under, Rights rights) {
  switch (under) {
    case Under::any:
      return true;
    case Under::receipt_only:
      return rights == Rights::receipt;
    case Under::pre_examination_only:
      return rights == Rights::receipt_and_preliminary_examination;
  }
  return false;
}

std::optional<CaseState> find(CaseState s, CaseAction a, Rights rights) {
  if (is_terminal(s)) return std::nullopt;
  if (a == A::withdraw) return S::withdrawn;
  for (const auto& t : kTable) {
    if (t.from == s && t.action == a && applies(t.under, rights)) return t.to;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(CaseState s) { return detail::name_of(kStateNames, s); }
std::string_view to_string(CaseAction a) { return detail::name_of(kActionNames, a); }
std::string_view to_string(Rights r) { return detail::name_of(kRightsNames, r); }
std::string_view to_string(Place p) { return detail::name_of(kPlaceNames, p); }
std::string_view to_string(StageOwner o) { return detail::name_of(kOwnerNames, o); }
std::optional<CaseState> parse_case_state(std::string_view text) {
  return detail::parse_name<CaseState>(kStateNames, text);
}
std::optional<CaseAction> parse_case_action(std::string_view text) {
  return detail::parse_name<CaseAction>(kActionNames, text);
}
std::optional<Rights> parse_rights(std::string_view text) {
  return detail::parse_name<Rights>(kRightsNames, text);
}
std::optional<Place> parse_place(std::string_view text) {
  return detail::parse_name<Place>(kPlaceNames, text);
}

std::span<const CaseState> all_case_states() { return kAllStates; }
std::span<const CaseAction> all_case_actions() { return kAllActions; }

bool is_terminal(CaseState s) {
  return s == S::rejected || s == S::denied || s == S::completed || s == S::withdrawn;
}

std::vector<CaseAction> allowed_actions(CaseState s, Rights rights) {
  std::vector<CaseAction> out;
  for (auto a : kAllActions) {
    if (find(s, a, rights)) out.push_back(a);
  }
  return out;
}

Result<CaseState> next_state(CaseState s, CaseAction a, Rights rights) {
  if (auto to = find(s, a, rights)) return *to;
  const auto allowed = allowed_actions(s, rights);
  std::string message =
      "'" + std::string(to_string(a)) + "' is not allowed in state " + std::string(to_string(s));
  if (a == A::pre_examine && rights == Rights::receipt) {
    message += " (the agreement does not delegate preliminary examination for this item)";
  }
  message += "; allowed: " + detail::join(allowed, [](CaseAction x) { return to_string(x); });
  return fail(detail::conflict("illegal_transition", std::move(message), "action"));
}

StageOwner stage_owner(CaseState s, Place handover) {
  switch (s) {
    case S::submitted:
    case S::received:
    case S::pre_examined:
      return StageOwner::receiving;
    case S::supplement_requested:
      return StageOwner::applicant;
    case S::forwarded:
    case S::accepted:
    case S::approved:
      return StageOwner::accepting;
    case S::result_dispatched:
      return handover == Place::receiving ? StageOwner::receiving : StageOwner::accepting;
    case S::rejected:
    case S::denied:
    case S::completed:
    case S::withdrawn:
      return StageOwner::none;
  }
  return StageOwner::none;
}

bool reason_required(CaseAction a) {
  return a == A::request_supplement || a == A::reject || a == A::deny;
}

Result<void> check_reason(CaseAction a, std::string_view reason) {
  auto text = detail::check_text("reason", reason, kMaxReasonChars);
  if (!text) return text;
  if (reason_required(a) && !detail::has_content(reason)) {
    return fail(Error::invalid("reason", "reason_required",
                               std::string(to_string(a)) + " needs a reason the applicant reads"));
  }
  return {};
}

}  // namespace tongban::delegation

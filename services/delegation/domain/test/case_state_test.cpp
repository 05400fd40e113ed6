#include "domain/case_state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <tuple>

namespace tongban::delegation {
namespace {

// The expected table, written out by hand from SPEC §3.4 (not derived from the code):
// "<from> <action> <to> <rights>", rights R = RECEIPT only, P = with preliminary
// examination only, * = both. Anything not listed is illegal.
constexpr const char* kExpected = R"(
SUBMITTED receive RECEIVED *
SUBMITTED withdraw WITHDRAWN *
RECEIVED request_supplement SUPPLEMENT_REQUESTED *
RECEIVED pre_examine PRE_EXAMINED P
RECEIVED forward FORWARDED R
RECEIVED withdraw WITHDRAWN *
SUPPLEMENT_REQUESTED supplement RECEIVED *
SUPPLEMENT_REQUESTED withdraw WITHDRAWN *
PRE_EXAMINED forward FORWARDED P
PRE_EXAMINED withdraw WITHDRAWN *
FORWARDED accept ACCEPTED *
FORWARDED reject REJECTED *
FORWARDED withdraw WITHDRAWN *
ACCEPTED approve APPROVED *
ACCEPTED deny DENIED *
ACCEPTED withdraw WITHDRAWN *
APPROVED dispatch_result RESULT_DISPATCHED *
APPROVED withdraw WITHDRAWN *
RESULT_DISPATCHED complete COMPLETED *
RESULT_DISPATCHED withdraw WITHDRAWN *
)";

using Key = std::tuple<std::string, std::string, Rights>;

std::map<Key, std::string> expected_table() {
  std::map<Key, std::string> out;
  std::istringstream in(kExpected);
  std::string from, action, to, rights;
  while (in >> from >> action >> to >> rights) {
    if (rights != "P") out[{from, action, Rights::receipt}] = to;
    if (rights != "R") out[{from, action, Rights::receipt_and_preliminary_examination}] = to;
  }
  return out;
}

constexpr Rights kBothRights[] = {Rights::receipt, Rights::receipt_and_preliminary_examination};

TEST(CaseState, names_round_trip) {
  for (auto s : all_case_states()) EXPECT_EQ(parse_case_state(to_string(s)), s);
  for (auto a : all_case_actions()) EXPECT_EQ(parse_case_action(to_string(a)), a);
  for (auto r : kBothRights) EXPECT_EQ(parse_rights(to_string(r)), r);
  for (auto p : {Place::receiving, Place::accepting}) EXPECT_EQ(parse_place(to_string(p)), p);
  EXPECT_EQ(all_case_states().size(), 12u);
  EXPECT_EQ(all_case_actions().size(), 12u);
  EXPECT_EQ(to_string(CaseState::supplement_requested), "SUPPLEMENT_REQUESTED");
  EXPECT_EQ(to_string(CaseAction::dispatch_result), "dispatch_result");
  EXPECT_EQ(to_string(Rights::receipt_and_preliminary_examination),
            "RECEIPT_AND_PRELIMINARY_EXAMINATION");
  EXPECT_FALSE(parse_case_state("submitted"));  // case-sensitive
  EXPECT_FALSE(parse_case_action("RECEIVE"));
  EXPECT_FALSE(parse_rights("PRELIMINARY_EXAMINATION"));
  EXPECT_FALSE(parse_place("third"));
}

TEST(CaseState, every_state_action_and_rights_matches_the_expected_table) {
  const auto expected = expected_table();
  int legal = 0;
  for (auto s : all_case_states()) {
    for (auto a : all_case_actions()) {
      for (auto r : kBothRights) {
        SCOPED_TRACE(std::string(to_string(s)) + " " + std::string(to_string(a)) + " " +
                     std::string(to_string(r)));
        const auto it = expected.find({std::string(to_string(s)), std::string(to_string(a)), r});
        const auto got = next_state(s, a, r);
        if (it == expected.end()) {
          ASSERT_FALSE(got);
          EXPECT_EQ(got.error().code, Errc::conflict);
          EXPECT_EQ(got.error().rule, "illegal_transition");
          EXPECT_EQ(got.error().field, "action");
        } else {
          ASSERT_TRUE(got) << got.error().message;
          EXPECT_EQ(to_string(*got), it->second);
          ++legal;
        }
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(expected.size()));
}

TEST(CaseState, allowed_actions_are_exactly_the_legal_ones_in_declaration_order) {
  const auto expected = expected_table();
  for (auto s : all_case_states()) {
    for (auto r : kBothRights) {
      std::vector<CaseAction> want;
      for (auto a : all_case_actions()) {
        if (expected.contains({std::string(to_string(s)), std::string(to_string(a)), r})) {
          want.push_back(a);
        }
      }
      EXPECT_EQ(allowed_actions(s, r), want) << to_string(s) << " " << to_string(r);
    }
  }
}

TEST(CaseState, rejected_denied_completed_and_withdrawn_are_terminal) {
  for (auto s : all_case_states()) {
    const bool terminal = s == CaseState::rejected || s == CaseState::denied ||
                          s == CaseState::completed || s == CaseState::withdrawn;
    EXPECT_EQ(is_terminal(s), terminal) << to_string(s);
    for (auto r : kBothRights) {
      EXPECT_EQ(allowed_actions(s, r).empty(), terminal) << to_string(s);
      // Withdrawal is possible from every state that is not terminal.
      EXPECT_EQ(next_state(s, CaseAction::withdraw, r).has_value(), !terminal) << to_string(s);
    }
  }
}

TEST(CaseState, pre_examination_is_impossible_where_it_is_not_delegated) {
  const auto got = next_state(CaseState::received, CaseAction::pre_examine, Rights::receipt);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message.find("does not delegate preliminary examination"),
            std::string::npos);
}

TEST(CaseState, where_pre_examination_is_delegated_forward_waits_for_it) {
  const auto early = next_state(CaseState::received, CaseAction::forward,
                                Rights::receipt_and_preliminary_examination);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().rule, "illegal_transition");
  EXPECT_EQ(next_state(CaseState::pre_examined, CaseAction::forward,
                       Rights::receipt_and_preliminary_examination),
            CaseState::forwarded);
}

TEST(CaseState, an_illegal_transition_names_the_state_and_lists_the_allowed_actions) {
  const auto got = next_state(CaseState::forwarded, CaseAction::approve, Rights::receipt);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "'approve' is not allowed in state FORWARDED; allowed: accept, reject, withdraw");
  const auto terminal = next_state(CaseState::completed, CaseAction::withdraw, Rights::receipt);
  ASSERT_FALSE(terminal);
  EXPECT_EQ(terminal.error().message,
            "'withdraw' is not allowed in state COMPLETED; allowed: none");
}

TEST(CaseState, a_full_life_cycle_with_pre_examination_and_one_supplement) {
  const auto r = Rights::receipt_and_preliminary_examination;
  auto s = CaseState::submitted;
  for (auto a : {CaseAction::receive, CaseAction::request_supplement, CaseAction::supplement,
                 CaseAction::pre_examine, CaseAction::forward, CaseAction::accept,
                 CaseAction::approve, CaseAction::dispatch_result, CaseAction::complete}) {
    auto next = next_state(s, a, r);
    ASSERT_TRUE(next) << next.error().message;
    s = *next;
  }
  EXPECT_EQ(s, CaseState::completed);
}

TEST(CaseState, each_state_sits_in_one_work_queue) {
  using O = StageOwner;
  const std::map<CaseState, O> want = {{CaseState::submitted, O::receiving},
                                       {CaseState::received, O::receiving},
                                       {CaseState::supplement_requested, O::applicant},
                                       {CaseState::pre_examined, O::receiving},
                                       {CaseState::forwarded, O::accepting},
                                       {CaseState::accepted, O::accepting},
                                       {CaseState::rejected, O::none},
                                       {CaseState::approved, O::accepting},
                                       {CaseState::denied, O::none},
                                       {CaseState::result_dispatched, O::accepting},
                                       {CaseState::completed, O::none},
                                       {CaseState::withdrawn, O::none}};
  for (auto s : all_case_states()) EXPECT_EQ(stage_owner(s), want.at(s)) << to_string(s);
  // A result handed over at the receiving place's window waits in its queue.
  EXPECT_EQ(stage_owner(CaseState::result_dispatched, Place::receiving), O::receiving);
  EXPECT_EQ(stage_owner(CaseState::approved, Place::receiving), O::accepting);
}

TEST(CaseState, refusals_and_supplement_requests_need_a_reason) {
  for (auto a : all_case_actions()) {
    const bool needs =
        a == CaseAction::request_supplement || a == CaseAction::reject || a == CaseAction::deny;
    EXPECT_EQ(reason_required(a), needs) << to_string(a);
    const auto empty = check_reason(a, "  \n");
    EXPECT_EQ(empty.has_value(), !needs) << to_string(a);
    if (!empty) {
      EXPECT_EQ(empty.error().rule, "reason_required");
    }
    EXPECT_TRUE(check_reason(a, "材料不齐：缺少户口簿首页"));
  }
}

TEST(CaseState, a_reason_is_bounded_in_characters_and_must_be_utf8) {
  std::string at_limit;
  for (std::size_t i = 0; i < kMaxReasonChars; ++i) at_limit += "缺";  // 3 bytes each
  EXPECT_TRUE(check_reason(CaseAction::deny, at_limit));
  const auto over = check_reason(CaseAction::deny, at_limit + "a");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().rule, "max_length");
  EXPECT_EQ(over.error().field, "reason");
  for (std::string bad : {std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
                          std::string("ok\xE4\xB8"), std::string("\xF4\x90\x80\x80")}) {
    const auto got = check_reason(CaseAction::deny, bad);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().rule, "utf8");
  }
}

}  // namespace
}  // namespace tongban::delegation

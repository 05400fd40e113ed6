#include "domain/lifecycle.hpp"

#include <gtest/gtest.h>

namespace tongban::catalog {
namespace {

constexpr State kStates[] = {State::draft, State::published, State::withdrawn};
constexpr Action kActions[] = {Action::edit_draft, Action::publish, Action::withdraw,
                               Action::discard_draft};

TEST(Lifecycle, names_round_trip) {
  for (auto s : kStates) EXPECT_EQ(parse_state(to_string(s)), s);
  for (auto a : kActions) EXPECT_EQ(parse_action(to_string(a)), a);
  EXPECT_FALSE(parse_state("deleted"));
  EXPECT_FALSE(parse_action("delete"));
}

TEST(Lifecycle, the_whole_state_table) {
  using O = std::optional<State>;
  // expected[state][action]
  const O expected[3][4] = {
      {State::draft, State::published, std::nullopt, std::nullopt},
      {State::published, State::published, State::withdrawn, State::published},
      {State::withdrawn, State::published, std::nullopt, State::withdrawn},
  };
  for (std::size_t s = 0; s < 3; ++s) {
    for (std::size_t a = 0; a < 4; ++a) {
      auto r = transition(kStates[s], kActions[a]);
      const auto label =
          std::string(to_string(kStates[s])) + " + " + std::string(to_string(kActions[a]));
      if (expected[s][a]) {
        ASSERT_TRUE(r) << label;
        EXPECT_EQ(*r, *expected[s][a]) << label;
      } else {
        ASSERT_FALSE(r) << label;
        EXPECT_EQ(r.error().code, Errc::conflict) << label;
        EXPECT_EQ(r.error().rule, "invalid_transition") << label;
      }
    }
  }
}

TEST(Lifecycle, a_refusal_lists_the_allowed_actions) {
  auto r = transition(State::draft, Action::withdraw);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("allowed: edit_draft, publish"), std::string::npos)
      << r.error().message;
  EXPECT_EQ(allowed_actions(State::withdrawn),
            (std::vector<Action>{Action::edit_draft, Action::publish, Action::discard_draft}));
}

TEST(Lifecycle, versions_are_numbered_monotonically_and_drafts_are_based_on_them) {
  Head h;  // a new entity: a draft, never published
  auto s = apply(h, Action::publish);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->published_version, 1u);
  EXPECT_EQ(s->head.state, State::published);
  EXPECT_FALSE(s->head.has_draft);

  // Publishing again without a draft is refused: version 1 never changes.
  auto again = apply(s->head, Action::publish);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().rule, "no_draft");
  EXPECT_EQ(again.error().code, Errc::conflict);

  // Editing a published entity starts a draft based on version 1; it stays published.
  auto edit = apply(s->head, Action::edit_draft);
  ASSERT_TRUE(edit);
  EXPECT_EQ(edit->head.state, State::published);
  EXPECT_TRUE(edit->head.has_draft);
  EXPECT_EQ(edit->head.draft_base, 1u);
  EXPECT_EQ(edit->head.latest_version, 1u);
  EXPECT_FALSE(edit->published_version);
  // Editing the draft again changes nothing in the head.
  EXPECT_EQ(apply(edit->head, Action::edit_draft)->head, edit->head);

  auto v2 = apply(edit->head, Action::publish);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->published_version, 2u);

  auto gone = apply(v2->head, Action::withdraw);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->head.state, State::withdrawn);
  EXPECT_EQ(gone->head.latest_version, 2u);
  EXPECT_EQ(apply(gone->head, Action::withdraw).error().rule, "invalid_transition");

  // Reinstating takes a new draft and a new version.
  EXPECT_EQ(apply(gone->head, Action::publish).error().rule, "no_draft");
  auto redraft = apply(gone->head, Action::edit_draft);
  ASSERT_TRUE(redraft);
  EXPECT_EQ(redraft->head.draft_base, 2u);
  auto v3 = apply(redraft->head, Action::publish);
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->published_version, 3u);
  EXPECT_EQ(v3->head.state, State::published);
}

TEST(Lifecycle, discarding_a_draft_keeps_the_published_version) {
  Head h{State::published, 4, true, 4};
  auto s = apply(h, Action::discard_draft);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->head, (Head{State::published, 4, false, 0}));
  EXPECT_EQ(apply(s->head, Action::discard_draft).error().rule, "no_draft");
  EXPECT_EQ(apply(Head{}, Action::discard_draft).error().rule, "invalid_transition");
}

}  // namespace
}  // namespace tongban::catalog

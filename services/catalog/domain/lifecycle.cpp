#include "domain/lifecycle.hpp"

#include <array>
#include <string>

namespace tongban::catalog {
namespace {

constexpr std::array<std::string_view, 3> kStates = {"draft", "published", "withdrawn"};
constexpr std::array<std::string_view, 4> kActions = {"edit_draft", "publish", "withdraw",
                                                      "discard_draft"};

// kTable[state][action]: the next state, or nullopt when refused.
constexpr std::optional<State> kTable[3][4] = {
    // draft: edit, publish; nothing published to withdraw, nothing else to fall back to
    {State::draft, State::published, std::nullopt, std::nullopt},
    // published: a new draft beside the current version, publish it, withdraw, discard
    {State::published, State::published, State::withdrawn, State::published},
    // withdrawn: prepare a draft and publish it to reinstate; withdrawing again is refused
    {State::withdrawn, State::published, std::nullopt, State::withdrawn},
};

Error refused(State from, Action a) {
  std::string allowed;
  for (auto x : allowed_actions(from)) {
    if (!allowed.empty()) allowed += ", ";
    allowed += to_string(x);
  }
  Error e = Error::conflict("cannot " + std::string(to_string(a)) + " a " +
                            std::string(to_string(from)) + " entity; allowed: " + allowed);
  e.rule = "invalid_transition";
  return e;
}

}  // namespace

std::string_view to_string(State s) { return kStates.at(static_cast<std::size_t>(s)); }
std::string_view to_string(Action a) { return kActions.at(static_cast<std::size_t>(a)); }

std::optional<State> parse_state(std::string_view text) {
  for (std::size_t i = 0; i < kStates.size(); ++i) {
    if (kStates[i] == text) return static_cast<State>(i);
  }
  return std::nullopt;
}

std::optional<Action> parse_action(std::string_view text) {
  for (std::size_t i = 0; i < kActions.size(); ++i) {
    if (kActions[i] == text) return static_cast<Action>(i);
  }
  return std::nullopt;
}

std::vector<Action> allowed_actions(State s) {
  std::vector<Action> out;
  for (std::size_t a = 0; a < kActions.size(); ++a) {
    if (kTable[static_cast<std::size_t>(s)][a]) out.push_back(static_cast<Action>(a));
  }
  return out;
}

Result<State> transition(State from, Action a) {
  const auto next = kTable[static_cast<std::size_t>(from)][static_cast<std::size_t>(a)];
  if (!next) return fail(refused(from, a));
  return *next;
}

Result<Step> apply(const Head& head, Action a) {
  auto next = transition(head.state, a);
  if (!next) return fail(std::move(next.error()));
  Step step{head, std::nullopt};
  step.head.state = *next;
  switch (a) {
    case Action::edit_draft:
      if (!head.has_draft) {
        step.head.has_draft = true;
        step.head.draft_base = head.latest_version;
      }
      break;
    case Action::publish:
      if (!head.has_draft) {
        Error e = Error::conflict("nothing to publish: edit a draft first");
        e.rule = "no_draft";
        return fail(std::move(e));
      }
      step.head.latest_version = head.latest_version + 1;
      step.head.has_draft = false;
      step.head.draft_base = 0;
      step.published_version = step.head.latest_version;
      break;
    case Action::withdraw:
      break;
    case Action::discard_draft:
      if (!head.has_draft) {
        Error e = Error::conflict("there is no draft to discard");
        e.rule = "no_draft";
        return fail(std::move(e));
      }
      step.head.has_draft = false;
      step.head.draft_base = 0;
      break;
  }
  return step;
}

}  // namespace tongban::catalog

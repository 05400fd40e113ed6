// Draft → published → withdrawn for base items and city implementations, with immutable,
// monotonically numbered published versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::catalog {

// The state of an entity (a base item or one city's implementation of it):
// - draft: never published; only the draft exists;
// - published: a current published version exists (a pending draft may exist beside it);
// - withdrawn: no longer offered; its published versions stay readable (cases pin them),
//   and a pending draft may be published again to reinstate it.
enum class State : std::uint8_t { draft, published, withdrawn };

enum class Action : std::uint8_t {
  edit_draft,     // create or change the pending draft (based on the latest version)
  publish,        // freeze the pending draft as the next version
  withdraw,       // stop offering the entity
  discard_draft,  // drop the pending draft of a published or withdrawn entity
};

std::string_view to_string(State s);
std::string_view to_string(Action a);
std::optional<State> parse_state(std::string_view text);
std::optional<Action> parse_action(std::string_view text);

// The actions the state allows, in declaration order.
std::vector<Action> allowed_actions(State s);

// The state table. A refused action is Errc::conflict (409), rule `invalid_transition`,
// with a message listing the allowed actions.
Result<State> transition(State from, Action a);

// What the repository stores beside the versions: enough to decide any action.
struct Head {
  State state = State::draft;
  std::uint32_t latest_version = 0;  // 0: never published
  bool has_draft = true;             // a new entity starts as a draft
  // The version the pending draft was based on (0: none); editing a published version
  // never changes it, it starts a draft based on it.
  std::uint32_t draft_base = 0;
  friend bool operator==(const Head&, const Head&) = default;
};

struct Step {
  Head head;
  // Set by publish: the number of the new immutable version (latest_version + 1).
  std::optional<std::uint32_t> published_version;
};

// Applies `a` to `head`: the state table plus the draft bookkeeping. Publishing or
// discarding without a pending draft is Errc::conflict, rule `no_draft`; discarding the
// only draft of a never-published entity is `invalid_transition` (delete it instead).
Result<Step> apply(const Head& head, Action a);

}  // namespace tongban::catalog

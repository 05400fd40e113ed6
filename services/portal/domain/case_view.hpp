// A case as the indicators read it: its stage runs, when it was submitted and completed, the
// states it reached. compute() views every case it holds this way, and sealing views a
// finished case once to turn it into per-day counts; both must read a case alike, so the
// counts of a sealed case equal what the case itself would add.
#pragma once

#include <bitset>
#include <boost/container/small_vector.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "domain/calendar.hpp"
#include "domain/case_state.hpp"
#include "domain/deadline.hpp"
#include "domain/state.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::portal {

struct StageRun {
  delegation::Stage stage = delegation::Stage::forward;
  Clock::time_point start{};
  Clock::time_point end{};
};

// Made on the stack for one case at a time; nothing in it allocates (a std::set and a vector
// here made computing over 300,000 cases take 120 MB more for a moment, and a vector of all
// the views another 60 MB at 385,000).
struct CaseView {
  std::string_view id;
  const CaseFact* fact = nullptr;
  std::optional<Clock::time_point> submitted_at;
  std::optional<Clock::time_point> completed_at;
  boost::container::small_vector<StageRun, 3> runs;  // ended stage runs
  std::bitset<delegation::kCaseStateCount> reached;  // by CaseState
};

CaseView view_of(std::string_view id, const CaseFact& c);

// What one case adds to the indicators' flows, each fact under the key and day a sealed case
// is counted by (state.hpp): compute() adds an open case's facts and the sealed counts through
// the same functions. What depends on `now` (warnings, an open run overdue) is not here: only
// a case still open has it.
struct CaseFacts {
  std::optional<std::pair<SubmittedKey, SubmittedCounts>> submitted;
  boost::container::small_vector<std::pair<StageRunKey, StageRunCounts>, 3> stage_runs;
  std::optional<std::pair<CompletionKey, DurationCounts>> completion;
  boost::container::small_vector<RefusalKey, 1> refusals;  // the reason as given, untrimmed
  std::optional<RatingKey> rating;
  boost::container::small_vector<OverdueKey, 1> overdue;
};
CaseFacts facts_of(const CaseView& v, const delegation::Calendar& calendar);
RatingKey rating_key(const CaseSnapshot& s);  // s.rating must be set

// The place whose clock runs in `stage`.
const Symbol& stage_city(const CaseSnapshot& s, delegation::Stage stage);

// The stage's deadline under the case's pinned limits; nullopt when they are unknown (an
// event without its case record).
std::optional<delegation::StageDeadline> deadline_of(const CaseSnapshot& s, delegation::Stage stage,
                                                     Clock::time_point start,
                                                     const delegation::Calendar& calendar);

// The open stage of a case still running: its stage and when its clock started, by
// delegation's rule (stage_start: the latest entry into RECEIVED, FORWARDED or ACCEPTED, so
// pre-examination does not restart the forward clock); the record's stage_started_at only
// while that transition's event has not arrived.
std::optional<std::pair<delegation::Stage, Clock::time_point>> open_stage(const CaseFact& c);

// A refusal reason as counted: without surrounding white space.
std::string trim(std::string_view s);

}  // namespace tongban::portal

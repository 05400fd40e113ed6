// Stage time limits of a case (SPEC §3.4): forward within 1 working day of reception,
// accept within the agreement's limit, decide within the item's promised limit; when each
// stage falls due, whether it is overdue, and its yellow/red warning for supervision.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/calendar.hpp"
#include "domain/case_state.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

// Text form: lower case.
enum class Stage : std::uint8_t {
  forward,  // the receiving place: from RECEIVED (the latest entry) to FORWARDED
  accept,   // the accepting place: from FORWARDED to ACCEPTED or REJECTED
  decide,   // the accepting place: from ACCEPTED to APPROVED or DENIED
};
std::string_view to_string(Stage s);
std::optional<Stage> parse_stage(std::string_view text);

// The stage whose clock runs while a case is in `s`: RECEIVED and PRE_EXAMINED -> forward
// (pre-examination is part of the receiving place's one day), FORWARDED -> accept,
// ACCEPTED -> decide; nullopt for every other state (no clock: SUBMITTED waits for the
// applicant to come to the window, SUPPLEMENT_REQUESTED for the applicant, APPROVED and
// later are outside the three limits SPEC sets).
std::optional<Stage> stage_of(CaseState s);
// The state whose entry starts the stage's clock (RECEIVED, FORWARDED, ACCEPTED). A case
// sent back for supplement starts the forward clock again when it is RECEIVED again.
CaseState stage_start(Stage s);

inline constexpr int kForwardLimitDays = 1;
inline constexpr int kMaxLimitDays = 3650;

// The limits a case pins at submission.
struct StageLimits {
  int accept_limit_days = 0;  // the agreement version's accept_limit_days
  int decide_limit_days = 0;  // the accepting city's promised limit for the item (catalog)
};

// Working days for the stage: kForwardLimitDays, or the pinned limit. Errc::invalid_argument
// rule `range` (field accept_limit_days / decide_limit_days) when not in 1..kMaxLimitDays.
Result<int> limit_days(Stage s, const StageLimits& limits);

struct StageDeadline {
  Stage stage = Stage::forward;
  int limit_days = 0;
  Clock::time_point started_at{};
  Clock::time_point due{};  // add_working_days(started_at, limit_days): overdue from here on
  friend bool operator==(const StageDeadline&, const StageDeadline&) = default;
};

Result<StageDeadline> stage_deadline(Stage s, Clock::time_point started_at,
                                     const StageLimits& limits, const Calendar& calendar);

// now >= due.
bool overdue(const StageDeadline& d, Clock::time_point now);

// The share of the stage's working time used by `now`: working time (whole working days of
// 24 hours, in the calendar's zone) elapsed since the end of the start day, over
// limit_days x 24 h. The rest of the start day, weekends and holidays cost nothing, so a
// limit spanning the Spring Festival is not "80 % used" before work on it could begin.
// 0 before the first counted day, 1 at due, above 1 after.
double time_used(const StageDeadline& d, Clock::time_point now, const Calendar& calendar);

enum class Warning : std::uint8_t { none, yellow, red };
std::string_view to_string(Warning w);
inline constexpr double kYellowAt = 0.8;

// red when overdue, yellow when time_used >= kYellowAt, else none.
Warning warning_level(const StageDeadline& d, Clock::time_point now, const Calendar& calendar);

}  // namespace tongban::delegation

#include "domain/deadline.hpp"

#include <array>
#include <string>

#include "domain/detail.hpp"

namespace tongban::delegation {
namespace {

constexpr std::array<std::string_view, 3> kStageNames = {"forward", "accept", "decide"};
constexpr std::array<std::string_view, 3> kWarningNames = {"none", "yellow", "red"};

Result<int> checked(int days, const char* field) {
  if (days < 1 || days > kMaxLimitDays) {
    return fail(Error::invalid(field, "range",
                               std::string(field) + " must be between 1 and " +
                                   std::to_string(kMaxLimitDays) + " working days, got " +
                                   std::to_string(days)));
  }
  return days;
}

}  // namespace

std::string_view to_string(Stage s) { return detail::name_of(kStageNames, s); }
std::optional<Stage> parse_stage(std::string_view text) {
  return detail::parse_name<Stage>(kStageNames, text);
}
std::string_view to_string(Warning w) { return detail::name_of(kWarningNames, w); }

std::optional<Stage> stage_of(CaseState s) {
  switch (s) {
    case CaseState::received:
    case CaseState::pre_examined:
      return Stage::forward;
    case CaseState::forwarded:
      return Stage::accept;
    case CaseState::accepted:
      return Stage::decide;
    default:
      return std::nullopt;
  }
}

CaseState stage_start(Stage s) {
  switch (s) {
    case Stage::forward:
      return CaseState::received;
    case Stage::accept:
      return CaseState::forwarded;
    case Stage::decide:
      return CaseState::accepted;
  }
  return CaseState::received;
}

Result<int> limit_days(Stage s, const StageLimits& limits) {
  switch (s) {
    case Stage::forward:
      return kForwardLimitDays;
    case Stage::accept:
      return checked(limits.accept_limit_days, "accept_limit_days");
    case Stage::decide:
      return checked(limits.decide_limit_days, "decide_limit_days");
  }
  return kForwardLimitDays;
}

Result<StageDeadline> stage_deadline(Stage s, Clock::time_point started_at,
                                     const StageLimits& limits, const Calendar& calendar) {
  auto days = limit_days(s, limits);
  if (!days) return fail(std::move(days.error()));
  return StageDeadline{s, *days, started_at, add_working_days(started_at, *days, calendar)};
}

bool overdue(const StageDeadline& d, Clock::time_point now) { return now >= d.due; }

double time_used(const StageDeadline& d, Clock::time_point now, const Calendar& calendar) {
  using std::chrono::days;
  using Seconds = std::chrono::duration<double>;
  constexpr Seconds kDay = days{1};
  if (d.limit_days <= 0) return now >= d.due ? 1.0 : 0.0;
  Seconds used{0};
  const LocalDay last = calendar.local_day(now);
  for (LocalDay day = calendar.local_day(d.started_at) + days{1}; day <= last; day += days{1}) {
    if (!calendar.is_working_day(day)) continue;
    const Seconds into = now - calendar.start_of(day);
    used += into < kDay ? into : kDay;
  }
  return used / (kDay * d.limit_days);
}

Warning warning_level(const StageDeadline& d, Clock::time_point now, const Calendar& calendar) {
  if (overdue(d, now)) return Warning::red;
  if (time_used(d, now, calendar) >= kYellowAt) return Warning::yellow;
  return Warning::none;
}

}  // namespace tongban::delegation

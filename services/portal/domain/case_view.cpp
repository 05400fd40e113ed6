#include "domain/case_view.hpp"

#include <chrono>
#include <iterator>

namespace tongban::portal {

using delegation::CaseState;
using delegation::Stage;

namespace {

// Whether the timeline holds every version from `first` to `last`: a stage run is measured
// only between transitions with nothing missing in between, so an event still on its way
// cannot produce a wrong run (it appears, exactly, once the gap is filled).
bool contiguous(const Timeline& timeline, std::int64_t first, std::int64_t last) {
  const auto a = timeline.find(first);
  const auto b = timeline.find(last);
  if (a == timeline.end() || b == timeline.end()) return false;
  return std::distance(a, b) == last - first;
}

// The whole milliseconds between two instants (times are kept to the millisecond).
std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace

CaseView view_of(std::string_view id, const CaseFact& c) {
  CaseView v;
  v.id = id;
  v.fact = &c;
  v.submitted_at = c.snapshot.submitted_at;
  const auto& tl = c.timeline;
  std::optional<std::int64_t> received;  // version of the latest entry into RECEIVED
  std::optional<std::int64_t> forwarded;
  std::optional<std::int64_t> accepted;
  auto run = [&](Stage stage, const std::optional<std::int64_t>& from, std::int64_t to) {
    if (from && contiguous(tl, *from, to)) v.runs.push_back({stage, tl.at(*from).at, tl.at(to).at});
  };
  for (const auto& [version, t] : tl) {
    if (is_mark(t)) continue;
    v.reached.set(static_cast<std::size_t>(t.state));
    switch (t.state) {
      case CaseState::submitted:
        if (!v.submitted_at) v.submitted_at = t.at;
        break;
      case CaseState::received:
        received = version;  // after a supplement the forward clock starts again
        break;
      case CaseState::supplement_requested:
        received.reset();
        break;
      case CaseState::forwarded:
        run(Stage::forward, received, version);
        forwarded = version;
        break;
      case CaseState::accepted:
        run(Stage::accept, forwarded, version);
        accepted = version;
        break;
      case CaseState::rejected:
        run(Stage::accept, forwarded, version);
        break;
      case CaseState::approved:
      case CaseState::denied:
        run(Stage::decide, accepted, version);
        break;
      case CaseState::completed:
        v.completed_at = t.at;
        break;
      default:
        break;
    }
  }
  v.reached.set(static_cast<std::size_t>(c.snapshot.state));
  return v;
}

CaseFacts facts_of(const CaseView& v, const delegation::Calendar& calendar) {
  CaseFacts f;
  const auto& s = v.fact->snapshot;
  if (v.submitted_at) {
    f.submitted.emplace(
        SubmittedKey{local_day(*v.submitted_at), s.receiving_city, s.accepting_city, s.item_code,
                     s.state, static_cast<std::uint16_t>(v.reached.to_ulong())},
        SubmittedCounts{1, s.exempted > 0 ? 1 : 0, s.exempted, s.uploaded, s.redundant});
  }
  for (const auto& run : v.runs) {
    StageRunCounts n{1, 0, 0, ms_between(run.start, run.end)};
    if (const auto d = deadline_of(s, run.stage, run.start, calendar)) {
      ++(run.end < d->due ? n.on_time : n.late);
    }
    f.stage_runs.emplace_back(StageRunKey{local_day(run.end), run.stage, stage_city(s, run.stage)},
                              n);
  }
  if (v.completed_at && v.submitted_at) {
    f.completion.emplace(CompletionKey{local_day(*v.completed_at), s.accepting_city},
                         DurationCounts{1, ms_between(*v.submitted_at, *v.completed_at)});
  }
  for (const auto& [_, t] : v.fact->timeline) {
    constexpr std::string_view kOverdue = "overdue:";
    if (t.action.view().starts_with(kOverdue)) {
      const auto stage = delegation::parse_stage(t.action.view().substr(kOverdue.size()));
      if (stage) f.overdue.push_back(OverdueKey{local_day(t.at), stage_city(s, *stage)});
      continue;
    }
    if (is_mark(t)) continue;
    if (t.state != CaseState::rejected && t.state != CaseState::denied) continue;
    f.refusals.push_back(
        RefusalKey{local_day(t.at), t.state == CaseState::rejected, t.reason, s.accepting_city});
  }
  if (s.rating) f.rating = rating_key(s);
  return f;
}

RatingKey rating_key(const CaseSnapshot& s) {
  return RatingKey{local_day(s.rating->rated_at), s.rating->grade, s.rating->reason,
                   s.receiving_city, s.accepting_city};
}

const Symbol& stage_city(const CaseSnapshot& s, Stage stage) {
  return stage == Stage::forward ? s.receiving_city : s.accepting_city;
}

std::optional<delegation::StageDeadline> deadline_of(const CaseSnapshot& s, Stage stage,
                                                     Clock::time_point start,
                                                     const delegation::Calendar& calendar) {
  auto d = delegation::stage_deadline(
      stage, start, delegation::StageLimits{s.accept_limit_days, s.decide_limit_days}, calendar);
  if (!d) return std::nullopt;
  return *d;
}

std::optional<std::pair<Stage, Clock::time_point>> open_stage(const CaseFact& c) {
  if (delegation::is_terminal(c.snapshot.state)) return std::nullopt;
  const auto stage = delegation::stage_of(c.snapshot.state);
  if (!stage) return std::nullopt;
  const auto start_state = delegation::stage_start(*stage);
  for (auto it = c.timeline.rbegin(); it != c.timeline.rend(); ++it) {
    if (!is_mark(it->second) && it->second.state == start_state) {
      return std::pair{*stage, it->second.at};
    }
  }
  if (c.snapshot.stage_started_at) return std::pair{*stage, *c.snapshot.stage_started_at};
  return std::nullopt;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace tongban::portal

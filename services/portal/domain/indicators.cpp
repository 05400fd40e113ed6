#include "domain/indicators.hpp"

#include <algorithm>
#include <bitset>
#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <chrono>
#include <set>
#include <tuple>

namespace tongban::portal {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using delegation::CaseState;
using delegation::Stage;
using PairKey = std::pair<std::string, std::string>;

constexpr std::array kStages{Stage::forward, Stage::accept, Stage::decide};

double hours_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::ratio<3600>>(to - from).count();
}

PairKey pair_of(const std::string& x, const std::string& y) {
  return x < y ? PairKey{x, y} : PairKey{y, x};
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// ---- a case read from its fact ----

struct StageRun {
  Stage stage = Stage::forward;
  Clock::time_point start{};
  Clock::time_point end{};
};

// A case as the indicators read it, made on the stack for one case at a time; nothing in it
// allocates (a std::set and a vector here made computing over 300,000 cases take 120 MB more
// for a moment, and a vector of all the views another 60 MB at 385,000).
struct CaseView {
  std::string_view id;
  const CaseFact* fact = nullptr;
  std::optional<Clock::time_point> submitted_at;
  std::optional<Clock::time_point> completed_at;
  boost::container::small_vector<StageRun, 3> runs;  // ended stage runs
  std::bitset<delegation::kCaseStateCount> reached;  // by CaseState
};

// Whether the timeline holds every version from `first` to `last`: a stage run is measured
// only between transitions with nothing missing in between, so an event still on its way
// cannot produce a wrong run (it appears, exactly, once the gap is filled).
bool contiguous(const Timeline& timeline, std::int64_t first, std::int64_t last) {
  const auto a = timeline.find(first);
  const auto b = timeline.find(last);
  if (a == timeline.end() || b == timeline.end()) return false;
  return std::distance(a, b) == last - first;
}

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

// The place whose clock runs in `stage`.
const std::string& stage_city(const CaseSnapshot& s, Stage stage) {
  return stage == Stage::forward ? s.receiving_city : s.accepting_city;
}

std::optional<delegation::StageDeadline> deadline_of(const CaseSnapshot& s, Stage stage,
                                                     Clock::time_point start,
                                                     const delegation::Calendar& calendar) {
  auto d = delegation::stage_deadline(
      stage, start, delegation::StageLimits{s.accept_limit_days, s.decide_limit_days}, calendar);
  if (!d) return std::nullopt;  // limits unknown (an event without its case record)
  return *d;
}

// The open stage of a case still running: its stage and when its clock started, by
// delegation's rule (stage_start: the latest entry into RECEIVED, FORWARDED or ACCEPTED, so
// pre-examination does not restart the forward clock); the record's stage_started_at only
// while that transition's event has not arrived.
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

// Who handles the case at `city`: the department of the latest transition made there, else
// the department of the city's implementation of the item (catalog), else unknown.
std::string department_of(const State& state, const CaseFact& c, const std::string& city) {
  for (auto it = c.timeline.rbegin(); it != c.timeline.rend(); ++it) {
    if (it->second.city == city && !it->second.department.empty()) return it->second.department;
  }
  const auto impl = state.implementations.find(implementation_key(c.snapshot.item_code, city));
  return impl == state.implementations.end() ? std::string() : impl->second.department;
}

// ---- collaboration ----

int agreement_rank(const AgreementFact& a, Clock::time_point now) {
  if (in_force(a, now)) return 6;
  if (a.status == "SUSPENDED") return 5;
  if (a.status == "ACTIVE") return 4;  // expired or not yet valid
  if (a.status == "PROPOSED") return 3;
  if (a.status == "TERMINATED") return 2;
  return 1;  // DECLINED
}

struct PairCases {
  std::int64_t cases = 0;
  std::int64_t received_in_a = 0;
  std::int64_t received_in_b = 0;
  std::set<std::string> items;
};

// What the indicators gather from the cases in their one pass over them, beside what goes
// straight into the output.
struct CaseTally {
  // Of the cases submitted in the window (collaboration, levels).
  std::int64_t submitted = 0;
  std::map<PairKey, PairCases> cases_by_pair;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> cases_by_city;  // recv, accept
  std::map<std::string, std::int64_t> cases_by_item;
  std::map<std::string, std::map<std::string, std::int64_t>> cases_by_city_item;  // accepting
  // Refusals in the window.
  std::map<std::pair<std::string, std::string>, std::int64_t> reasons;  // action, reason
};

void add_submitted_to_pairs(CaseTally& t, const CaseSnapshot& s) {
  ++t.submitted;
  const auto key = pair_of(s.receiving_city, s.accepting_city);
  auto& p = t.cases_by_pair[key];
  ++p.cases;
  ++(s.receiving_city == key.first ? p.received_in_a : p.received_in_b);
  p.items.insert(s.item_code);
  ++t.cases_by_city[s.receiving_city].first;
  ++t.cases_by_city[s.accepting_city].second;
}

Collaboration collaboration(const State& state, const CaseTally& tally, Window window,
                            Clock::time_point now, const cities::Directory& directory) {
  Collaboration out;
  const auto& cases_by_pair = tally.cases_by_pair;
  const auto total_cases = tally.submitted;
  // The weights are shares of 1,000,000 rounded in the data file: normalise by their sum.
  double total_flow = 0;
  for (const auto& pair : directory.pairs()) total_flow += pair.weight;

  // The agreement shown for a pair: the one in force, else the most binding status; the
  // later id (UUIDv7: later created) among equals.
  std::map<PairKey, std::pair<const std::string*, const AgreementFact*>> shown;
  for (const auto& [id, a] : state.agreements) {
    auto& slot = shown[PairKey{a.city_a, a.city_b}];
    if (!slot.second || std::tuple(agreement_rank(a, now), id) >
                            std::tuple(agreement_rank(*slot.second, now), *slot.first)) {
      slot = {&id, &a};
    }
  }

  const auto first = first_day(window, now);
  const auto settle_by = first ? start_of(*first) : now - std::chrono::days(kSettleDays);

  std::set<PairKey> keys;
  for (const auto& [k, _] : shown) keys.insert(k);
  for (const auto& [k, _] : cases_by_pair) keys.insert(k);

  std::map<std::string, CityIndicators> by_city;
  for (const auto& city : directory.all()) {
    auto& c = by_city[city.code];
    c.city = city.code;
    c.name_zh = city.name_zh;
    c.province_code = city.province_code;
    if (const auto n = tally.cases_by_city.find(city.code); n != tally.cases_by_city.end()) {
      c.cases_as_receiving = n->second.first;
      c.cases_as_accepting = n->second.second;
    }
  }

  auto& net = out.network;
  net.cities = static_cast<int>(directory.all().size());
  net.pairs = static_cast<int>(directory.pairs().size());
  net.cases = total_cases;
  std::int64_t connected = 0;
  std::int64_t realised_pairs = 0;
  std::int64_t settled = 0;
  std::int64_t paper = 0;
  std::int64_t degree = 0;
  std::int64_t realised = 0;
  double flow_connected = 0;
  std::set<PairKey> connected_keys;

  for (const auto& key : keys) {
    PairIndicators p;
    p.city_a = key.first;
    p.city_b = key.second;
    p.flow_weight = directory.flow_weight(key.first, key.second);
    static const PairCases kNone;
    const auto cit = cases_by_pair.find(key);
    const auto& pc = cit == cases_by_pair.end() ? kNone : cit->second;
    p.cases = pc.cases;
    p.cases_received_in_a = pc.received_in_a;
    p.cases_received_in_b = pc.received_in_b;
    if (total_cases > 0 && total_flow > 0) {
      p.expected_cases = static_cast<double>(total_cases) * p.flow_weight / total_flow;
      if (*p.expected_cases > 0) p.flow_ratio = static_cast<double>(p.cases) / *p.expected_cases;
    }
    if (const auto sit = shown.find(key); sit != shown.end()) {
      const auto& a = *sit->second.second;
      p.agreement_id = *sit->second.first;
      p.agreement_status = a.status;
      p.signed_at = a.signed_at;
      p.connected = in_force(a, now);
      if (p.connected) {
        p.settled = !a.signed_at || *a.signed_at <= settle_by;
        p.degree = static_cast<int>(a.items.size());
        for (const auto& item : a.items) {
          if (pc.items.contains(item)) {
            ++p.realised_degree;
          } else if (p.settled) {
            p.unused_items.push_back(item);
          }
        }
        p.paper = p.settled && p.cases == 0;
      }
    }
    if (p.connected) {
      ++connected;
      connected_keys.insert(key);
      flow_connected += p.flow_weight;
      if (p.cases > 0) ++realised_pairs;
      if (p.settled) ++settled;
      if (p.paper) ++paper;
      degree += p.degree;
      realised += p.realised_degree;
      for (const auto* code : {&p.city_a, &p.city_b}) {
        auto& c = by_city[*code];
        ++c.breadth;
        if (p.cases > 0) ++c.realised_breadth;
        c.degree += p.degree;
        c.realised_degree += p.realised_degree;
        if (p.paper) ++c.paper_agreements;
        c.unused_items += static_cast<int>(p.unused_items.size());
      }
    }
    out.pairs.push_back(std::move(p));
  }

  net.density = Share{connected, net.pairs};
  net.realised_density = Share{realised_pairs, net.pairs};
  net.paper_share = Share{paper, settled};
  net.realisation = Share{realised, degree};
  net.flow_covered = total_flow > 0 ? flow_connected / total_flow : 0;

  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> xc;
  std::vector<double> yc;
  x.reserve(directory.pairs().size());
  y.reserve(directory.pairs().size());
  for (const auto& pair : directory.pairs()) {
    const PairKey key{pair.a->code, pair.b->code};
    const auto it = cases_by_pair.find(key);
    const double n = it == cases_by_pair.end() ? 0.0 : static_cast<double>(it->second.cases);
    x.push_back(n);
    y.push_back(pair.weight);
    if (connected_keys.contains(key)) {
      xc.push_back(n);
      yc.push_back(pair.weight);
    }
  }
  net.flow_rank_correlation = spearman(x, y);
  net.flow_rank_correlation_connected = spearman(xc, yc);

  for (auto& [_, c] : by_city) out.cities.push_back(std::move(c));
  return out;
}

// ---- capability ----

void finish_levels(ServiceLevels& out, const std::map<std::string, std::int64_t>& cases_by_item,
                   const State& state) {
  std::int64_t known = 0;
  std::int64_t known_cases = 0;
  std::int64_t full = 0;
  std::int64_t zero = 0;
  std::int64_t once = 0;
  std::int64_t full_cases = 0;
  std::int64_t zero_cases = 0;
  std::int64_t once_cases = 0;
  for (const auto& level : {"full", "partial", "none"}) out.online[level] = 0;
  for (const auto& level : {"zero", "once", "multiple"}) out.visits[level] = 0;
  for (const auto& [code, n] : cases_by_item) {
    ++out.items;
    const auto it = state.items.find(code);
    if (it == state.items.end() || it->second.version == 0) {
      ++out.unknown;
      continue;
    }
    const auto& f = it->second;
    ++known;
    known_cases += n;
    ++out.online[f.online_level];
    ++out.visits[f.visit_level];
    if (f.online_level == "full") {
      ++full;
      full_cases += n;
    }
    if (f.visit_level == "zero") {
      ++zero;
      zero_cases += n;
    }
    if (f.visit_level == "once") {
      ++once;
      once_cases += n;
    }
  }
  out.online_share = Share{full, known};
  out.zero_visit_share = Share{zero, known};
  out.one_visit_share = Share{zero + once, known};
  out.case_online_share = Share{full_cases, known_cases};
  out.case_zero_visit_share = Share{zero_cases, known_cases};
  out.case_one_visit_share = Share{zero_cases + once_cases, known_cases};
}

void add_reuse(Reuse& r, const CaseSnapshot& s) {
  ++r.cases;
  if (s.exempted > 0) ++r.cases_with_exemption;
  r.exempted += s.exempted;
  r.uploaded += s.uploaded;
  r.redundant += s.redundant;
  r.reuse_rate = Share{r.exempted, r.exempted + r.uploaded};
}

void add_rating(Satisfaction& s, const CaseRating& r) {
  if (r.grade == "good") {
    ++s.good;
  } else {
    ++s.poor;
    ++s.poor_reasons[r.reason.empty() ? std::string("unspecified") : r.reason.str()];
  }
  s.good_share = Share{s.good, s.good + s.poor};
  s.poor_share = Share{s.poor, s.good + s.poor};
}

void add_decision(DecisionCounts& c, bool allowed, std::int64_t n) {
  (allowed ? c.allowed : c.denied) += n;
}

void finish_stage(StageStats& s) {
  s.on_time_rate = Share{s.on_time, s.on_time + s.late + s.open_overdue};
}

void add_submitted_to_capability(Capability& out, CaseTally& t, const CaseSnapshot& s) {
  ++t.cases_by_item[s.item_code];
  ++t.cases_by_city_item[s.accepting_city][s.item_code];
  add_reuse(out.reuse, s);
  add_reuse(out.reuse_by_city[s.receiving_city], s);
}

// A case's stage runs, handling time, refusals and rating that fall in the window.
void add_to_capability(Capability& out, CaseTally& tally, const CaseView& v, Window window,
                       Clock::time_point now, const delegation::Calendar& calendar) {
  auto counts = [&](Clock::time_point t) { return in_window(t, window, now); };
  const auto& s = v.fact->snapshot;
  // Stage runs that ended in the window.
  for (const auto& run : v.runs) {
    if (!counts(run.end)) continue;
    const auto d = deadline_of(s, run.stage, run.start, calendar);
    for (auto* st :
         {&out.stages[run.stage], &out.stages_by_city[{run.stage, stage_city(s, run.stage)}]}) {
      ++st->ended;
      st->hours.add(hours_between(run.start, run.end));
      if (d) ++(run.end < d->due ? st->on_time : st->late);
    }
  }
  // The open run, when its due fell in the window and has passed.
  if (const auto open = open_stage(*v.fact)) {
    const auto d = deadline_of(s, open->first, open->second, calendar);
    if (d && delegation::overdue(*d, now) && counts(d->due)) {
      ++out.stages[open->first].open_overdue;
      ++out.stages_by_city[{open->first, stage_city(s, open->first)}].open_overdue;
    }
  }
  if (v.completed_at && v.submitted_at && counts(*v.completed_at)) {
    const double h = hours_between(*v.submitted_at, *v.completed_at);
    out.handling_hours.add(h);
    out.handling_hours_by_city[s.accepting_city].add(h);
  }
  for (const auto& [_, t] : v.fact->timeline) {
    if (is_mark(t) || !counts(t.at)) continue;
    if (t.state != CaseState::rejected && t.state != CaseState::denied) continue;
    const bool rejected = t.state == CaseState::rejected;
    ++tally.reasons[{rejected ? "reject" : "deny", trim(t.reason)}];
    auto& r = out.refusals_by_city[s.accepting_city];
    ++(rejected ? r.rejected : r.denied);
  }
  if (s.rating && counts(s.rating->rated_at)) {
    add_rating(out.satisfaction, *s.rating);
    add_rating(out.satisfaction_by_city[s.receiving_city], *s.rating);
    add_rating(out.satisfaction_by_city[s.accepting_city], *s.rating);
  }
}

// What needs every case first (levels, shares, the order of reasons), and what does not come
// from cases (licences, data calls).
void finish_capability(Capability& out, const CaseTally& tally, const State& state, Window window,
                       Clock::time_point now) {
  finish_levels(out.levels, tally.cases_by_item, state);
  for (const auto& [city, items] : tally.cases_by_city_item) {
    finish_levels(out.levels_by_city[city], items, state);
  }

  for (const auto& [_, l] : state.licences) {
    if (!in_window(l.issued_at, window, now)) continue;
    for (auto* c : {&out.licences, &out.licences_by_city[l.issuer_city]}) {
      ++c->issued;
      if (l.from_case) ++c->from_cases;
    }
  }

  for (const auto& [k, n] : state.calls) {
    if (!in_window(k.day, window, now)) continue;
    add_decision(out.calls.total, k.allowed, n);
    add_decision(out.calls.by_resource[k.resource], k.allowed, n);
    add_decision(out.calls.by_consumer[{k.consumer_city, k.consumer_department}], k.allowed, n);
    add_decision(out.calls.by_consumer_city[k.consumer_city], k.allowed, n);
    add_decision(out.calls.by_owner_city[k.owner_city], k.allowed, n);
  }

  for (auto stage : kStages) out.stages[stage];  // every stage, with or without runs
  for (auto& [_, st] : out.stages) finish_stage(st);
  for (auto& [_, st] : out.stages_by_city) finish_stage(st);
  for (const auto& [k, n] : tally.reasons) out.refusal_reasons.push_back({k.first, k.second, n});
  std::stable_sort(out.refusal_reasons.begin(), out.refusal_reasons.end(),
                   [](const ReasonCount& a, const ReasonCount& b) { return a.count > b.count; });
}

// ---- supervision and funnel ----

// The overdue stages delegation recorded in the window, and the case's warning at `now`.
void add_to_supervision(Supervision& out, const State& state, const CaseView& v, Window window,
                        Clock::time_point now, const delegation::Calendar& calendar) {
  const auto& c = *v.fact;
  const auto& s = c.snapshot;
  for (const auto& [_, t] : c.timeline) {
    constexpr std::string_view kOverdue = "overdue:";
    if (!t.action.view().starts_with(kOverdue) || !in_window(t.at, window, now)) continue;
    const auto stage = delegation::parse_stage(std::string_view(t.action).substr(kOverdue.size()));
    if (stage) ++out.overdue_recorded[stage_city(s, *stage)];
  }
  const auto open = open_stage(c);
  if (!open) return;
  const auto d = deadline_of(s, open->first, open->second, calendar);
  if (!d) return;
  const auto level = delegation::warning_level(*d, now, calendar);
  if (level == delegation::Warning::none) return;
  CaseWarning w;
  w.case_id = v.id;
  w.city = stage_city(s, open->first);
  w.department = department_of(state, c, w.city);
  w.stage = open->first;
  w.state = s.state;
  w.started_at = open->second;
  w.due = d->due;
  w.warning = level;
  w.time_used = delegation::time_used(*d, now, calendar);
  for (auto* counts :
       {&out.total, &out.by_city[w.city], &out.by_department[{w.city, w.department}]}) {
    ++(level == delegation::Warning::red ? counts->red : counts->yellow);
  }
  out.cases.push_back(std::move(w));
}

void finish_supervision(Supervision& out) {
  std::sort(out.cases.begin(), out.cases.end(), [](const CaseWarning& a, const CaseWarning& b) {
    return std::tie(a.due, a.case_id) < std::tie(b.due, b.case_id);
  });
}

void add_submitted_to_funnel(Funnel& out, const CaseView& v) {
  ++out.submitted;
  for (std::size_t s = 0; s < v.reached.size(); ++s) {
    if (v.reached.test(s)) ++out.reached[static_cast<CaseState>(s)];
  }
  ++out.current[v.fact->snapshot.state];
}

// ---- JSON ----

value opt(const std::optional<double>& d) { return d ? value(*d) : value(nullptr); }

value share_json(const Share& s) {
  return object{{"count", s.part}, {"of", s.whole}, {"share", opt(s.value())}};
}

value mean_json(const Mean& m) { return object{{"count", m.count}, {"mean", opt(m.value())}}; }

value decisions_json(const DecisionCounts& c) {
  return object{{"allowed", c.allowed}, {"denied", c.denied}};
}

value strings_json(const std::vector<std::string>& v) {
  array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

template <class Map, class F>
value map_json(const Map& m, F&& f) {
  object out;
  for (const auto& [k, v] : m) out[k] = f(v);
  return out;
}

value levels_json(const ServiceLevels& l) {
  return object{{"items", l.items},
                {"unknown", l.unknown},
                {"online", map_json(l.online, [](std::int64_t n) { return value(n); })},
                {"visits", map_json(l.visits, [](std::int64_t n) { return value(n); })},
                {"online_share", share_json(l.online_share)},
                {"zero_visit_share", share_json(l.zero_visit_share)},
                {"one_visit_share", share_json(l.one_visit_share)},
                {"case_online_share", share_json(l.case_online_share)},
                {"case_zero_visit_share", share_json(l.case_zero_visit_share)},
                {"case_one_visit_share", share_json(l.case_one_visit_share)}};
}

value reuse_json(const Reuse& r) {
  return object{{"cases", r.cases},         {"cases_with_exemption", r.cases_with_exemption},
                {"exempted", r.exempted},   {"uploaded", r.uploaded},
                {"redundant", r.redundant}, {"reuse_rate", share_json(r.reuse_rate)}};
}

value licences_json(const LicenceCounts& l) {
  return object{{"issued", l.issued}, {"from_cases", l.from_cases}};
}

value stage_json(const StageStats& s) {
  return object{{"ended", s.ended},
                {"on_time", s.on_time},
                {"late", s.late},
                {"open_overdue", s.open_overdue},
                {"on_time_rate", share_json(s.on_time_rate)},
                {"hours", mean_json(s.hours)}};
}

value satisfaction_json(const Satisfaction& s) {
  return object{
      {"good", s.good},
      {"poor", s.poor},
      {"good_share", share_json(s.good_share)},
      {"poor_share", share_json(s.poor_share)},
      {"poor_reasons", map_json(s.poor_reasons, [](std::int64_t n) { return value(n); })}};
}

value warnings_json(const WarningCounts& w) { return object{{"yellow", w.yellow}, {"red", w.red}}; }

value network_json(const NetworkIndicators& n) {
  return object{{"cities", n.cities},
                {"pairs", n.pairs},
                {"density", share_json(n.density)},
                {"realised_density", share_json(n.realised_density)},
                {"paper_share", share_json(n.paper_share)},
                {"realisation", share_json(n.realisation)},
                {"flow_covered", n.flow_covered},
                {"cases", n.cases},
                {"flow_rank_correlation", opt(n.flow_rank_correlation)},
                {"flow_rank_correlation_connected", opt(n.flow_rank_correlation_connected)}};
}

value city_json(const CityIndicators& c) {
  return object{{"city", c.city},
                {"name_zh", c.name_zh},
                {"province_code", c.province_code},
                {"breadth", c.breadth},
                {"realised_breadth", c.realised_breadth},
                {"degree", c.degree},
                {"realised_degree", c.realised_degree},
                {"paper_agreements", c.paper_agreements},
                {"unused_items", c.unused_items},
                {"cases_as_receiving", c.cases_as_receiving},
                {"cases_as_accepting", c.cases_as_accepting}};
}

value pair_json(const PairIndicators& p) {
  return object{
      {"city_a", p.city_a},
      {"city_b", p.city_b},
      {"flow_weight", p.flow_weight},
      {"agreement_id", p.agreement_id.empty() ? value(nullptr) : value(p.agreement_id)},
      {"agreement_status", p.agreement_status.empty() ? value(nullptr) : value(p.agreement_status)},
      {"connected", p.connected},
      {"signed_at", p.signed_at ? value(to_rfc3339(*p.signed_at)) : value(nullptr)},
      {"settled", p.settled},
      {"degree", p.degree},
      {"realised_degree", p.realised_degree},
      {"unused_items", strings_json(p.unused_items)},
      {"paper", p.paper},
      {"cases", p.cases},
      {"cases_received_in_a", p.cases_received_in_a},
      {"cases_received_in_b", p.cases_received_in_b},
      {"expected_cases", opt(p.expected_cases)},
      {"flow_ratio", opt(p.flow_ratio)}};
}

value calls_json(const Calls& c) {
  array by_consumer;
  for (const auto& [k, n] : c.by_consumer) {
    by_consumer.emplace_back(object{
        {"city", k.first}, {"department", k.second}, {"allowed", n.allowed}, {"denied", n.denied}});
  }
  return object{{"total", decisions_json(c.total)},
                {"by_resource", map_json(c.by_resource, decisions_json)},
                {"by_consumer", std::move(by_consumer)},
                {"by_consumer_city", map_json(c.by_consumer_city, decisions_json)},
                {"by_owner_city", map_json(c.by_owner_city, decisions_json)}};
}

value capability_json(const Capability& c) {
  object stages;
  for (const auto& [stage, st] : c.stages) stages[delegation::to_string(stage)] = stage_json(st);
  object stages_by_city;
  for (const auto& [k, st] : c.stages_by_city) {
    auto& slot = stages_by_city[delegation::to_string(k.first)];
    if (!slot.is_object()) slot = object{};
    slot.get_object()[k.second] = stage_json(st);
  }
  array reasons;
  for (const auto& r : c.refusal_reasons) {
    reasons.emplace_back(object{{"action", r.action}, {"reason", r.reason}, {"count", r.count}});
  }
  return object{{"levels", levels_json(c.levels)},
                {"levels_by_city", map_json(c.levels_by_city, levels_json)},
                {"reuse", reuse_json(c.reuse)},
                {"reuse_by_city", map_json(c.reuse_by_city, reuse_json)},
                {"licences", licences_json(c.licences)},
                {"licences_by_city", map_json(c.licences_by_city, licences_json)},
                {"calls", calls_json(c.calls)},
                {"stages", std::move(stages)},
                {"stages_by_city", std::move(stages_by_city)},
                {"handling_hours", mean_json(c.handling_hours)},
                {"handling_hours_by_city", map_json(c.handling_hours_by_city, mean_json)},
                {"refusal_reasons", std::move(reasons)},
                {"refusals_by_city",
                 map_json(c.refusals_by_city,
                          [](const RefusalCounts& r) {
                            return value(object{{"rejected", r.rejected}, {"denied", r.denied}});
                          })},
                {"satisfaction", satisfaction_json(c.satisfaction)},
                {"satisfaction_by_city", map_json(c.satisfaction_by_city, satisfaction_json)}};
}

value supervision_json(const Supervision& s) {
  array cases;
  for (const auto& w : s.cases) {
    cases.emplace_back(object{{"case_id", w.case_id},
                              {"city", w.city},
                              {"department", w.department},
                              {"stage", delegation::to_string(w.stage)},
                              {"state", delegation::to_string(w.state)},
                              {"started_at", to_rfc3339(w.started_at)},
                              {"due", to_rfc3339(w.due)},
                              {"warning", delegation::to_string(w.warning)},
                              {"time_used", w.time_used}});
  }
  array by_department;
  for (const auto& [k, w] : s.by_department) {
    by_department.emplace_back(
        object{{"city", k.first}, {"department", k.second}, {"yellow", w.yellow}, {"red", w.red}});
  }
  return object{
      {"total", warnings_json(s.total)},
      {"by_city", map_json(s.by_city, warnings_json)},
      {"by_department", std::move(by_department)},
      {"cases", std::move(cases)},
      {"overdue_recorded", map_json(s.overdue_recorded, [](std::int64_t n) { return value(n); })}};
}

value funnel_json(const Funnel& f) {
  object reached;
  for (const auto& [s, n] : f.reached) reached[delegation::to_string(s)] = n;
  object current;
  for (const auto& [s, n] : f.current) current[delegation::to_string(s)] = n;
  return object{
      {"submitted", f.submitted}, {"reached", std::move(reached)}, {"current", std::move(current)}};
}

}  // namespace

Indicators compute(const State& state, Window window, Clock::time_point now,
                   const cities::Directory& directory, const delegation::Calendar& calendar) {
  Indicators out;
  out.window = window;
  out.now = now;
  out.first_day = first_day(window, now);
  // One pass over the cases, each viewed on the stack.
  CaseTally tally;
  for (const auto& [id, c] : state.cases) {
    const auto v = view_of(id, c);
    // A case belongs to the window of its submission.
    if (v.submitted_at && in_window(*v.submitted_at, window, now)) {
      add_submitted_to_pairs(tally, c.snapshot);
      add_submitted_to_capability(out.capability, tally, c.snapshot);
      add_submitted_to_funnel(out.funnel, v);
    }
    add_to_capability(out.capability, tally, v, window, now, calendar);
    add_to_supervision(out.supervision, state, v, window, now, calendar);
  }
  out.collaboration = collaboration(state, tally, window, now, directory);
  finish_capability(out.capability, tally, state, window, now);
  finish_supervision(out.supervision);
  return out;
}

object to_json(const Indicators& ind) {
  array cities;
  for (const auto& c : ind.collaboration.cities) cities.push_back(city_json(c));
  array pairs;
  for (const auto& p : ind.collaboration.pairs) pairs.push_back(pair_json(p));
  return object{{"window", to_string(ind.window)},
                {"now", to_rfc3339(ind.now)},
                {"first_day", ind.first_day ? value(to_string(*ind.first_day)) : value(nullptr)},
                {"collaboration", object{{"network", network_json(ind.collaboration.network)},
                                         {"cities", std::move(cities)},
                                         {"pairs", std::move(pairs)}}},
                {"capability", capability_json(ind.capability)},
                {"supervision", supervision_json(ind.supervision)},
                {"funnel", funnel_json(ind.funnel)}};
}

}  // namespace tongban::portal

#include "domain/indicators.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <chrono>
#include <set>
#include <tuple>

#include "domain/case_view.hpp"

namespace tongban::portal {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using delegation::CaseState;
using delegation::Stage;
using PairKey = std::pair<std::string, std::string>;

constexpr std::array kStages{Stage::forward, Stage::accept, Stage::decide};

PairKey pair_of(const std::string& x, const std::string& y) {
  return x < y ? PairKey{x, y} : PairKey{y, x};
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

void add_submitted_to_pairs(CaseTally& t, const SubmittedKey& k, std::int64_t n) {
  t.submitted += n;
  const auto key = pair_of(k.receiving_city, k.accepting_city);
  auto& p = t.cases_by_pair[key];
  p.cases += n;
  (k.receiving_city == key.first ? p.received_in_a : p.received_in_b) += n;
  p.items.insert(k.item_code);
  t.cases_by_city[k.receiving_city].first += n;
  t.cases_by_city[k.accepting_city].second += n;
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

void add_reuse(Reuse& r, const SubmittedCounts& n) {
  r.cases += n.cases;
  r.cases_with_exemption += n.with_exemption;
  r.exempted += n.exempted;
  r.uploaded += n.uploaded;
  r.redundant += n.redundant;
  r.reuse_rate = Share{r.exempted, r.exempted + r.uploaded};
}

void add_rating(Satisfaction& s, const RatingKey& k, std::int64_t n) {
  if (k.grade == "good") {
    s.good += n;
  } else {
    s.poor += n;
    s.poor_reasons[k.reason.empty() ? std::string("unspecified") : k.reason.str()] += n;
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

void add_submitted_to_capability(Capability& out, CaseTally& t, const SubmittedKey& k,
                                 const SubmittedCounts& n) {
  t.cases_by_item[k.item_code] += n.cases;
  t.cases_by_city_item[k.accepting_city][k.item_code] += n.cases;
  add_reuse(out.reuse, n);
  add_reuse(out.reuse_by_city[k.receiving_city], n);
}

void add_stage_run(Capability& out, const StageRunKey& k, const StageRunCounts& n) {
  for (auto* st : {&out.stages[k.stage], &out.stages_by_city[{k.stage, k.city}]}) {
    st->ended += n.ended;
    st->on_time += n.on_time;
    st->late += n.late;
    st->hours.add(n.ms, n.ended);
  }
}

void add_completion(Capability& out, const CompletionKey& k, const DurationCounts& n) {
  out.handling_hours.add(n.ms, n.count);
  out.handling_hours_by_city[k.accepting_city].add(n.ms, n.count);
}

void add_refusal(Capability& out, CaseTally& tally, const RefusalKey& k, std::int64_t n) {
  tally.reasons[{k.rejected ? "reject" : "deny", trim(k.reason)}] += n;
  auto& r = out.refusals_by_city[k.accepting_city];
  (k.rejected ? r.rejected : r.denied) += n;
}

void add_rating(Capability& out, const RatingKey& k, std::int64_t n) {
  add_rating(out.satisfaction, k, n);
  add_rating(out.satisfaction_by_city[k.receiving_city], k, n);
  add_rating(out.satisfaction_by_city[k.accepting_city], k, n);
}

void add_submitted_to_funnel(Funnel& out, const SubmittedKey& k, std::int64_t n) {
  out.submitted += n;
  for (std::size_t s = 0; s < delegation::kCaseStateCount; ++s) {
    if (k.reached & (1u << s)) out.reached[static_cast<CaseState>(s)] += n;
  }
  out.current[k.state] += n;
}

// One fact of a case, open or sealed, counted when its day is in the window: the same
// arithmetic for both, so sealing a case does not change a number.
class FactAdder {
 public:
  FactAdder(Indicators& out, CaseTally& tally, Window window, Clock::time_point now)
      : out_(out), tally_(tally), window_(window), now_(now) {}

  void operator()(const SubmittedKey& k, const SubmittedCounts& n) {
    // A case belongs to the window of its submission.
    if (!in(k.day)) return;
    add_submitted_to_pairs(tally_, k, n.cases);
    add_submitted_to_capability(out_.capability, tally_, k, n);
    add_submitted_to_funnel(out_.funnel, k, n.cases);
  }
  void operator()(const StageRunKey& k, const StageRunCounts& n) {
    if (in(k.day)) add_stage_run(out_.capability, k, n);
  }
  void operator()(const CompletionKey& k, const DurationCounts& n) {
    if (in(k.day)) add_completion(out_.capability, k, n);
  }
  void operator()(const RefusalKey& k, std::int64_t n) {
    if (in(k.day)) add_refusal(out_.capability, tally_, k, n);
  }
  void operator()(const RatingKey& k, std::int64_t n) {
    if (in(k.day)) add_rating(out_.capability, k, n);
  }
  void operator()(const OverdueKey& k, std::int64_t n) {
    if (in(k.day)) out_.supervision.overdue_recorded[k.city] += n;
  }
  void operator()(const LicenceKey& k, std::int64_t n) {
    if (!in(k.day)) return;
    for (auto* c : {&out_.capability.licences, &out_.capability.licences_by_city[k.issuer_city]}) {
      c->issued += n;
      if (k.from_case) c->from_cases += n;
    }
  }

  void add(const CaseFacts& f) {
    if (f.submitted) (*this)(f.submitted->first, f.submitted->second);
    for (const auto& [k, n] : f.stage_runs) (*this)(k, n);
    if (f.completion) (*this)(f.completion->first, f.completion->second);
    for (const auto& k : f.refusals) (*this)(k, 1);
    if (f.rating) (*this)(*f.rating, 1);
    for (const auto& k : f.overdue) (*this)(k, 1);
  }

  void add(const SealedCounts& sealed) {
    sealed.each([this](const auto& counts) {
      for (const auto& [k, n] : counts) (*this)(k, n);
    });
  }

 private:
  bool in(Day d) const { return in_window(d, window_, now_); }
  Indicators& out_;
  CaseTally& tally_;
  Window window_;
  Clock::time_point now_;
};

// An open case's run whose due fell in the window and has passed.
void add_open_overdue(Capability& out, const CaseFact& c, Window window, Clock::time_point now,
                      const delegation::Calendar& calendar) {
  const auto open = open_stage(c);
  if (!open) return;
  const auto d = deadline_of(c.snapshot, open->first, open->second, calendar);
  if (d && delegation::overdue(*d, now) && in_window(d->due, window, now)) {
    ++out.stages[open->first].open_overdue;
    ++out.stages_by_city[{open->first, stage_city(c.snapshot, open->first)}].open_overdue;
  }
}

// What needs every case first (levels, shares, the order of reasons), and the data calls.
void finish_capability(Capability& out, const CaseTally& tally, const State& state, Window window,
                       Clock::time_point now) {
  finish_levels(out.levels, tally.cases_by_item, state);
  for (const auto& [city, items] : tally.cases_by_city_item) {
    finish_levels(out.levels_by_city[city], items, state);
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

// The case's warning at `now`.
void add_to_supervision(Supervision& out, const State& state, const CaseView& v,
                        Clock::time_point now, const delegation::Calendar& calendar) {
  const auto& c = *v.fact;
  const auto& s = c.snapshot;
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

// ---- JSON ----

value opt(const std::optional<double>& d) { return d ? value(*d) : value(nullptr); }

value share_json(const Share& s) {
  return object{{"count", s.part}, {"of", s.whole}, {"share", opt(s.value())}};
}

value mean_json(const MeanHours& m) { return object{{"count", m.count}, {"mean", opt(m.value())}}; }

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
  // One pass over the open cases, each viewed on the stack, then the sealed ones' counts.
  CaseTally tally;
  FactAdder add(out, tally, window, now);
  for (const auto& [id, c] : state.cases) {
    const auto v = view_of(id, c);
    add.add(facts_of(v, calendar));
    add_open_overdue(out.capability, c, window, now, calendar);
    add_to_supervision(out.supervision, state, v, now, calendar);
  }
  add.add(state.sealed);
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

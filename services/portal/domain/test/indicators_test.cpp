// The indicators on hand-made event sequences: network density over the real 11,935 pairs,
// breadth, realised degree and formalism, on-time rates across a public holiday, warnings,
// handling times, refusal reasons, satisfaction, levels, reuse, calls, migrant flow.
#include "domain/indicators.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <vector>

#include "test/events.hpp"

namespace tongban::portal {
namespace {

using namespace test_events;
using delegation::Stage;

constexpr const char* kNanjing = "320100";
constexpr const char* kHangzhou = "330100";
constexpr const char* kHefei = "340100";
constexpr const char* kSuzhou = "320500";
constexpr const char* kWuxi = "320200";
constexpr const char* kFuzhou = "350100";
constexpr const char* kGuangzhou = "440100";

// The events folded twice: every case kept whole, and finished cases sealed into per-day
// counts (what the service does). Every indicator below is computed from both and must come
// out the same, so each test here is also a test of sealing.
struct Folded {
  State whole;
  State sealed;
};

Folded folded(const std::vector<Event>& events) {
  auto whole = fold(State{}, events);
  EXPECT_TRUE(whole.has_value()) << (whole ? ""
                                           : whole.error().field + ": " + whole.error().message);
  auto sealed = fold(State{}, events, FoldOptions{&cn2026()});
  EXPECT_TRUE(sealed.has_value());
  return {whole ? *whole : State{}, sealed ? *sealed : State{}};
}

Indicators indicators(const State& s, Window w, const std::string& now) {
  return compute(s, w, at(now), cities::directory(), cn2026());
}

Indicators indicators(const Folded& f, Window w, const std::string& now) {
  auto whole = indicators(f.whole, w, now);
  EXPECT_EQ(boost::json::serialize(to_json(indicators(f.sealed, w, now))),
            boost::json::serialize(to_json(whole)))
      << "sealed and whole differ in window " << to_string(w) << " at " << now;
  return whole;
}

std::vector<Event> signed_agreement(const std::string& id, const std::string& a,
                                    const std::string& b, std::vector<std::string> items,
                                    const std::string& signed_at) {
  return AgreementScript(id, a, b)
      .propose(std::move(items), signed_at)
      .countersign(signed_at)
      .events();
}

const CityIndicators& city(const Indicators& ind, const std::string& code) {
  const auto& cs = ind.collaboration.cities;
  return *std::find_if(cs.begin(), cs.end(), [&](const auto& c) { return c.city == code; });
}

const PairIndicators* pair(const Indicators& ind, std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  for (const auto& p : ind.collaboration.pairs) {
    if (p.city_a == a && p.city_b == b) return &p;
  }
  return nullptr;
}

// ---- collaboration ----

TEST(Collaboration, density_counts_pairs_in_force_over_all_11935_pairs) {
  std::vector<Event> events;
  append(events,
         signed_agreement("a1", kNanjing, kHangzhou, {"PS-0001"}, "2026-01-06T10:00:00+08:00"));
  append(events,
         signed_agreement("a2", kNanjing, kHefei, {"PS-0001"}, "2026-01-06T10:00:00+08:00"));
  append(events,
         signed_agreement("a3", kHangzhou, kGuangzhou, {"PS-0001"}, "2026-01-06T10:00:00+08:00"));
  append(events, AgreementScript("a4", kSuzhou, kWuxi)
                     .propose({"PS-0001"}, "2026-01-06T10:00:00+08:00")
                     .events());
  append(events, AgreementScript("a5", kSuzhou, kHefei)
                     .propose({"PS-0001"}, "2026-01-06T10:00:00+08:00")
                     .countersign("2026-01-07T10:00:00+08:00")
                     .terminate("2026-02-01T10:00:00+08:00")
                     .events());
  const auto ind = indicators(folded(events), Window::all, "2026-03-20T12:00:00+08:00");
  const auto& net = ind.collaboration.network;
  EXPECT_EQ(net.cities, 155);
  EXPECT_EQ(net.pairs, 11935);
  EXPECT_EQ(net.density, (Share{3, 11935}));
  EXPECT_NEAR(*net.density.value(), 3.0 / 11935.0, 1e-15);
  const auto& dir = cities::directory();
  double total = 0;
  for (const auto& p : dir.pairs()) total += p.weight;
  EXPECT_NEAR(total, 1e6, 1);
  const double covered = (dir.flow_weight(kNanjing, kHangzhou) + dir.flow_weight(kNanjing, kHefei) +
                          dir.flow_weight(kHangzhou, kGuangzhou)) /
                         total;
  EXPECT_NEAR(net.flow_covered, covered, 1e-12);
  EXPECT_EQ(ind.collaboration.cities.size(), 155u);
  EXPECT_EQ(ind.collaboration.pairs.size(), 5u);  // every pair with an agreement is listed
  EXPECT_FALSE(pair(ind, kSuzhou, kWuxi)->connected);
  EXPECT_EQ(pair(ind, kSuzhou, kWuxi)->agreement_status, "PROPOSED");
}

TEST(Collaboration, a_fully_connected_network_has_density_one) {
  std::vector<Event> events;
  for (const auto& p : cities::directory().pairs()) {
    append(events, signed_agreement(p.a->code + "-" + p.b->code, p.a->code, p.b->code, {"PS-0001"},
                                    "2026-01-06T10:00:00+08:00"));
  }
  const auto ind = indicators(folded(events), Window::all, "2026-03-20T12:00:00+08:00");
  EXPECT_EQ(ind.collaboration.network.density, (Share{11935, 11935}));
  EXPECT_NEAR(ind.collaboration.network.flow_covered, 1.0, 1e-9);
  for (const auto& c : ind.collaboration.cities) EXPECT_EQ(c.breadth, 154) << c.city;
  EXPECT_EQ(ind.collaboration.network.paper_share, (Share{11935, 11935}));
}

TEST(Collaboration, breadth_counts_only_partners_with_an_agreement_in_force) {
  std::vector<Event> events;
  append(events,
         signed_agreement("hz", kNanjing, kHangzhou, {"PS-0001"}, "2026-01-06T10:00:00+08:00"));
  AgreementScript hefei("hf", kNanjing, kHefei);
  hefei.propose({"PS-0001"}, "2026-01-06T10:00:00+08:00")
      .countersign("2026-01-07T10:00:00+08:00")
      .suspend("2026-02-01T10:00:00+08:00");
  append(events, hefei.events());
  append(events, AgreementScript("sz", kNanjing, kSuzhou, "2025-01-01T00:00:00+08:00",
                                 "2026-03-01T00:00:00+08:00")  // expired
                     .propose({"PS-0001"}, "2025-01-02T10:00:00+08:00")
                     .countersign("2025-01-03T10:00:00+08:00")
                     .events());
  append(events, AgreementScript("fz", kNanjing, kFuzhou, "2026-06-01T00:00:00+08:00",
                                 "2027-06-01T00:00:00+08:00")  // not yet valid
                     .propose({"PS-0001"}, "2026-02-02T10:00:00+08:00")
                     .countersign("2026-02-03T10:00:00+08:00")
                     .events());
  append(events, AgreementScript("wx", kNanjing, kWuxi)
                     .propose({"PS-0001"}, "2026-01-06T10:00:00+08:00")
                     .countersign("2026-01-07T10:00:00+08:00")
                     .terminate("2026-02-01T10:00:00+08:00")
                     .events());
  append(events, AgreementScript("gz", kNanjing, kGuangzhou)
                     .propose({"PS-0001"}, "2026-01-06T10:00:00+08:00")
                     .events());
  const std::string now = "2026-03-20T12:00:00+08:00";
  auto ind = indicators(folded(events), Window::all, now);
  EXPECT_EQ(city(ind, kNanjing).breadth, 1);
  EXPECT_EQ(city(ind, kHangzhou).breadth, 1);
  EXPECT_EQ(city(ind, kHefei).breadth, 0);
  EXPECT_EQ(pair(ind, kNanjing, kHefei)->agreement_status, "SUSPENDED");
  EXPECT_EQ(pair(ind, kNanjing, kSuzhou)->agreement_status, "ACTIVE");
  EXPECT_FALSE(pair(ind, kNanjing, kSuzhou)->connected);

  hefei.resume("2026-03-01T10:00:00+08:00");
  append(events, hefei.events());
  ind = indicators(folded(events), Window::all, now);
  EXPECT_EQ(city(ind, kNanjing).breadth, 2);
  EXPECT_EQ(city(ind, kHefei).breadth, 1);
}

std::vector<Event> collaboration_month() {
  std::vector<Event> events;
  append(events, signed_agreement("nj-hz", kNanjing, kHangzhou, {"PS-0001", "HR-0001", "SI-0001"},
                                  "2026-01-06T10:00:00+08:00"));
  append(events,
         signed_agreement("nj-hf", kNanjing, kHefei, {"PS-0001"}, "2026-01-10T10:00:00+08:00"));
  append(events,
         signed_agreement("hz-hf", kHangzhou, kHefei, {"HR-0001"}, "2026-03-19T10:00:00+08:00"));
  append(events, CaseScript("c1", kNanjing, kHangzhou, "PS-0001")
                     .submit("2026-03-02T09:00:00+08:00")
                     .events());
  append(events, CaseScript("c2", kNanjing, kHangzhou, "HR-0001")
                     .submit("2026-03-18T09:00:00+08:00")
                     .events());
  append(events, CaseScript("c3", kHangzhou, kNanjing, "PS-0001")
                     .submit("2026-03-20T09:00:00+08:00")
                     .events());
  return events;
}

TEST(Collaboration, realised_degree_counts_covered_items_with_a_case_in_the_window) {
  const auto s = folded(collaboration_month());
  const std::string now = "2026-03-20T12:00:00+08:00";
  const auto all = indicators(s, Window::all, now);
  const auto* p = pair(all, kNanjing, kHangzhou);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->connected);
  EXPECT_EQ(p->degree, 3);
  EXPECT_EQ(p->realised_degree, 2);
  EXPECT_EQ(p->cases, 3);
  EXPECT_EQ(p->cases_received_in_a, 2);  // city_a is Nanjing
  EXPECT_EQ(p->cases_received_in_b, 1);
  EXPECT_EQ(p->unused_items, (std::vector<std::string>{"SI-0001"}));
  EXPECT_FALSE(p->paper);

  const auto week = indicators(s, Window::week, now);
  EXPECT_EQ(pair(week, kNanjing, kHangzhou)->realised_degree, 2);
  EXPECT_EQ(pair(week, kNanjing, kHangzhou)->cases, 2);

  const auto day = indicators(s, Window::day, now);
  const auto* today = pair(day, kNanjing, kHangzhou);
  EXPECT_EQ(today->realised_degree, 1);
  EXPECT_EQ(today->unused_items, (std::vector<std::string>{"HR-0001", "SI-0001"}));
  EXPECT_EQ(day.collaboration.network.cases, 1);
  EXPECT_EQ(city(day, kHangzhou).cases_as_receiving, 1);
  EXPECT_EQ(city(day, kNanjing).cases_as_accepting, 1);
}

TEST(Collaboration, formalism_flags_settled_agreements_without_cases) {
  const auto s = folded(collaboration_month());
  const std::string now = "2026-03-20T12:00:00+08:00";
  const auto all = indicators(s, Window::all, now);
  const auto* nj_hf = pair(all, kNanjing, kHefei);
  EXPECT_TRUE(nj_hf->settled);
  EXPECT_TRUE(nj_hf->paper);
  EXPECT_EQ(nj_hf->unused_items, (std::vector<std::string>{"PS-0001"}));
  // Signed yesterday: too young to be called a paper agreement over 30 days or all time.
  const auto* hz_hf = pair(all, kHangzhou, kHefei);
  EXPECT_TRUE(hz_hf->connected);
  EXPECT_FALSE(hz_hf->settled);
  EXPECT_FALSE(hz_hf->paper);
  EXPECT_TRUE(hz_hf->unused_items.empty());
  EXPECT_FALSE(pair(indicators(s, Window::week, now), kHangzhou, kHefei)->paper);
  // ... but it was in force all of today, and today it was not used.
  EXPECT_TRUE(pair(indicators(s, Window::day, now), kHangzhou, kHefei)->paper);

  const auto& nanjing = city(all, kNanjing);
  EXPECT_EQ(nanjing.breadth, 2);
  EXPECT_EQ(nanjing.realised_breadth, 1);
  EXPECT_EQ(nanjing.degree, 4);
  EXPECT_EQ(nanjing.realised_degree, 2);
  EXPECT_EQ(nanjing.paper_agreements, 1);
  EXPECT_EQ(nanjing.unused_items, 2);
  EXPECT_EQ(city(all, kHefei).paper_agreements, 1);

  const auto& net = all.collaboration.network;
  EXPECT_EQ(net.density, (Share{3, 11935}));
  EXPECT_EQ(net.realised_density, (Share{1, 11935}));
  EXPECT_EQ(net.paper_share, (Share{1, 2}));
  EXPECT_EQ(net.realisation, (Share{2, 5}));
}

TEST(Collaboration, case_volume_is_set_against_migrant_flow) {
  auto pairs = std::vector<cities::CityPair>(cities::directory().pairs().begin(),
                                             cities::directory().pairs().end());
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& x, const auto& y) { return x.weight > y.weight; });
  std::vector<Event> events;
  // Cases on the three heaviest flows, more where the flow is heavier.
  int n = 0;
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 3 - k; ++i) {
      append(events,
             CaseScript("c" + std::to_string(n++), pairs[k].a->code, pairs[k].b->code, "PS-0001")
                 .submit("2026-03-02T09:00:00+08:00")
                 .events());
    }
  }
  const auto ind = indicators(folded(events), Window::all, "2026-03-20T12:00:00+08:00");
  const auto* top = pair(ind, pairs[0].a->code, pairs[0].b->code);
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->cases, 3);
  EXPECT_DOUBLE_EQ(top->flow_weight, pairs[0].weight);
  double total = 0;
  for (const auto& p : pairs) total += p.weight;
  EXPECT_NEAR(*top->expected_cases, 6 * pairs[0].weight / total, 1e-12);
  EXPECT_NEAR(*top->flow_ratio, 3 / (6 * pairs[0].weight / total), 1e-9);
  ASSERT_TRUE(ind.collaboration.network.flow_rank_correlation.has_value());
  EXPECT_GT(*ind.collaboration.network.flow_rank_correlation, 0);
  EXPECT_FALSE(ind.collaboration.network.flow_rank_correlation_connected.has_value());

  const auto empty = indicators(State{}, Window::all, "2026-03-20T12:00:00+08:00");
  EXPECT_FALSE(empty.collaboration.network.flow_rank_correlation.has_value());
  EXPECT_TRUE(empty.collaboration.pairs.empty());
}

// ---- on-time rates across the Labour Day holiday (1-5 May 2026) ----

CaseScript forwarded_on_29_april(const std::string& id) {
  CaseScript c(id, kNanjing, kHangzhou, "PS-0001");
  c.limits(3, 20)
      .submit("2026-04-29T08:00:00+08:00")
      .step("RECEIVED", "receive", "2026-04-29T09:00:00+08:00", kNanjing, "南京市公安局")
      .step("FORWARDED", "forward", "2026-04-29T10:00:00+08:00", kNanjing, "南京市公安局");
  return c;
}

TEST(Capability, the_on_time_rate_counts_working_days_and_skips_the_holiday) {
  std::vector<Event> events;
  // Three working days after Wednesday 29 April: Thursday 30 April, then (1-5 May off)
  // Wednesday 6 and Thursday 7 May: due Friday 8 May 00:00. Counting weekends only it would
  // have been due Tuesday 5 May, and the first case late.
  append(events,
         forwarded_on_29_april("h1")
             .step("ACCEPTED", "accept", "2026-05-07T15:00:00+08:00", kHangzhou, "杭州市公安局")
             .events());
  append(events,
         forwarded_on_29_april("h2")
             .step("ACCEPTED", "accept", "2026-05-08T09:00:00+08:00", kHangzhou, "杭州市公安局")
             .events());
  append(events, forwarded_on_29_april("h3").events());  // still waiting on 8 May
  const auto ind = indicators(folded(events), Window::all, "2026-05-08T12:00:00+08:00");
  const auto& accept = ind.capability.stages.at(Stage::accept);
  EXPECT_EQ(accept.ended, 2);
  EXPECT_EQ(accept.on_time, 1);
  EXPECT_EQ(accept.late, 1);
  EXPECT_EQ(accept.open_overdue, 1);
  EXPECT_EQ(accept.on_time_rate, (Share{1, 3}));
  EXPECT_DOUBLE_EQ(*accept.hours.value(), (197.0 + 215.0) / 2);
  const auto& at_hangzhou = ind.capability.stages_by_city.at({Stage::accept, kHangzhou});
  EXPECT_EQ(at_hangzhou.on_time_rate, (Share{1, 3}));
  const auto& forward = ind.capability.stages_by_city.at({Stage::forward, kNanjing});
  EXPECT_EQ(forward.on_time_rate, (Share{3, 3}));
  EXPECT_DOUBLE_EQ(*forward.hours.value(), 1.0);
  EXPECT_EQ(ind.capability.stages.at(Stage::decide).ended, 0);
  EXPECT_FALSE(ind.capability.stages.at(Stage::decide).on_time_rate.value().has_value());

  // The week window keeps the runs that ended from 2 May on, and the open one due 8 May.
  const auto week = indicators(folded(events), Window::week, "2026-05-08T12:00:00+08:00");
  EXPECT_EQ(week.capability.stages.at(Stage::accept).on_time_rate, (Share{1, 3}));
  EXPECT_EQ(week.capability.stages.at(Stage::forward).ended, 0);
}

TEST(Capability, a_forward_run_waits_for_a_missing_version_and_restarts_after_a_supplement) {
  const auto events =
      CaseScript("s1", kNanjing, kHangzhou, "PS-0001")
          .submit("2026-03-02T09:00:00+08:00")
          .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", kNanjing)
          .step("SUPPLEMENT_REQUESTED", "request_supplement", "2026-03-02T11:00:00+08:00", kNanjing)
          .step("RECEIVED", "supplement", "2026-03-05T10:00:00+08:00")
          .step("PRE_EXAMINED", "pre_examine", "2026-03-05T11:00:00+08:00", kNanjing)
          .step("FORWARDED", "forward", "2026-03-05T12:00:00+08:00", kNanjing)
          .events();
  const std::string now = "2026-03-06T12:00:00+08:00";
  State s;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u}) ASSERT_TRUE(apply(s, events[i]).has_value());
  EXPECT_EQ(indicators(s, Window::all, now).capability.stages.at(Stage::forward).ended, 0);
  ASSERT_TRUE(apply(s, events[4]).has_value());
  const auto& forward = indicators(s, Window::all, now).capability.stages.at(Stage::forward);
  EXPECT_EQ(forward.ended, 1);
  EXPECT_EQ(forward.on_time, 1);
  EXPECT_DOUBLE_EQ(*forward.hours.value(), 2.0);  // from the second reception
}

// ---- supervision ----

TEST(Supervision, yellow_and_red_warnings_by_city_and_department) {
  std::vector<Event> events;
  events.push_back(implementation_published("PS-0001", kHangzhou, 1, "杭州市公安局"));
  // Received Monday 10:00 with one working day: yellow from Tuesday 19:12, red Wednesday.
  append(events,
         CaseScript("w1", kNanjing, kHangzhou, "PS-0001")
             .submit("2026-03-16T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-16T10:00:00+08:00", kNanjing, "南京市公安局")
             .events());
  append(events,
         CaseScript("w2", kNanjing, kHangzhou, "HR-0001")
             .submit("2026-03-13T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-13T10:00:00+08:00", kNanjing, "南京市人社局")
             .events());
  append(events,
         CaseScript("w3", kNanjing, kHangzhou, "PS-0001")
             .limits(5, 20)
             .submit("2026-03-16T08:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-16T08:30:00+08:00", kNanjing, "南京市公安局")
             .step("FORWARDED", "forward", "2026-03-16T09:00:00+08:00", kNanjing, "南京市公安局")
             .events());
  append(events,
         CaseScript("w4", kNanjing, kHangzhou, "PS-0001")
             .limits(2, 20)
             .submit("2026-03-11T08:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-11T08:30:00+08:00", kNanjing, "南京市公安局")
             .step("FORWARDED", "forward", "2026-03-11T09:00:00+08:00", kNanjing, "南京市公安局")
             .overdue("accept", "2026-03-14T00:00:00+08:00")
             .events());
  append(events, CaseScript("w5", kNanjing, kHangzhou, "PS-0001")
                     .submit("2026-03-11T08:00:00+08:00")
                     .step("WITHDRAWN", "withdraw", "2026-03-11T09:00:00+08:00")
                     .events());
  const auto ind = indicators(folded(events), Window::week, "2026-03-17T20:00:00+08:00");
  const auto& sup = ind.supervision;
  EXPECT_EQ(sup.total.yellow, 1);
  EXPECT_EQ(sup.total.red, 2);
  EXPECT_EQ(sup.by_city.at(kNanjing).yellow, 1);
  EXPECT_EQ(sup.by_city.at(kNanjing).red, 1);
  EXPECT_EQ(sup.by_city.at(kHangzhou).red, 1);
  EXPECT_EQ(sup.by_department.at({kNanjing, "南京市公安局"}).yellow, 1);
  EXPECT_EQ(sup.by_department.at({kNanjing, "南京市人社局"}).red, 1);
  // Nobody at Hangzhou has touched w4 yet: its department comes from the catalog.
  EXPECT_EQ(sup.by_department.at({kHangzhou, "杭州市公安局"}).red, 1);
  ASSERT_EQ(sup.cases.size(), 3u);
  EXPECT_EQ(sup.cases[0].case_id, "w4");
  EXPECT_EQ(sup.cases[0].stage, Stage::accept);
  EXPECT_EQ(sup.cases[0].due, at("2026-03-14T00:00:00+08:00"));
  EXPECT_EQ(sup.cases[1].case_id, "w2");
  EXPECT_EQ(sup.cases[2].case_id, "w1");
  EXPECT_EQ(sup.cases[2].warning, delegation::Warning::yellow);
  EXPECT_NEAR(sup.cases[2].time_used, 20.0 / 24.0, 1e-9);
  EXPECT_EQ(sup.overdue_recorded.at(kHangzhou), 1);
  // Open and overdue in the accept stage: counted against the on-time rate too.
  EXPECT_EQ(ind.capability.stages.at(Stage::accept).open_overdue, 1);
}

// ---- the rest of service capability ----

TEST(Capability, satisfaction_counts_good_and_poor_and_the_poor_reasons) {
  std::vector<Event> events;
  auto completed = [&](const std::string& id, const std::string& receiving,
                       const std::string& accepting, const std::string& grade,
                       const std::string& reason, const std::string& when) {
    append(events, CaseScript(id, receiving, accepting, "PS-0001")
                       .submit("2026-02-02T09:00:00+08:00")
                       .step("COMPLETED", "complete", when)
                       .rate(grade, reason, when)
                       .events());
  };
  completed("r1", kNanjing, kHangzhou, "good", "", "2026-03-18T10:00:00+08:00");
  completed("r2", kNanjing, kHangzhou, "poor", "too_slow", "2026-03-18T11:00:00+08:00");
  completed("r3", kHefei, kHangzhou, "poor", "too_slow", "2026-03-19T11:00:00+08:00");
  completed("r4", kHefei, kNanjing, "poor", "repeated_visits", "2026-02-03T11:00:00+08:00");
  append(
      events,
      CaseScript("r5", kHefei, kNanjing, "PS-0001").submit("2026-03-18T09:00:00+08:00").events());
  const auto s = folded(events);
  const auto week =
      indicators(s, Window::week, "2026-03-20T12:00:00+08:00").capability.satisfaction;
  EXPECT_EQ(week.good, 1);
  EXPECT_EQ(week.poor, 2);
  EXPECT_EQ(week.good_share, (Share{1, 3}));
  EXPECT_EQ(week.poor_reasons, (std::map<std::string, std::int64_t>{{"too_slow", 2}}));
  const auto all = indicators(s, Window::all, "2026-03-20T12:00:00+08:00").capability;
  EXPECT_EQ(all.satisfaction.poor_share, (Share{3, 4}));
  EXPECT_EQ(all.satisfaction.poor_reasons.at("repeated_visits"), 1);
  EXPECT_EQ(all.satisfaction_by_city.at(kHangzhou).good_share, (Share{1, 3}));
  EXPECT_EQ(all.satisfaction_by_city.at(kNanjing).good_share, (Share{1, 3}));
  EXPECT_EQ(all.satisfaction_by_city.at(kHefei).good_share, (Share{0, 2}));
}

TEST(Capability, refusal_reasons_and_handling_times) {
  std::vector<Event> events;
  auto refused = [&](const std::string& id, const std::string& state, const std::string& action,
                     const std::string& reason) {
    CaseScript c(id, kNanjing, kHangzhou, "PS-0001");
    c.submit("2026-03-16T09:00:00+08:00");
    if (state == "DENIED") c.step("ACCEPTED", "accept", "2026-03-16T10:00:00+08:00");
    c.step(state, action, "2026-03-17T10:00:00+08:00", kHangzhou, "杭州市公安局", reason);
    append(events, c.events());
  };
  refused("x1", "REJECTED", "reject", "材料不全");
  refused("x2", "REJECTED", "reject", "  材料不全\n");
  refused("x3", "DENIED", "deny", "不符合条件");
  append(events, CaseScript("x4", kNanjing, kHangzhou, "PS-0001")
                     .submit("2026-03-16T09:00:00+08:00")
                     .step("COMPLETED", "complete", "2026-03-18T09:00:00+08:00")
                     .events());
  append(events, CaseScript("x5", kHangzhou, kNanjing, "PS-0001")
                     .submit("2026-03-17T09:00:00+08:00")
                     .step("COMPLETED", "complete", "2026-03-17T21:00:00+08:00")
                     .events());
  const auto cap = indicators(folded(events), Window::week, "2026-03-20T12:00:00+08:00").capability;
  ASSERT_EQ(cap.refusal_reasons.size(), 2u);
  EXPECT_EQ(cap.refusal_reasons[0].action, "reject");
  EXPECT_EQ(cap.refusal_reasons[0].reason, "材料不全");
  EXPECT_EQ(cap.refusal_reasons[0].count, 2);
  EXPECT_EQ(cap.refusal_reasons[1].reason, "不符合条件");
  EXPECT_EQ(cap.refusals_by_city.at(kHangzhou).rejected, 2);
  EXPECT_EQ(cap.refusals_by_city.at(kHangzhou).denied, 1);
  EXPECT_EQ(cap.handling_hours.count, 2);
  EXPECT_DOUBLE_EQ(*cap.handling_hours.value(), (48.0 + 12.0) / 2);
  EXPECT_DOUBLE_EQ(*cap.handling_hours_by_city.at(kHangzhou).value(), 48.0);
}

TEST(Capability, online_and_visit_shares_of_the_items_with_cases) {
  std::vector<Event> events{item_published("PS-0001", 1, "partial", "once"),
                            item_published("HR-0001", 1, "full", "zero"),
                            item_published("SI-0001", 1, "full", "multiple"),
                            item_published("MI-0001", 1, "none", "zero")};
  int n = 0;
  for (const char* item : {"PS-0001", "PS-0001", "PS-0001", "HR-0001", "SI-0001", "XX-0009"}) {
    append(events, CaseScript("l" + std::to_string(n++), kNanjing, kHangzhou, item)
                       .submit("2026-03-16T09:00:00+08:00")
                       .events());
  }
  const auto levels =
      indicators(folded(events), Window::all, "2026-03-20T12:00:00+08:00").capability.levels;
  EXPECT_EQ(levels.items, 4);
  EXPECT_EQ(levels.unknown, 1);  // XX-0009: not in the catalog
  EXPECT_EQ(levels.online_share, (Share{2, 3}));
  EXPECT_EQ(levels.zero_visit_share, (Share{1, 3}));
  EXPECT_EQ(levels.one_visit_share, (Share{2, 3}));
  EXPECT_EQ(levels.case_online_share, (Share{2, 5}));
  EXPECT_EQ(levels.case_zero_visit_share, (Share{1, 5}));
  EXPECT_EQ(levels.case_one_visit_share, (Share{4, 5}));
  EXPECT_EQ(levels.online.at("none"), 0);
}

TEST(Capability, e_licence_reuse_counts_materials_not_submitted_again) {
  std::vector<Event> events;
  append(events, CaseScript("e1", kNanjing, kHangzhou, "PS-0001")
                     .materials({"photo"}, {"hukou", "id_card"})
                     .submit("2026-03-16T09:00:00+08:00")
                     .events());
  append(events, CaseScript("e2", kNanjing, kHangzhou, "PS-0001")
                     .materials({"photo", "hukou", "form"}, {"hukou"})
                     .submit("2026-03-16T09:00:00+08:00")
                     .events());
  append(events, CaseScript("e3", kHefei, kHangzhou, "PS-0001")
                     .materials({"photo"}, {})
                     .submit("2026-03-16T09:00:00+08:00")
                     .events());
  events.push_back(licence_issued("l1", kHangzhou, "2026-03-17T10:00:00+08:00", "e1"));
  events.push_back(licence_issued("l2", kHangzhou, "2026-03-01T10:00:00+08:00", ""));
  const auto cap = indicators(folded(events), Window::week, "2026-03-20T12:00:00+08:00").capability;
  EXPECT_EQ(cap.reuse.cases, 3);
  EXPECT_EQ(cap.reuse.cases_with_exemption, 2);
  EXPECT_EQ(cap.reuse.exempted, 3);
  EXPECT_EQ(cap.reuse.uploaded, 4);
  EXPECT_EQ(cap.reuse.redundant, 1);
  EXPECT_EQ(cap.reuse.reuse_rate, (Share{3, 7}));
  EXPECT_EQ(cap.reuse_by_city.at(kHefei).reuse_rate, (Share{0, 1}));
  EXPECT_EQ(cap.licences.issued, 1);
  EXPECT_EQ(cap.licences.from_cases, 1);
}

TEST(Capability, data_calls_by_resource_consumer_and_decision) {
  const std::vector<Event> events{
      data_called(1, "hukou", kHangzhou, "杭州市公安局", "allowed", "2026-03-19T09:00:00+08:00"),
      data_called(2, "hukou", kHangzhou, "杭州市公安局", "allowed", "2026-03-19T10:00:00+08:00"),
      data_called(3, "marriage", kHangzhou, "杭州市民政局", "denied", "2026-03-20T09:00:00+08:00"),
      data_called(4, "hukou", kHefei, "合肥市公安局", "allowed", "2026-03-01T09:00:00+08:00")};
  const auto s = folded(events);
  const auto week = indicators(s, Window::week, "2026-03-20T12:00:00+08:00").capability.calls;
  EXPECT_EQ(week.total.allowed, 2);
  EXPECT_EQ(week.total.denied, 1);
  EXPECT_EQ(week.by_resource.at("hukou").allowed, 2);
  EXPECT_EQ(week.by_resource.at("marriage").denied, 1);
  EXPECT_EQ(week.by_consumer.at({kHangzhou, "杭州市公安局"}).allowed, 2);
  EXPECT_EQ(week.by_consumer_city.at(kHangzhou).denied, 1);
  EXPECT_EQ(week.by_owner_city.at(kNanjing).allowed, 2);
  EXPECT_FALSE(week.by_consumer_city.contains(kHefei));
  const auto day = indicators(s, Window::day, "2026-03-20T12:00:00+08:00").capability.calls;
  EXPECT_EQ(day.total.allowed, 0);
  EXPECT_EQ(day.total.denied, 1);
  EXPECT_EQ(indicators(s, Window::all, "2026-03-20T12:00:00+08:00").capability.calls.total.allowed,
            3);
}

TEST(Funnel, cases_submitted_in_the_window_by_furthest_and_current_state) {
  std::vector<Event> events;
  append(events, CaseScript("f1", kNanjing, kHangzhou, "PS-0001")
                     .submit("2026-03-16T09:00:00+08:00")
                     .step("RECEIVED", "receive", "2026-03-16T10:00:00+08:00")
                     .step("FORWARDED", "forward", "2026-03-16T11:00:00+08:00")
                     .events());
  append(events, CaseScript("f2", kNanjing, kHangzhou, "PS-0001")
                     .submit("2026-03-16T09:00:00+08:00")
                     .step("WITHDRAWN", "withdraw", "2026-03-16T10:00:00+08:00")
                     .events());
  const auto f = indicators(folded(events), Window::week, "2026-03-20T12:00:00+08:00").funnel;
  EXPECT_EQ(f.submitted, 2);
  EXPECT_EQ(f.reached.at(delegation::CaseState::submitted), 2);
  EXPECT_EQ(f.reached.at(delegation::CaseState::received), 1);
  EXPECT_EQ(f.reached.at(delegation::CaseState::forwarded), 1);
  EXPECT_EQ(f.current.at(delegation::CaseState::withdrawn), 1);
}

TEST(Json, shares_keep_their_counts_and_no_data_is_null) {
  const auto doc = to_json(indicators(State{}, Window::month, "2026-03-20T12:00:00+08:00"));
  EXPECT_EQ(doc.at("window").as_string(), "month");
  EXPECT_EQ(doc.at("first_day").as_string(), "2026-02-19");
  const auto& density = doc.at("collaboration").at("network").at("density").as_object();
  EXPECT_EQ(density.at("count").as_int64(), 0);
  EXPECT_EQ(density.at("of").as_int64(), 11935);
  EXPECT_EQ(density.at("share").as_double(), 0.0);
  const auto& rate = doc.at("capability").at("stages").at("accept").at("on_time_rate").as_object();
  EXPECT_TRUE(rate.at("share").is_null());
  EXPECT_EQ(doc.at("collaboration").at("cities").as_array().size(), 155u);
}

}  // namespace
}  // namespace tongban::portal

// The fold: idempotent, order-tolerant, and the same whether built live, rebuilt from the
// topics or resumed from stored records.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/indicators.hpp"
#include "domain/state.hpp"
#include "domain/state_json.hpp"
#include "test/events.hpp"

namespace tongban::portal {
namespace {

using namespace test_events;

constexpr const char* kNanjing = "320100";
constexpr const char* kHangzhou = "330100";
constexpr const char* kSuzhou = "320500";
constexpr const char* kHefei = "340100";
constexpr const char* kWuxi = "320200";

// A month of the platform: four agreements through their changes, five items, six cases
// through supplement, pre-examination, refusal, withdrawal, overdue and rating, data calls
// and e-licences.
std::vector<Event> scenario() {
  std::vector<Event> all;
  append(all,
         AgreementScript("agr-nj-hz", kNanjing, kHangzhou)
             .propose({"PS-0001", "HR-0001", "SI-0001"}, "2026-01-05T10:00:00+08:00")
             .countersign("2026-01-06T10:00:00+08:00")
             .propose({"PS-0001", "HR-0001", "SI-0001", "MI-0001"}, "2026-02-01T10:00:00+08:00")
             .countersign("2026-02-02T10:00:00+08:00")
             .events());
  append(all, AgreementScript("agr-nj-hf", kNanjing, kHefei)
                  .propose({"PS-0001"}, "2026-01-08T10:00:00+08:00")
                  .countersign("2026-01-10T10:00:00+08:00")
                  .suspend("2026-02-15T10:00:00+08:00")
                  .resume("2026-02-20T10:00:00+08:00")
                  .events());
  append(all, AgreementScript("agr-sz-hz", kSuzhou, kHangzhou)
                  .propose({"PS-0001"}, "2026-03-01T10:00:00+08:00")
                  .events());
  append(all, AgreementScript("agr-wx-hf", kWuxi, kHefei)
                  .propose({"HR-0001"}, "2026-01-08T10:00:00+08:00")
                  .countersign("2026-01-09T10:00:00+08:00")
                  .terminate("2026-03-01T10:00:00+08:00")
                  .events());
  all.push_back(item_published("PS-0001", 1, "partial", "once"));
  all.push_back(item_published("HR-0001", 1, "full", "zero"));
  all.push_back(item_published("SI-0001", 1, "partial", "once"));
  all.push_back(item_published("SI-0001", 2, "full", "zero"));
  all.push_back(item_published("MI-0001", 1, "none", "multiple"));
  all.push_back(implementation_published("PS-0001", kHangzhou, 1, "杭州市公安局"));
  all.push_back(implementation_published("PS-0001", kHangzhou, 2, "杭州市公安局户政科"));

  append(
      all,
      CaseScript("c1", kNanjing, kHangzhou, "PS-0001")
          .materials({"photo", "old_card"}, {"household_register"})
          .submit("2026-03-02T09:00:00+08:00")
          .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", kNanjing, "南京市政务服务中心")
          .step("SUPPLEMENT_REQUESTED", "request_supplement", "2026-03-02T11:00:00+08:00", kNanjing,
                "南京市政务服务中心", "照片不清晰")
          .step("RECEIVED", "supplement", "2026-03-03T09:00:00+08:00")
          .step("PRE_EXAMINED", "pre_examine", "2026-03-03T10:00:00+08:00", kNanjing,
                "南京市政务服务中心")
          .step("FORWARDED", "forward", "2026-03-03T15:00:00+08:00", kNanjing, "南京市政务服务中心")
          .step("ACCEPTED", "accept", "2026-03-05T10:00:00+08:00", kHangzhou, "杭州市公安局")
          .step("APPROVED", "approve", "2026-03-10T10:00:00+08:00", kHangzhou, "杭州市公安局")
          .step("RESULT_DISPATCHED", "dispatch_result", "2026-03-11T10:00:00+08:00", kHangzhou,
                "杭州市公安局")
          .step("COMPLETED", "complete", "2026-03-12T10:00:00+08:00")
          .rate("good", "", "2026-03-12T12:00:00+08:00")
          .events());
  append(all,
         CaseScript("c2", kNanjing, kHangzhou, "HR-0001")
             .materials({"form"}, {})
             .submit("2026-03-16T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-16T09:30:00+08:00", kNanjing, "南京市人社局")
             .step("FORWARDED", "forward", "2026-03-16T16:00:00+08:00", kNanjing, "南京市人社局")
             .step("REJECTED", "reject", "2026-03-17T10:00:00+08:00", kHangzhou, "杭州市人社局",
                   "  材料不全 ")
             .events());
  append(all,
         CaseScript("c3", kHangzhou, kNanjing, "SI-0001")
             .limits(2, 10)
             .submit("2026-03-02T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-02T09:10:00+08:00", kHangzhou, "杭州市医保局")
             .step("FORWARDED", "forward", "2026-03-02T17:00:00+08:00", kHangzhou, "杭州市医保局")
             .overdue("accept", "2026-03-05T00:00:00+08:00")
             .step("ACCEPTED", "accept", "2026-03-05T10:00:00+08:00", kNanjing, "南京市医保局")
             .step("DENIED", "deny", "2026-03-06T10:00:00+08:00", kNanjing, "南京市医保局",
                   "不符合条件")
             .events());
  append(all, CaseScript("c4", kNanjing, kHefei, "PS-0001")
                  .submit("2026-03-18T09:00:00+08:00")
                  .step("WITHDRAWN", "withdraw", "2026-03-18T10:00:00+08:00")
                  .events());
  append(all,
         CaseScript("c5", kNanjing, kHangzhou, "PS-0001")
             .materials({"photo", "household_register"}, {"household_register"})
             .submit("2026-03-19T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-19T10:00:00+08:00", kNanjing, "南京市公安局")
             .events());
  append(all,
         CaseScript("c6", kHangzhou, kNanjing, "PS-0001")
             .submit("2026-03-09T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-09T10:00:00+08:00", kHangzhou, "杭州市公安局")
             .step("FORWARDED", "forward", "2026-03-09T15:00:00+08:00", kHangzhou, "杭州市公安局")
             .step("ACCEPTED", "accept", "2026-03-10T10:00:00+08:00", kNanjing, "南京市公安局")
             .step("APPROVED", "approve", "2026-03-13T10:00:00+08:00", kNanjing, "南京市公安局")
             .step("RESULT_DISPATCHED", "dispatch_result", "2026-03-13T11:00:00+08:00", kNanjing,
                   "南京市公安局")
             .step("COMPLETED", "complete", "2026-03-14T10:00:00+08:00")
             .rate("poor", "too_slow", "2026-03-14T11:00:00+08:00")
             .events());
  append(all,
         CaseScript("c7", kNanjing, kHangzhou, "SI-0001")
             .submit("2026-03-18T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-18T10:00:00+08:00", kNanjing, "南京市医保局")
             .overdue("forward", "2026-03-20T00:00:00+08:00")
             .events());
  all.push_back(
      data_called(1, "hukou", kHangzhou, "杭州市公安局", "allowed", "2026-03-05T09:00:00+08:00"));
  all.push_back(
      data_called(2, "hukou", kHangzhou, "杭州市公安局", "allowed", "2026-03-19T09:00:00+08:00"));
  all.push_back(
      data_called(3, "marriage", kHangzhou, "杭州市民政局", "denied", "2026-03-19T10:00:00+08:00"));
  all.push_back(
      data_called(5, "hukou", kNanjing, "南京市公安局", "allowed", "2026-03-20T10:00:00+08:00"));
  all.push_back(licence_issued("lic-1", kHangzhou, "2026-03-10T10:00:01+08:00", "c1"));
  all.push_back(licence_issued("lic-2", kNanjing, "2026-03-20T08:00:00+08:00", ""));
  all.push_back(Event{"id-1",
                      "tongban.identity.subject_registered.v1",
                      at("2026-03-01T00:00:00Z"),
                      {{"id", "citizen-1"}}});
  return all;
}

// c5 is yellow at the receiving place by now (20 of its 24 working hours used), c7 red.
const Clock::time_point kNow = at("2026-03-20T20:00:00+08:00");

State fold_all(const std::vector<Event>& events, const FoldOptions& options = {}) {
  auto s = fold(State{}, events, options);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().field + ": " + s.error().message);
  return s ? *s : State{};
}

const FoldOptions kSealing{&cn2026()};

// The indicators of every window at instants before, during and after the scenario.
std::string indicators_text(const State& s) {
  std::string out;
  for (const auto* now :
       {"2026-01-01T00:00:00+08:00", "2026-03-03T12:00:00+08:00", "2026-03-12T23:59:59+08:00",
        "2026-03-13T00:00:00+08:00", "2026-03-20T20:00:00+08:00", "2026-04-15T12:00:00+08:00"}) {
    for (auto w : all_windows()) {
      out += boost::json::serialize(to_json(compute(s, w, at(now), cities::directory(), cn2026())));
      out += "\n";
    }
  }
  return out;
}

// The state's JSON and the indicators of every window, as one text to compare.
std::string fingerprint(const State& s) {
  std::string out = boost::json::serialize(to_json(s));
  for (auto w : all_windows()) {
    out += "\n";
    out += boost::json::serialize(to_json(compute(s, w, kNow, cities::directory(), cn2026())));
  }
  return out;
}

TEST(Fold, every_delivery_order_and_duplication_gives_the_same_numbers) {
  const auto events = scenario();
  const auto baseline = fingerprint(fold_all(events));

  auto reversed = events;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(fingerprint(fold_all(reversed)), baseline) << "reversed";

  for (unsigned seed : {1u, 2u, 3u, 7u, 42u, 1234u, 99991u}) {
    auto shuffled = events;
    std::mt19937 rng(seed);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(fingerprint(fold_all(shuffled)), baseline) << "shuffled with seed " << seed;
  }

  auto twice_in_a_row = std::vector<Event>{};
  for (const auto& e : events) {
    twice_in_a_row.push_back(e);
    twice_in_a_row.push_back(e);
  }
  EXPECT_EQ(fingerprint(fold_all(twice_in_a_row)), baseline) << "each event twice in a row";

  auto replayed = events;
  append(replayed, events);
  EXPECT_EQ(fingerprint(fold_all(replayed)), baseline) << "the whole log delivered again";

  for (unsigned seed : {5u, 11u, 2026u}) {
    auto doubled = replayed;
    std::mt19937 rng(seed);
    std::shuffle(doubled.begin(), doubled.end(), rng);
    EXPECT_EQ(fingerprint(fold_all(doubled)), baseline) << "doubled and shuffled, seed " << seed;
  }
}

// Sealing: the same orders and duplications, each folded with finished cases sealed. The
// state is the same whatever the order (a case seals once it is whole, into the same counts),
// and its indicators are those of the fold that keeps every case.
TEST(Fold, sealing_gives_the_same_numbers_in_every_delivery_order) {
  const auto events = scenario();
  const auto whole = indicators_text(fold_all(events));
  const auto baseline = fingerprint(fold_all(events, kSealing));
  EXPECT_EQ(indicators_text(fold_all(events, kSealing)), whole);

  auto reversed = events;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(fingerprint(fold_all(reversed, kSealing)), baseline) << "reversed";

  auto replayed = events;
  append(replayed, events);
  EXPECT_EQ(fingerprint(fold_all(replayed, kSealing)), baseline) << "the whole log again";
  for (unsigned seed : {1u, 2u, 3u, 7u, 42u, 1234u, 99991u}) {
    auto doubled = replayed;
    std::mt19937 rng(seed);
    std::shuffle(doubled.begin(), doubled.end(), rng);
    const auto s = fold_all(doubled, kSealing);
    EXPECT_EQ(fingerprint(s), baseline) << "doubled and shuffled, seed " << seed;
    EXPECT_EQ(indicators_text(s), whole) << "doubled and shuffled, seed " << seed;
  }
}

TEST(Fold, a_finished_case_leaves_the_case_map_for_counts_and_a_mark) {
  const auto s = fold_all(scenario(), kSealing);
  // c1 and c6 completed, c2 rejected, c3 denied, c4 withdrawn; c5 and c7 are open.
  EXPECT_EQ(s.cases.size(), 2u);
  EXPECT_TRUE(s.cases.contains("c5"));
  EXPECT_TRUE(s.cases.contains("c7"));
  EXPECT_EQ(s.sealed_cases.size(), 5u);
  const auto& c1 = s.sealed_cases.at(id_hash("c1"));
  EXPECT_EQ(c1.version, 11);
  EXPECT_TRUE(c1.rated);
  EXPECT_FALSE(s.sealed_cases.at(id_hash("c2")).rated);
  // c1 and c5 were submitted on other days; c1 went Nanjing -> Hangzhou.
  std::int64_t submitted = 0;
  for (const auto& [k, n] : s.sealed.submitted) submitted += n.cases;
  EXPECT_EQ(submitted, 5);
  EXPECT_EQ(s.sealed.ratings.size(), 2u);
  EXPECT_EQ(s.sealed.refusals.size(), 2u);
  EXPECT_EQ(s.sealed.completions.size(), 2u);
}

TEST(Fold, sealing_writes_the_counts_and_the_mark_and_deletes_the_case_record) {
  const auto events = CaseScript("w1", kNanjing, kHangzhou, "PS-0001")
                          .submit("2026-03-02T09:00:00+08:00")
                          .step("WITHDRAWN", "withdraw", "2026-03-02T10:00:00+08:00")
                          .events();
  State s;
  auto first = apply(s, events[0], kSealing);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->touched, (std::vector<RecordKey>{{RecordKind::case_record, "w1"}}));
  auto last = apply(s, events[1], kSealing);
  ASSERT_TRUE(last.has_value());
  ASSERT_TRUE(last->changed);
  const std::set<RecordKey> touched(last->touched.begin(), last->touched.end());
  EXPECT_TRUE(touched.contains({RecordKind::case_record, "w1"}));
  EXPECT_TRUE(touched.contains({RecordKind::sealed_case, to_hex(id_hash("w1"))}));
  const SubmittedKey k{local_day(at("2026-03-02T09:00:00+08:00")),
                       kNanjing,
                       kHangzhou,
                       "PS-0001",
                       delegation::CaseState::withdrawn,
                       (1u << static_cast<int>(delegation::CaseState::submitted)) |
                           (1u << static_cast<int>(delegation::CaseState::withdrawn))};
  EXPECT_TRUE(touched.contains({RecordKind::sealed_count, sealed_count_text(k)}));
  EXPECT_EQ(s.sealed.submitted.at(k).cases, 1);
  // The case record is gone: the service writes it as a deletion.
  EXPECT_FALSE(record_json(s, {RecordKind::case_record, "w1"}).has_value());
  EXPECT_TRUE(s.cases.empty());
}

TEST(Fold, an_event_of_a_sealed_case_delivered_again_changes_nothing) {
  const auto events =
      CaseScript("c1", kNanjing, kHangzhou, "PS-0001")
          .submit("2026-03-02T09:00:00+08:00")
          .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", kNanjing)
          .step("FORWARDED", "forward", "2026-03-02T15:00:00+08:00", kNanjing)
          .step("REJECTED", "reject", "2026-03-03T10:00:00+08:00", kHangzhou, "", "材料不全")
          .events();
  State s = fold_all(events, kSealing);
  ASSERT_TRUE(s.cases.empty());
  const State sealed = s;
  for (const auto& e : events) {
    auto again = apply(s, e, kSealing);
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(again->changed) << e.id;
    EXPECT_TRUE(again->touched.empty()) << e.id;
  }
  EXPECT_EQ(s, sealed);
  // Without the mark, the SUBMITTED event would open the case again and count it twice.
  EXPECT_EQ(compute(s, Window::all, kNow, cities::directory(), cn2026()).funnel.submitted, 1);
}

TEST(Fold, a_rating_after_the_case_was_sealed_is_counted_once) {
  auto script = CaseScript("r1", kNanjing, kHangzhou, "PS-0001");
  script.submit("2026-03-02T09:00:00+08:00")
      .step("COMPLETED", "complete", "2026-03-03T09:00:00+08:00");
  const auto before_rating = script.events();
  const auto events = script.rate("poor", "too_slow", "2026-03-04T09:00:00+08:00").events();
  State s = fold_all(before_rating, kSealing);
  ASSERT_TRUE(s.cases.empty());
  EXPECT_FALSE(s.sealed_cases.at(id_hash("r1")).rated);

  auto rated = apply(s, events.back(), kSealing);
  ASSERT_TRUE(rated.has_value());
  EXPECT_TRUE(rated->changed);
  EXPECT_EQ(s.sealed_cases.at(id_hash("r1")), (SealMark{3, true}));
  auto again = apply(s, events.back(), kSealing);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed);

  const auto sat =
      compute(s, Window::all, kNow, cities::directory(), cn2026()).capability.satisfaction;
  EXPECT_EQ(sat.poor, 1);
  EXPECT_EQ(sat.poor_reasons.at("too_slow"), 1);
  EXPECT_EQ(indicators_text(s), indicators_text(fold_all(events)));
}

TEST(Fold, a_finished_case_with_a_version_missing_stays_open_until_it_arrives) {
  const auto events = CaseScript("g1", kNanjing, kHangzhou, "PS-0001")
                          .submit("2026-03-02T09:00:00+08:00")
                          .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", kNanjing)
                          .step("WITHDRAWN", "withdraw", "2026-03-02T11:00:00+08:00")
                          .events();
  State s;
  ASSERT_TRUE(apply(s, events[0], kSealing).has_value());
  ASSERT_TRUE(apply(s, events[2], kSealing).has_value());
  EXPECT_TRUE(s.cases.contains("g1")) << "version 2 is still on its way";
  EXPECT_FALSE(sealable(s.cases.at("g1")));
  ASSERT_TRUE(apply(s, events[1], kSealing).has_value());
  EXPECT_TRUE(s.cases.empty());
  EXPECT_EQ(s.sealed_cases.at(id_hash("g1")).version, 3);
}

TEST(Fold, a_state_folded_without_sealing_seals_to_the_same_state) {
  const auto events = scenario();
  auto whole = fold_all(events);
  const auto numbers = indicators_text(whole);
  const auto touched = seal_finished(whole, cn2026());
  EXPECT_EQ(whole, fold_all(events, kSealing));
  EXPECT_EQ(indicators_text(whole), numbers);
  const std::set<RecordKey> keys(touched.begin(), touched.end());
  for (const auto* id : {"c1", "c2", "c3", "c4", "c6"}) {
    EXPECT_TRUE(keys.contains({RecordKind::case_record, id})) << id;
    EXPECT_TRUE(keys.contains({RecordKind::sealed_case, to_hex(id_hash(id))})) << id;
  }
  EXPECT_TRUE(seal_finished(whole, cn2026()).empty()) << "nothing left to seal";
}

TEST(Fold, a_licence_is_counted_once_on_its_issue_day) {
  State s;
  const auto lic = licence_issued("lic-1", kHangzhou, "2026-03-10T23:30:00+08:00", "c1");
  auto first = apply(s, lic);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->changed);
  const LicenceKey k{*parse_day("2026-03-10"), kHangzhou, true};
  EXPECT_EQ(first->touched,
            (std::vector<RecordKey>{{RecordKind::sealed_count, sealed_count_text(k)},
                                    {RecordKind::licence, to_hex(id_hash("lic-1"))}}));
  auto again = apply(s, lic);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed);
  ASSERT_TRUE(apply(s, licence_issued("lic-2", kHangzhou, "2026-03-11T00:30:00+08:00", "")));
  EXPECT_EQ(s.sealed.licences.at(k), 1);
  const auto day =
      compute(s, Window::day, at("2026-03-11T12:00:00+08:00"), cities::directory(), cn2026());
  EXPECT_EQ(day.capability.licences.issued, 1);
  EXPECT_EQ(day.capability.licences.from_cases, 0);
}

TEST(Fold, the_scenario_folds_what_it_should) {
  const auto s = fold_all(scenario());
  EXPECT_EQ(s.agreements.size(), 4u);
  EXPECT_EQ(s.cases.size(), 7u);
  EXPECT_EQ(s.items.size(), 4u);
  EXPECT_EQ(s.implementations.at(implementation_key("PS-0001", kHangzhou)).department,
            "杭州市公安局户政科");
  EXPECT_EQ(s.items.at("SI-0001").visit_level, "zero");
  ASSERT_EQ(s.call_seqs.size(), 1u);
  EXPECT_EQ(s.call_seqs.at("chain-a").size(), 4);
  EXPECT_EQ(s.licences.size(), 2u);
  const auto& nj_hz = s.agreements.at("agr-nj-hz");
  EXPECT_EQ(nj_hz.version, 2);
  EXPECT_EQ(nj_hz.items, (std::vector<std::string>{"HR-0001", "MI-0001", "PS-0001", "SI-0001"}));
  EXPECT_EQ(nj_hz.signed_at, at("2026-01-06T10:00:00+08:00"));
  EXPECT_EQ(s.agreements.at("agr-wx-hf").status, "TERMINATED");
  const auto& c1 = s.cases.at("c1");
  EXPECT_EQ(c1.snapshot.state, delegation::CaseState::completed);
  EXPECT_EQ(c1.timeline.size(), 11u);
  ASSERT_TRUE(c1.snapshot.rating.has_value());
  EXPECT_EQ(c1.snapshot.rating->grade, "good");
  EXPECT_EQ(c1.snapshot.exempted, 1);
  EXPECT_EQ(c1.snapshot.uploaded, 2);
}

TEST(Fold, the_scenario_has_something_in_every_indicator_family) {
  const auto ind = compute(fold_all(scenario()), Window::all, kNow, cities::directory(), cn2026());
  EXPECT_EQ(ind.collaboration.network.density.part, 2);
  EXPECT_EQ(ind.funnel.submitted, 7);
  EXPECT_EQ(ind.capability.stages.at(delegation::Stage::accept).late, 1);
  EXPECT_EQ(ind.capability.refusal_reasons.size(), 2u);
  EXPECT_EQ(ind.capability.satisfaction.poor, 1);
  EXPECT_EQ(ind.capability.calls.total.denied, 1);
  EXPECT_EQ(ind.capability.licences.from_cases, 1);
  EXPECT_EQ(ind.supervision.total.yellow, 1);
  EXPECT_EQ(ind.supervision.total.red, 1);
  EXPECT_EQ(ind.supervision.overdue_recorded.at(kNanjing), 2);
}

TEST(Fold, an_older_version_arriving_late_adds_its_fact_but_does_not_move_the_case_back) {
  const auto events = CaseScript("c1", kNanjing, kHangzhou, "PS-0001")
                          .submit("2026-03-02T09:00:00+08:00")
                          .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", kNanjing)
                          .step("FORWARDED", "forward", "2026-03-02T15:00:00+08:00", kNanjing)
                          .events();
  State s;
  ASSERT_TRUE(apply(s, events[2]).has_value());
  ASSERT_TRUE(apply(s, events[0]).has_value());
  auto late = apply(s, events[1]);
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(late->changed);  // its transition is new
  const auto& c = s.cases.at("c1");
  EXPECT_EQ(c.version, 3);
  EXPECT_EQ(c.snapshot.state, delegation::CaseState::forwarded);
  ASSERT_EQ(c.timeline.size(), 3u);
  EXPECT_EQ(c.timeline.at(2).state, delegation::CaseState::received);
  EXPECT_EQ(c.timeline.at(2).at, at("2026-03-02T10:00:00+08:00"));
}

TEST(Fold, a_duplicate_changes_nothing_and_touches_no_record) {
  const auto events =
      CaseScript("c1", kNanjing, kHangzhou, "PS-0001").submit("2026-03-02T09:00:00+08:00").events();
  State s;
  auto first = apply(s, events[0]);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->touched, (std::vector<RecordKey>{{RecordKind::case_record, "c1"}}));
  const State before = s;
  auto again = apply(s, events[0]);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed);
  EXPECT_TRUE(again->touched.empty());
  EXPECT_EQ(s, before);
}

TEST(Fold, the_newest_agreement_revision_wins_whatever_the_order) {
  const auto events = AgreementScript("a", kNanjing, kHangzhou)
                          .propose({"PS-0001"}, "2026-01-05T10:00:00+08:00")
                          .countersign("2026-01-06T10:00:00+08:00")
                          .suspend("2026-02-01T10:00:00+08:00")
                          .events();
  State s;
  ASSERT_TRUE(apply(s, events[2]).has_value());
  auto older = apply(s, events[1]);
  ASSERT_TRUE(older.has_value());
  EXPECT_FALSE(older->changed);
  EXPECT_EQ(s.agreements.at("a").status, "SUSPENDED");
  EXPECT_EQ(s.agreements.at("a").revision, 3);
  EXPECT_FALSE(in_force(s.agreements.at("a"), at("2026-03-01T00:00:00Z")));
}

TEST(Fold, a_data_call_is_counted_once_by_its_audit_sequence_number) {
  State s;
  const auto call =
      data_called(7, "hukou", kHangzhou, "杭州市公安局", "allowed", "2026-03-05T09:00:00+08:00");
  auto first = apply(s, call);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->touched.size(), 2u);  // the counter and the seen sequence numbers
  auto again = apply(s, call);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed);
  ASSERT_EQ(s.calls.size(), 1u);
  EXPECT_EQ(s.calls.begin()->second, 1);
  EXPECT_EQ(s.calls.begin()->first.day, local_day(at("2026-03-05T09:00:00+08:00")));
}

TEST(Fold, each_audit_chain_numbers_its_calls_from_one) {
  // Two datahub deployments on one broker: seq 1 of each chain is a different call, in
  // whatever order the two chains' events interleave.
  const auto a1 = data_called(1, "hukou", kHangzhou, "d", "allowed", "2026-03-05T09:00:00+08:00");
  const auto b1 =
      data_called(1, "hukou", kHangzhou, "d", "allowed", "2026-03-05T09:00:00+08:00", "chain-b");
  const auto b2 =
      data_called(2, "hukou", kHangzhou, "d", "allowed", "2026-03-05T09:00:00+08:00", "chain-b");
  for (const auto& order :
       std::vector<std::vector<Event>>{{a1, b1, b2, a1, b2}, {b2, b1, a1, b1}, {b1, a1, b2}}) {
    State s;
    for (const auto& e : order) ASSERT_TRUE(apply(s, e).has_value());
    ASSERT_EQ(s.calls.size(), 1u);
    EXPECT_EQ(s.calls.begin()->second, 3);
    EXPECT_EQ(s.call_seqs.at("chain-a").size(), 1);
    EXPECT_EQ(s.call_seqs.at("chain-b").size(), 2);
  }
  // An event from before chains were named counts under the chain "".
  auto old = data_called(1, "hukou", kHangzhou, "d", "allowed", "2026-03-05T09:00:00+08:00");
  old.data.erase("chain");
  State s;
  auto r = apply(s, old);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->touched.back(), (RecordKey{RecordKind::call_seqs, ""}));
  EXPECT_TRUE(s.call_seqs.at("").contains(1));
}

TEST(Fold, events_the_portal_does_not_fold_are_ignored) {
  State s;
  auto r = apply(s, Event{"x", "tongban.identity.token_revoked.v1", {}, {{"jti", "j"}}});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ignored);
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(s, State{});
}

TEST(Fold, the_event_types_are_classified) {
  EXPECT_EQ(classify("tongban.delegation.agreement_countersigned.v1"), EventKind::agreement);
  EXPECT_EQ(classify("tongban.delegation.case_result_dispatched.v1"), EventKind::case_event);
  EXPECT_EQ(classify("tongban.delegation.case_rated.v1"), EventKind::case_event);
  EXPECT_EQ(classify("tongban.catalog.item_published.v1"), EventKind::item_published);
  EXPECT_EQ(classify("tongban.catalog.item_withdrawn.v1"), EventKind::item_withdrawn);
  EXPECT_EQ(classify("tongban.catalog.implementation_published.v1"),
            EventKind::implementation_published);
  EXPECT_EQ(classify("tongban.datahub.data_called.v1"), EventKind::data_called);
  EXPECT_EQ(classify("tongban.datahub.licence_issued.v1"), EventKind::licence_issued);
  EXPECT_EQ(classify("tongban.datahub.licence_revoked.v1"), EventKind::other);
  EXPECT_EQ(classify("tongban.delegation.case_forwarded.v2"), EventKind::other);
}

struct Broken {
  const char* name;
  std::function<void(boost::json::object&)> damage;
  const char* field;
  const char* rule;
};

TEST(Fold, a_malformed_case_event_names_the_field_and_rule_and_changes_nothing) {
  const auto good = CaseScript("c1", kNanjing, kHangzhou, "PS-0001")
                        .submit("2026-03-02T09:00:00+08:00")
                        .events()
                        .front();
  const std::vector<Broken> cases{
      {"no case id", [](auto& d) { d.erase("case_id"); }, "data.case_id", "required"},
      {"version zero", [](auto& d) { d["version"] = 0; }, "data.version", "range"},
      {"version as text", [](auto& d) { d["version"] = "1"; }, "data.version", "type"},
      {"unknown state", [](auto& d) { d["state"] = "LOST"; }, "data.state", "enum"},
      {"bad time", [](auto& d) { d["at"] = "yesterday"; }, "data.at", "date_time"},
      {"unknown city", [](auto& d) { d["receiving_city"] = "999999"; }, "data.receiving_city",
       "unknown_city"},
      {"one city", [](auto& d) { d["accepting_city"] = kNanjing; }, "data.accepting_city",
       "same_city"},
      {"case not an object", [](auto& d) { d["case"] = 3; }, "data.case", "type"},
      {"bad limit", [](auto& d) { d["case"].as_object()["accept_limit_days"] = -1; },
       "data.case.accept_limit_days", "range"},
      {"bad rating",
       [](auto& d) {
         d["case"].as_object()["rating"] = {{"grade", "meh"}};
       },
       "data.case.rating.grade", "enum"},
  };
  for (const auto& b : cases) {
    auto e = good;
    b.damage(e.data);
    State s;
    auto r = apply(s, e);
    ASSERT_FALSE(r.has_value()) << b.name;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << b.name;
    EXPECT_EQ(r.error().field, b.field) << b.name;
    EXPECT_EQ(r.error().rule, b.rule) << b.name;
    EXPECT_EQ(s, State{}) << b.name;
  }
}

TEST(Fold, a_malformed_agreement_or_catalog_or_datahub_event_is_refused) {
  auto agreement = AgreementScript("a", kNanjing, kHangzhou)
                       .propose({"PS-0001"}, "2026-01-05T10:00:00+08:00")
                       .events()
                       .front();
  State s;
  auto e = agreement;
  e.data.erase("revision");
  EXPECT_EQ(apply(s, e).error().field, "data.revision");
  e = agreement;
  e.data["agreement"].as_object()["city_b"] = kNanjing;
  EXPECT_EQ(apply(s, e).error().rule, "same_city");
  e = agreement;
  e.data["agreement"].as_object()["versions"].as_array()[0].as_object()["status"] = "DONE";
  EXPECT_EQ(apply(s, e).error().field, "data.agreement.versions[0].status");

  auto item = item_published("PS-0001", 1, "partial", "once");
  item.data["item"].as_object()["online_level"] = "mostly";
  EXPECT_EQ(apply(s, item).error().field, "data.item.online_level");

  auto call = data_called(1, "hukou", kHangzhou, "d", "maybe", "2026-03-05T09:00:00+08:00");
  EXPECT_EQ(apply(s, call).error().field, "data.decision");
  call = data_called(0, "hukou", kHangzhou, "d", "allowed", "2026-03-05T09:00:00+08:00");
  EXPECT_EQ(apply(s, call).error().rule, "range");

  auto impl = implementation_published("PS-0001", "123456", 1, "d");
  EXPECT_EQ(apply(s, impl).error().rule, "unknown_city");
  EXPECT_EQ(s, State{});
}

class Resume : public testing::TestWithParam<bool> {};

TEST_P(Resume, resuming_from_stored_records_gives_the_same_state_as_a_rebuild) {
  const auto options = GetParam() ? kSealing : FoldOptions{};
  const auto events = scenario();
  const auto rebuilt = fold_all(events, options);

  // The live service: folds, writes back the records each event touched, restarts halfway
  // from what it wrote, and goes on (the event in hand when it stopped is delivered again).
  std::map<RecordKey, std::string> store;
  State live;
  const std::size_t half = events.size() / 2;
  for (std::size_t i = 0; i <= half; ++i) {
    auto r = apply(live, events[i], options);
    ASSERT_TRUE(r.has_value());
    for (const auto& k : r->touched) {
      if (auto doc = record_json(live, k)) {
        store[k] = boost::json::serialize(*doc);
      } else {
        store.erase(k);  // a sealed case's record
      }
    }
  }
  State restarted;
  for (const auto& [k, text] : store) {
    ASSERT_TRUE(load_record(restarted, k, boost::json::parse(text)).has_value()) << k.key;
  }
  EXPECT_EQ(restarted, live);
  for (std::size_t i = half; i < events.size(); ++i) {
    ASSERT_TRUE(apply(restarted, events[i], options).has_value());
  }
  EXPECT_EQ(restarted, rebuilt);
  EXPECT_EQ(fingerprint(restarted), fingerprint(rebuilt));
}

INSTANTIATE_TEST_SUITE_P(Fold, Resume, testing::Values(false, true),
                         [](const auto& p) { return p.param ? "sealing" : "whole"; });

}  // namespace
}  // namespace tongban::portal

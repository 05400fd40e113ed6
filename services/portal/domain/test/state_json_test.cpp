#include "domain/state_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "test/events.hpp"

namespace tongban::portal {
namespace {

using namespace test_events;

State sample() {
  std::vector<Event> events;
  append(events, AgreementScript("a", "320100", "330100")
                     .propose({"PS-0001", "HR-0001"}, "2026-01-05T10:00:00.123+08:00")
                     .countersign("2026-01-06T10:00:00+08:00")
                     .events());
  append(events,
         CaseScript("c1", "320100", "330100", "PS-0001")
             .materials({"a", "b"}, {"b"})
             .submit("2026-03-02T09:00:00+08:00")
             .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00", "320100", "南京市公安局")
             .step("FORWARDED", "forward", "2026-03-02T11:00:00+08:00", "320100", "南京市公安局")
             .overdue("accept", "2026-03-03T10:00:00+08:00")
             .step("REJECTED", "reject", "2026-03-03T11:00:00+08:00", "330100", "杭州", "缺件")
             .events());
  append(events, CaseScript("c3", "320100", "330100", "PS-0001")
                     .submit("2026-03-04T09:00:00+08:00")
                     .step("RECEIVED", "receive", "2026-03-04T10:00:00+08:00")
                     .events());
  append(events, CaseScript("c2", "330100", "320100", "PS-0001")
                     .submit("2026-03-02T09:00:00+08:00")
                     .step("RECEIVED", "receive", "2026-03-02T10:00:00+08:00")
                     .step("FORWARDED", "forward", "2026-03-02T11:00:00+08:00")
                     .step("ACCEPTED", "accept", "2026-03-02T12:00:00+08:00")
                     .step("APPROVED", "approve", "2026-03-02T13:00:00+08:00")
                     .step("RESULT_DISPATCHED", "dispatch_result", "2026-03-02T14:00:00+08:00")
                     .step("COMPLETED", "complete", "2026-03-02T15:00:00+08:00")
                     .rate("poor", "too_slow", "2026-03-02T16:00:00+08:00")
                     .events());
  events.push_back(item_published("PS-0001", 3, "full", "zero"));
  events.push_back(implementation_published("PS-0001", "330100", 1, "杭州市公安局"));
  events.push_back(
      data_called(1, "hukou", "330100", "d|with|bars", "allowed", "2026-03-02T09:00:00+08:00"));
  events.push_back(data_called(3, "hukou", "330100", "d", "denied", "2026-03-02T09:00:00+08:00"));
  events.push_back(
      data_called(1, "hukou", "330100", "d", "denied", "2026-03-02T09:00:00+08:00", "chain-b"));
  events.push_back(licence_issued("l1", "330100", "2026-03-02T13:00:00+08:00", "c2"));
  // c1 and c2 are finished and sealed; c3 is open: every kind of record is there.
  auto s = fold(State{}, events, FoldOptions{&cn2026()});
  EXPECT_TRUE(s.has_value());
  EXPECT_EQ(s->cases.size(), 1u);
  EXPECT_EQ(s->sealed_cases.size(), 2u);
  return *s;
}

TEST(StateJson, the_whole_state_reads_back_equal) {
  const auto s = sample();
  const auto text = boost::json::serialize(to_json(s));
  auto back = state_from_json(boost::json::parse(text).as_object());
  ASSERT_TRUE(back.has_value()) << back.error().field << ": " << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(boost::json::serialize(to_json(*back)), text);
}

TEST(StateJson, every_record_reads_back_equal_on_its_own) {
  const auto s = sample();
  State back;
  for (const auto& key : record_keys(s)) {
    const auto v = record_json(s, key);
    ASSERT_TRUE(v.has_value()) << to_string(key.kind) << ":" << key.key;
    const auto reparsed = boost::json::parse(boost::json::serialize(*v));
    ASSERT_TRUE(load_record(back, key, reparsed).has_value()) << key.key;
  }
  EXPECT_EQ(back, s);
  EXPECT_FALSE(record_json(s, {RecordKind::case_record, "nope"}).has_value());
}

TEST(StateJson, another_format_is_refused_so_the_service_rebuilds) {
  auto doc = to_json(sample());
  doc["format"] = kStateFormat + 1;
  auto r = state_from_json(doc);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "format");
}

TEST(StateJson, a_state_written_before_sealing_reads_back) {
  auto doc = to_json(sample());
  doc.erase("sealed_case");
  doc.erase("sealed_count");
  doc["format"] = 2;
  EXPECT_TRUE(state_from_json(doc).has_value());
}

TEST(StateJson, a_sealed_count_key_is_unambiguous_text) {
  const auto day = *parse_day("2026-03-02");
  const std::vector<SealedCountKey> keys{
      SubmittedKey{day, "320100", "330100", "PS-|1", delegation::CaseState::completed, 1727},
      StageRunKey{day, delegation::Stage::decide, "330100"},
      CompletionKey{day, "330100"},
      RefusalKey{day, true, " 缺件\"|", "330100"},
      RatingKey{day, "poor", "too_slow", "320100", "330100"},
      OverdueKey{day, "320100"},
      LicenceKey{day, "330100", true},
      LicenceKey{day, "330100", false}};
  for (const auto& k : keys) {
    const auto text = sealed_count_text(k);
    auto back = parse_sealed_count_key(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, k) << text;
  }
  EXPECT_EQ(sealed_count_text(keys[1]), R"(["stage_run","2026-03-02","decide","330100"])");
  for (const auto* bad :
       {R"(["submitted","2026-03-02","320100","330100","PS-0001","DONE",1])",
        R"(["submitted","2026-03-02","320100","330100","PS-0001","COMPLETED",99999])",
        R"(["stage_run","2026-03-02","lunch","330100"])", R"(["refusal","2026-03-02","x","r","c"])",
        R"(["overdue","2026-02-30","320100"])", R"(["overdue","2026-03-02"])",
        R"(["later","2026-03-02","320100"])", R"({"overdue":1})", "not json"}) {
    auto r = parse_sealed_count_key(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().rule, "sealed_count_key") << bad;
  }
}

TEST(StateJson, a_licence_record_from_before_is_counted_once_as_it_is_read) {
  const auto legacy = boost::json::parse(
      R"({"issued_at":"2026-03-02T05:00:00.000Z","issuer_city":"330100","from_case":true})");
  State s;
  ASSERT_TRUE(load_record(s, {RecordKind::licence, "lic-7"}, legacy));
  ASSERT_TRUE(load_record(s, {RecordKind::licence, "lic-7"}, legacy)) << "read twice";
  const LicenceKey k{*parse_day("2026-03-02"), "330100", true};
  EXPECT_EQ(s.sealed.licences.at(k), 1);
  EXPECT_TRUE(s.licences.contains(id_hash("lic-7")));
  // Its event delivered again is recognised.
  auto again = apply(s, licence_issued("lic-7", "330100", "2026-03-02T13:00:00+08:00", "c2"));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->changed);
  // Written back, a licence is its id's hash, counted under its day.
  EXPECT_EQ(record_json(s, {RecordKind::licence, to_hex(id_hash("lic-7"))}),
            boost::json::value(true));
  auto bad = load_record(s, {RecordKind::licence, to_hex(id_hash("lic-8"))}, 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().rule, "type");
}

TEST(StateJson, a_damaged_sealed_record_names_its_rule) {
  State s;
  auto r = load_record(s, {RecordKind::sealed_case, "xyz"}, boost::json::parse(R"({"version":1})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "id_hash");
  const auto mark = to_hex(id_hash("c1"));
  r = load_record(s, {RecordKind::sealed_case, mark}, boost::json::parse(R"({"version":"1"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "sealed_case:" + mark + ".version");
  const auto key = sealed_count_text(CompletionKey{*parse_day("2026-03-02"), "330100"});
  r = load_record(s, {RecordKind::sealed_count, key}, boost::json::parse("[1]"));
  ASSERT_FALSE(r.has_value()) << "a completion is two counts";
  EXPECT_EQ(r.error().rule, "type");
  r = load_record(s, {RecordKind::sealed_count, key}, boost::json::parse("[-1,5]"));
  ASSERT_FALSE(r.has_value()) << "a count is never negative";
  r = load_record(s, {RecordKind::sealed_count, "[]"}, boost::json::parse("[1]"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "sealed_count_key");
  EXPECT_EQ(s, State{});
  // A duration is, when the clocks of its two events disagree.
  EXPECT_TRUE(load_record(s, {RecordKind::sealed_count, key}, boost::json::parse("[1,-5]")));
}

TEST(StateJson, a_damaged_record_names_its_kind_and_key) {
  State s;
  auto r = load_record(s, {RecordKind::case_record, "c9"}, boost::json::parse(R"({"state":"X"})"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "case:c9.state");
  // A case keeps its limits and materials counts in two bytes.
  auto big = to_json(sample()).at("case").at("c3");
  big.as_object()["exempted"] = 40000;
  r = load_record(s, {RecordKind::case_record, "c3"}, big);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().field, "case:c3.exempted");
  r = load_record(s, {RecordKind::call, "[1,2]"}, 3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "call_key");
  r = load_record(s, {RecordKind::call_seqs, ""}, boost::json::parse("[[1]]"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(s, State{});
}

TEST(StateJson, a_call_key_is_unambiguous_text) {
  const CallKey k{*parse_day("2026-03-02"), true, "res|x", "320100", "330100", "局\"|"};
  const auto text = call_key_text(k);
  auto back = parse_call_key(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, k);
  EXPECT_FALSE(parse_call_key(R"(["2026-03-02","maybe","r","","",""])").has_value());
}

TEST(SeqSet, keeps_closed_intervals_merging_neighbours) {
  SeqSet s;
  EXPECT_TRUE(s.insert(3));
  EXPECT_TRUE(s.insert(1));
  EXPECT_FALSE(s.insert(3));
  EXPECT_EQ(s.intervals().size(), 2u);
  EXPECT_TRUE(s.insert(2));
  EXPECT_EQ(s.intervals(), (std::map<std::int64_t, std::int64_t>{{1, 3}}));
  s.insert_range(10, 20);
  s.insert_range(5, 12);
  EXPECT_EQ(s.intervals(), (std::map<std::int64_t, std::int64_t>{{1, 3}, {5, 20}}));
  s.insert(4);
  EXPECT_EQ(s.intervals(), (std::map<std::int64_t, std::int64_t>{{1, 20}}));
  EXPECT_TRUE(s.contains(20));
  EXPECT_FALSE(s.contains(21));
  EXPECT_FALSE(s.contains(0));
  EXPECT_EQ(s.size(), 20);
}

}  // namespace
}  // namespace tongban::portal

#include "tongban/loadgen/report.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

namespace tongban::loadgen {
namespace {

Report sample(std::int64_t base, std::string instance = "0/2") {
  Report r;
  r.info.scenario = "smoke";
  r.info.kind = "http";
  r.info.duration_s = 10;
  r.info.instance = std::move(instance);
  r.info.stages = {"10s@100"};
  auto& s = r.stats;
  for (std::int64_t i = 1; i <= 1000; ++i) {
    s.requests.corrected.record(base + i);
    s.requests.uncorrected.record(base + i / 2);
    s.send_lag.record(i % 7);
    s.operations["search"].corrected.record(base + i);
    s.operations["search"].uncorrected.record(base + i);
  }
  s.requests.count = 1000;
  s.operations["search"].count = 1000;
  s.counters.requests = 1000;
  s.counters.request_errors = 2;
  s.counters.started = s.counters.completed = 1000;
  s.counters.ok = 998;
  s.counters.failed = 2;
  s.add_error(ErrorKey{"search/get", 503, "status"}, "status 503", 2);
  s.spans["case/handoff"].record(base * 2);
  return r;
}

TEST(Report, thresholds_pass_or_fail_against_the_measured_run) {
  auto r = sample(1000);  // latencies 1001..2000 µs, 0.2 % errors, 100 req/s
  ASSERT_TRUE(evaluate_slos(
      r, {"p99<250ms", "p50<1ms", "errors<0.1%", "errors<=2", "search:p99<=2ms",
          "uncorrected.max<1.6ms", "rps>=100", "case/handoff:max<3ms", "nothing:p99<1s"}));
  ASSERT_EQ(r.slos.size(), 9u);
  EXPECT_TRUE(r.slos[0].passed);
  EXPECT_FALSE(r.slos[1].passed) << r.slos[1].message;  // p50 ≈ 1.5 ms
  EXPECT_FALSE(r.slos[2].passed);                       // 0.2 % errors
  EXPECT_TRUE(r.slos[3].passed);
  EXPECT_TRUE(r.slos[4].passed) << r.slos[4].message;
  EXPECT_TRUE(r.slos[5].passed) << r.slos[5].message;
  EXPECT_TRUE(r.slos[6].passed) << r.slos[6].message;
  EXPECT_TRUE(r.slos[7].passed) << r.slos[7].message;
  EXPECT_FALSE(r.slos[8].passed);  // an unknown scope never passes silently
  EXPECT_NE(r.slos[8].message.find("nothing"), std::string::npos);
  EXPECT_FALSE(r.passed());
  EXPECT_DOUBLE_EQ(r.error_rate(), 0.002);
}

TEST(Report, a_scoped_error_threshold_counts_that_operations_flows_not_every_poll) {
  // 20 life cycles, one failed, each with 100 requests (polls): 0.05 % of the requests but
  // 5 % of the flows.
  Report r;
  r.stats.counters.requests = 2000;
  r.stats.counters.request_errors = 1;
  r.stats.operations["lifecycle"].count = 20;
  r.stats.operations["lifecycle"].errors = 1;
  r.stats.endpoints["lifecycle/submit"].count = 20;
  ASSERT_TRUE(evaluate_slos(r, {"errors<0.1%", "lifecycle:errors<0.1%", "lifecycle:errors<=1",
                                "lifecycle/submit:errors<0.1%", "elsewhere:errors<1%"}));
  EXPECT_TRUE(r.slos[0].passed);
  EXPECT_FALSE(r.slos[1].passed);
  EXPECT_DOUBLE_EQ(r.slos[1].actual, 0.05);
  EXPECT_TRUE(r.slos[2].passed);
  EXPECT_TRUE(r.slos[3].passed);
  EXPECT_FALSE(r.slos[4].passed);  // an unknown scope never passes silently
}

TEST(Report, the_summary_round_trips_through_json_with_its_histograms) {
  auto r = sample(5000);
  const auto text = boost::json::serialize(to_json(r));
  EXPECT_NE(text.find("\"schema\":\"tongban.loadgen.summary/v1\""), std::string::npos);
  EXPECT_NE(text.find("\"p99_ms\""), std::string::npos);
  auto back = report_from_json(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->info.scenario, "smoke");
  EXPECT_EQ(back->info.stages, std::vector<std::string>{"10s@100"});
  EXPECT_EQ(back->stats.counters.requests, 1000);
  EXPECT_EQ(back->stats.requests.corrected.value_at_percentile(99),
            r.stats.requests.corrected.value_at_percentile(99));
  EXPECT_EQ(back->stats.operations.at("search").count, 1000);
  EXPECT_EQ(back->stats.errors.at(ErrorKey{"search/get", 503, "status"}).count, 2);
  EXPECT_EQ(back->stats.spans.at("case/handoff").count(), 1);
  EXPECT_FALSE(report_from_json(R"({"schema": "something/v9"})"));
}

TEST(Report, the_summary_text_has_plain_numbers_and_reads_back) {
  EXPECT_EQ(reformat_json(R"({"a":3.21E1,"b":"x1E0","c":[1,2.5E-1],"d":-4E0})", false),
            R"({"a":32.1,"b":"x1E0","c":[1,0.25],"d":-4})");
  EXPECT_EQ(reformat_json(R"({"a":{"b":[1,2]}})", true),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ]\n  }\n}\n");
  auto r = sample(2000);
  for (const bool pretty : {true, false}) {
    const auto text = summary_text(r, pretty);
    const auto at = text.find("\"mean_ms\":");
    ASSERT_NE(at, std::string::npos);
    const auto value = text.substr(at, text.find(',', at) - at);
    EXPECT_EQ(value.find('E'), std::string::npos) << value;
    auto back = report_from_json(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->stats.requests.corrected.count(), 1000);
  }
}

TEST(Report, merging_instances_adds_counts_and_histograms) {
  auto a = sample(1000, "0/2");
  auto b = sample(3000, "1/2");
  Stats both = a.stats;
  both.merge(b.stats);
  auto merged = merge_reports({a, b});
  ASSERT_TRUE(merged) << merged.error().message;
  EXPECT_EQ(merged->info.instances, 2);
  EXPECT_EQ(merged->info.instance, "merged");
  EXPECT_EQ(merged->info.duration_s, 10);
  EXPECT_EQ(merged->stats.counters.requests, 2000);
  EXPECT_DOUBLE_EQ(merged->requests_per_second(), 200);
  EXPECT_EQ(merged->stats.requests.corrected.value_at_percentile(75),
            both.requests.corrected.value_at_percentile(75));
  EXPECT_EQ(merged->stats.errors.at(ErrorKey{"search/get", 503, "status"}).count, 4);

  auto other = sample(1000);
  other.info.scenario = "http";
  EXPECT_FALSE(merge_reports({a, other}));
}

TEST(Report, the_series_is_one_csv_row_per_second) {
  std::vector<SecondRow> rows(3);
  rows[0].warmup = true;
  rows[1].second = 1;
  rows[1].interval.sent = 100;
  rows[1].interval.latency.record(2000);
  const auto csv = series_csv(rows);
  EXPECT_TRUE(csv.starts_with("second,phase,sent,done,errors,late_sends,p50_ms"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_NE(csv.find("\n1,measured,100,0,0,0,2.0"), std::string::npos) << csv;
}

TEST(Report, a_busy_generator_warns_that_it_may_be_the_bottleneck) {
  std::vector<SecondRow> rows(2);
  rows[0].cpu_percent = 40;
  rows[1].cpu_percent = 97;
  Stats stats;
  const auto hot = assess_saturation(rows, stats, 1);
  EXPECT_DOUBLE_EQ(hot.cpu_percent_max, 97);
  EXPECT_NE(hot.warning.find("bottleneck"), std::string::npos);
  EXPECT_TRUE(assess_saturation(rows, stats, 2).warning.empty());
  for (int i = 0; i < 100; ++i) stats.send_lag.record(40'000);
  EXPECT_NE(assess_saturation(rows, stats, 2).warning.find("--connections"), std::string::npos);
  for (int i = 0; i < 100; ++i) stats.start_lag.record(50'000);
  EXPECT_NE(assess_saturation(rows, stats, 2).warning.find("late"), std::string::npos);
}

}  // namespace
}  // namespace tongban::loadgen

#include "tongban/loadgen/slo.hpp"

#include <gtest/gtest.h>

namespace tongban::loadgen {
namespace {

TEST(Slo, a_latency_percentile_threshold_parses_into_microseconds) {
  auto s = parse_slo("p99<250ms");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->metric, Slo::Metric::latency_percentile);
  EXPECT_EQ(s->percentile, 99);
  EXPECT_EQ(s->cmp, Slo::Cmp::lt);
  EXPECT_EQ(s->threshold, 250'000);
  EXPECT_TRUE(s->scope.empty());
  EXPECT_FALSE(s->uncorrected);

  auto fine = parse_slo(" uncorrected.p99.9 <= 1.5s ");
  ASSERT_TRUE(fine);
  EXPECT_TRUE(fine->uncorrected);
  EXPECT_DOUBLE_EQ(fine->percentile, 99.9);
  EXPECT_EQ(fine->cmp, Slo::Cmp::le);
  EXPECT_EQ(fine->threshold, 1'500'000);

  auto us = parse_slo("max<900us");
  ASSERT_TRUE(us);
  EXPECT_EQ(us->metric, Slo::Metric::latency_max);
  EXPECT_EQ(us->threshold, 900);
  EXPECT_EQ(parse_slo("mean<3ms")->metric, Slo::Metric::latency_mean);
}

TEST(Slo, errors_are_a_rate_with_percent_and_a_count_without) {
  auto rate = parse_slo("errors<0.1%");
  ASSERT_TRUE(rate);
  EXPECT_EQ(rate->metric, Slo::Metric::error_rate);
  EXPECT_DOUBLE_EQ(rate->threshold, 0.001);
  auto count = parse_slo("errors<=5");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->metric, Slo::Metric::error_count);
  EXPECT_EQ(count->cmp, Slo::Cmp::le);
  EXPECT_EQ(count->threshold, 5);
}

TEST(Slo, scopes_throughput_and_send_lag) {
  auto scoped = parse_slo("catalog_search/search:p50<=20ms");
  ASSERT_TRUE(scoped);
  EXPECT_EQ(scoped->scope, "catalog_search/search");
  EXPECT_EQ(scoped->percentile, 50);
  auto rps = parse_slo("rps>=1000");
  ASSERT_TRUE(rps);
  EXPECT_EQ(rps->metric, Slo::Metric::rps);
  EXPECT_EQ(rps->cmp, Slo::Cmp::ge);
  EXPECT_TRUE(parse_slo("rps>1000/s"));
  auto lag = parse_slo("lag.p99<5ms");
  ASSERT_TRUE(lag);
  EXPECT_EQ(lag->metric, Slo::Metric::lag_percentile);
  EXPECT_EQ(parse_slo("lag.max<50ms")->metric, Slo::Metric::lag_max);
}

TEST(Slo, malformed_thresholds_are_refused_with_the_grammar) {
  for (const char* bad :
       {"p99<250", "p101<1ms", "p0<1ms", "p99 250ms", "latency<1ms", "errors<5ms", ":p99<1ms",
        "p99<-1ms", "p99<ms", "rps>5ms", "uncorrected.errors<1%", "lag.mean<1ms", ""}) {
    auto s = parse_slo(bad);
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_NE(s.error().message.find("e.g."), std::string::npos);
    }
  }
}

TEST(Slo, comparisons) {
  EXPECT_TRUE(compare(Slo::Cmp::lt, 1, 2));
  EXPECT_FALSE(compare(Slo::Cmp::lt, 2, 2));
  EXPECT_TRUE(compare(Slo::Cmp::le, 2, 2));
  EXPECT_TRUE(compare(Slo::Cmp::gt, 3, 2));
  EXPECT_TRUE(compare(Slo::Cmp::ge, 2, 2));
}

}  // namespace
}  // namespace tongban::loadgen

#include "tongban/loadgen/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace tongban::loadgen {
namespace {

// The exact percentile of sorted values, the way HdrHistogram counts (the value at rank
// ceil(p% of n), at least 1).
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_within_precision(const Histogram& h, std::vector<std::int64_t> values, int digits) {
  std::sort(values.begin(), values.end());
  const double tolerance = std::pow(10.0, -digits);
  for (const double p : {50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const auto exact = exact_percentile(values, p);
    const auto got = h.value_at_percentile(p);
    EXPECT_LE(std::abs(static_cast<double>(got - exact)),
              std::max(1.0, tolerance * static_cast<double>(exact)))
        << "p" << p << " digits " << digits;
  }
  EXPECT_EQ(h.count(), static_cast<std::int64_t>(values.size()));
}

TEST(Histogram, percentiles_of_a_uniform_distribution_are_within_the_configured_precision) {
  for (int digits = 1; digits <= 5; ++digits) {
    auto h = Histogram::create(1, 3'600'000'000, digits);
    ASSERT_TRUE(h);
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> dist(1, 2'000'000);
    std::vector<std::int64_t> values;
    for (int i = 0; i < 100'000; ++i) {
      values.push_back(dist(rng));
      h->record(values.back());
    }
    expect_within_precision(*h, values, digits);
  }
}

TEST(Histogram, percentiles_of_an_exponential_distribution_are_within_the_configured_precision) {
  Histogram h;
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> dist(1.0 / 10'000);  // mean 10 ms in µs
  std::vector<std::int64_t> values;
  double sum = 0;
  for (int i = 0; i < 200'000; ++i) {
    values.push_back(static_cast<std::int64_t>(dist(rng)) + 1);
    sum += static_cast<double>(values.back());
    h.record(values.back());
  }
  expect_within_precision(h, values, 3);
  EXPECT_NEAR(h.mean(), sum / 200'000, sum / 200'000 * 1e-3);
  // An exponential's standard deviation equals its mean.
  EXPECT_NEAR(h.stddev(), 10'000, 300);
  // Its median is mean * ln 2.
  EXPECT_NEAR(static_cast<double>(h.value_at_percentile(50)), 10'000 * std::log(2.0), 150);
}

TEST(Histogram, equivalent_values_share_a_bucket_and_max_reports_its_top) {
  Histogram h;
  h.record(1'000'000);
  EXPECT_EQ(h.lowest_equivalent(1'000'000), 999'936);
  EXPECT_EQ(h.max(), h.highest_equivalent(1'000'000));
  EXPECT_GE(h.max(), 1'000'000);
  EXPECT_LE(h.max() - 1'000'000, 1'000);  // 0.1 %
  EXPECT_EQ(h.min(), h.lowest_equivalent(1'000'000));
  h.record(0);
  EXPECT_EQ(h.min(), 0);
}

TEST(Histogram, values_above_the_range_are_clamped_and_counted) {
  Histogram h;
  h.record(Histogram::kDefaultHighest * 10);
  EXPECT_EQ(h.count(), 1);
  EXPECT_EQ(h.clamped(), 1);
  EXPECT_GE(h.max(), Histogram::kDefaultHighest);
}

TEST(Histogram, corrected_recording_backfills_what_a_stalled_closed_loop_could_not_send) {
  Histogram h;
  h.record_corrected(1000, 100);  // one 1000 µs response where one per 100 µs was expected
  EXPECT_EQ(h.count(), 10);       // 1000, 900, ..., 100
  EXPECT_EQ(h.value_at_percentile(0), 100);
  Histogram plain;
  plain.record_corrected(50, 100);  // shorter than the interval: nothing to back-fill
  EXPECT_EQ(plain.count(), 1);
}

TEST(Histogram, merging_equals_recording_everything_into_one) {
  Histogram a, b, all;
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(8, 1.5);
  for (int i = 0; i < 50'000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  ASSERT_EQ(a.count(), all.count());
  EXPECT_TRUE(std::equal(a.counts().begin(), a.counts().end(), all.counts().begin()));
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (const double p : {50.0, 99.0, 99.99}) {
    EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p));
  }
}

TEST(Histogram, merging_another_layout_keeps_values_within_the_coarser_precision) {
  auto coarse = Histogram::create(1, 3'600'000'000, 2);
  ASSERT_TRUE(coarse);
  Histogram fine;
  for (std::int64_t v = 1; v <= 100'000; v += 7) coarse->record(v);
  fine.merge(*coarse);
  EXPECT_EQ(fine.count(), coarse->count());
  EXPECT_NEAR(static_cast<double>(fine.value_at_percentile(99)),
              static_cast<double>(coarse->value_at_percentile(99)), 100'000 * 0.01);
}

TEST(Histogram, the_v2_encoding_round_trips) {
  Histogram h;
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> dist(1.0 / 2'000);
  for (int i = 0; i < 20'000; ++i) h.record(static_cast<std::int64_t>(dist(rng)));
  h.record(0);
  h.record(3'000'000'000);
  const auto text = h.to_base64();
  EXPECT_TRUE(text.starts_with("HISTFAAA")) << text.substr(0, 16);
  auto back = Histogram::from_base64(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->count(), h.count());
  EXPECT_TRUE(std::equal(h.counts().begin(), h.counts().end(), back->counts().begin()));
  EXPECT_EQ(back->max(), h.max());
  EXPECT_EQ(back->min(), h.min());
  EXPECT_EQ(back->digits(), 3);

  Histogram empty;
  auto empty_back = Histogram::from_base64(empty.to_base64());
  ASSERT_TRUE(empty_back);
  EXPECT_EQ(empty_back->count(), 0);
}

TEST(Histogram, reads_what_the_reference_hdrhistogram_implementation_wrote) {
  // HdrHistogram (Python hdrh 0.10): 1..10000, 0 and 3e9 recorded into (1, 3.6e9, 3).
  auto h = Histogram::from_base64(
      "HISTFAAAAEd4nJNpmSzMwCDwnAECmKE0I4i4NnkJg/"
      "0HiADTKBgFo2AUjIJRMApGHGAZBaNgFIxYwDEKRsEoGLFAYNgDp"
      "qeLmJgA0qBVKw==");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->count(), 10'002);
  EXPECT_EQ(h->min(), 0);
  EXPECT_EQ(h->value_at_percentile(50), 5003);
  EXPECT_EQ(h->max(), h->highest_equivalent(3'000'000'000));
  Histogram same;
  for (std::int64_t v = 0; v <= 10'000; ++v) same.record(v);
  same.record(3'000'000'000);
  EXPECT_TRUE(std::equal(same.counts().begin(), same.counts().end(), h->counts().begin()));
}

TEST(Histogram, decoding_rejects_what_is_not_an_encoding) {
  EXPECT_FALSE(Histogram::from_base64("not base64!"));
  EXPECT_FALSE(Histogram::from_base64("AAAAAAAAAAAA"));
  auto text = Histogram().to_base64();
  text[12] = text[12] == 'A' ? 'B' : 'A';  // corrupt the zlib stream
  EXPECT_FALSE(Histogram::from_base64(text));
}

TEST(Histogram, the_percentile_spectrum_is_hdrhistograms_classic_text) {
  Histogram h;
  for (std::int64_t v = 1; v <= 10'000; ++v) h.record(v);
  const auto text = h.percentile_spectrum(1000.0);
  EXPECT_TRUE(text.starts_with("       Value   Percentile   TotalCount 1/(1-Percentile)\n\n"))
      << text.substr(0, 80);
  EXPECT_NE(text.find("     0.000000            1         1.00\n"), std::string::npos);
  EXPECT_NE(text.find("     1.000000        10000          inf\n"), std::string::npos);
  EXPECT_NE(text.find("#[Max     =       10.007, Total count    =        10000]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#[Buckets =           22, SubBuckets     =         2048]"),
            std::string::npos);
}

TEST(Histogram, create_checks_its_layout) {
  EXPECT_FALSE(Histogram::create(0, 100, 3));
  EXPECT_FALSE(Histogram::create(10, 15, 3));
  EXPECT_FALSE(Histogram::create(1, 100, 0));
  EXPECT_FALSE(Histogram::create(1, 100, 6));
  EXPECT_TRUE(Histogram::create(1, 100, 5));
}

}  // namespace
}  // namespace tongban::loadgen

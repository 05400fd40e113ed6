#include "tongban/loadgen/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace tongban::loadgen {
namespace {

constexpr Nanos kSecond = kNanosPerSecond;

RatePlan plan_of(std::vector<Stage> stages, Nanos warmup = 0) {
  auto p = RatePlan::build(stages, warmup);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return *p;
}

std::vector<Arrival> all_arrivals(Schedule s) {
  std::vector<Arrival> out;
  while (auto a = s.next()) out.push_back(*a);
  return out;
}

TEST(Schedule, a_constant_rate_yields_exactly_rate_times_duration_arrivals) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 10 * kSecond, 1000}});
  const auto arrivals = all_arrivals(Schedule(plan, ArrivalProcess::constant, 1));
  ASSERT_EQ(arrivals.size(), 10'000u);
  EXPECT_EQ(arrivals.front().at, 0);
  EXPECT_EQ(arrivals[1].at, 1'000'000);  // one per millisecond
  EXPECT_LT(arrivals.back().at, 10 * kSecond);
}

TEST(Schedule, a_rate_below_the_number_of_workers_is_still_exact) {
  // wrk2's pitfall: 3 req/s over 8 workers must not become 0 or 8.
  const auto plan = plan_of({Stage{Stage::Kind::step, 10 * kSecond, 3}});
  std::size_t total = 0;
  std::vector<Nanos> times;
  for (std::uint64_t w = 0; w < 8; ++w) {
    for (const auto& a : all_arrivals(Schedule(plan, ArrivalProcess::constant, 1, 8, w))) {
      ++total;
      times.push_back(a.at);
    }
  }
  EXPECT_EQ(total, 30u);
  std::sort(times.begin(), times.end());
  for (std::size_t i = 1; i < times.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(times[i] - times[i - 1]), 1e9 / 3, 2);
  }
}

TEST(Schedule, a_fractional_rate_is_exact_too) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 10 * kSecond, 0.5}});
  EXPECT_EQ(all_arrivals(Schedule(plan, ArrivalProcess::constant, 1)).size(), 5u);
}

TEST(Schedule, instances_sharing_a_rate_take_every_nth_arrival_and_together_make_the_whole) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 5 * kSecond, 777}});
  for (const auto process : {ArrivalProcess::constant, ArrivalProcess::poisson}) {
    const auto whole = all_arrivals(Schedule(plan, process, 99));
    std::map<std::uint64_t, Nanos> parts;
    for (std::uint64_t i = 0; i < 3; ++i) {
      for (const auto& a : all_arrivals(Schedule(plan, process, 99, 3, i))) {
        EXPECT_EQ(a.index % 3, i);
        parts[a.index] = a.at;
      }
    }
    ASSERT_EQ(parts.size(), whole.size());
    for (const auto& a : whole) EXPECT_EQ(parts[a.index], a.at);
  }
}

TEST(Schedule, poisson_arrivals_have_the_requested_mean_and_are_reproducible_by_seed) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 100 * kSecond, 1000}});
  const auto a = all_arrivals(Schedule(plan, ArrivalProcess::poisson, 2026));
  // 100,000 expected; a Poisson count's standard deviation is sqrt(100,000) ≈ 316.
  EXPECT_NEAR(static_cast<double>(a.size()), 100'000, 4 * 316);
  double sum = 0, sum_sq = 0;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const double gap = static_cast<double>(a[i].at - a[i - 1].at) / 1e6;  // ms
    sum += gap;
    sum_sq += gap * gap;
  }
  const double n = static_cast<double>(a.size() - 1);
  const double mean = sum / n;
  EXPECT_NEAR(mean, 1.0, 0.02);
  // Exponential gaps: the standard deviation equals the mean.
  EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean), 1.0, 0.03);
  const auto again = all_arrivals(Schedule(plan, ArrivalProcess::poisson, 2026));
  ASSERT_EQ(again.size(), a.size());
  EXPECT_EQ(again[12345].at, a[12345].at);
  const auto other = all_arrivals(Schedule(plan, ArrivalProcess::poisson, 2027));
  EXPECT_NE(other[10].at, a[10].at);
}

TEST(Schedule, a_ramp_grows_its_count_per_second_linearly) {
  // 0 -> 100/s over 10 s: second n holds 5 * (2n + 1) arrivals, 500 in all.
  const auto plan = plan_of({Stage{Stage::Kind::ramp, 10 * kSecond, 100}});
  std::map<Nanos, int> per_second;
  const auto arrivals = all_arrivals(Schedule(plan, ArrivalProcess::constant, 1));
  for (const auto& a : arrivals) ++per_second[a.at / kSecond];
  EXPECT_EQ(arrivals.size(), 500u);
  for (Nanos s = 0; s < 10; ++s) {
    EXPECT_NEAR(per_second[s], 5 * (2 * s + 1), 1) << "second " << s;
  }
  EXPECT_DOUBLE_EQ(plan.rate_at(5 * kSecond), 50);
}

TEST(Schedule, a_ramp_down_and_steps_follow_the_rate_function) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 2 * kSecond, 100},
                             Stage{Stage::Kind::ramp, 2 * kSecond, 300},
                             Stage{Stage::Kind::ramp, 2 * kSecond, 0}});
  // 200 + (100+300)/2*2 + 300/2*2 = 200 + 400 + 300
  EXPECT_EQ(all_arrivals(Schedule(plan, ArrivalProcess::constant, 1)).size(), 900u);
  EXPECT_DOUBLE_EQ(plan.cumulative(2 * kSecond), 200);
  EXPECT_DOUBLE_EQ(plan.rate_at(3 * kSecond), 200);
}

TEST(Schedule, a_spike_climbs_holds_and_returns_to_the_rate_it_started_from) {
  auto spike = parse_stage("spike:10s@1000/1s");
  ASSERT_TRUE(spike);
  const auto plan = plan_of({Stage{Stage::Kind::step, 5 * kSecond, 100}, *spike,
                             Stage{Stage::Kind::step, 5 * kSecond, 100}});
  EXPECT_DOUBLE_EQ(plan.rate_at(2 * kSecond), 100);
  EXPECT_DOUBLE_EQ(plan.rate_at(5 * kSecond + kSecond / 2), 550);
  EXPECT_DOUBLE_EQ(plan.rate_at(10 * kSecond), 1000);
  EXPECT_DOUBLE_EQ(plan.rate_at(14 * kSecond + kSecond / 2), 550);
  EXPECT_DOUBLE_EQ(plan.rate_at(16 * kSecond), 100);
  EXPECT_EQ(plan.end(), 20 * kSecond);
  // 500 + (550 + 8000 + 550) + 500
  EXPECT_EQ(all_arrivals(Schedule(plan, ArrivalProcess::constant, 1)).size(), 10'100u);
}

TEST(Schedule, the_warmup_precedes_the_measured_part_at_its_starting_rate) {
  const auto plan = plan_of({Stage{Stage::Kind::step, 10 * kSecond, 200}}, 2 * kSecond);
  const auto arrivals = all_arrivals(Schedule(plan, ArrivalProcess::constant, 1));
  std::size_t measured = 0;
  for (const auto& a : arrivals) measured += a.at >= plan.warmup() ? 1 : 0;
  EXPECT_EQ(arrivals.size(), 2400u);
  EXPECT_EQ(measured, 2000u);
}

TEST(Schedule, durations_and_stages_parse_and_print) {
  EXPECT_EQ(*parse_duration("250ms"), 250'000'000);
  EXPECT_EQ(*parse_duration("30s"), 30 * kSecond);
  EXPECT_EQ(*parse_duration("2m"), 120 * kSecond);
  EXPECT_EQ(*parse_duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*parse_duration("10"), 10 * kSecond);
  EXPECT_EQ(*parse_duration("100us"), 100'000);
  EXPECT_FALSE(parse_duration("fast"));
  EXPECT_FALSE(parse_duration("10 parsecs"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_EQ(format_duration(30 * kSecond), "30s");
  EXPECT_EQ(format_duration(250'000'000), "250ms");

  auto step = parse_stage("30s@100");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Stage::Kind::step);
  EXPECT_EQ(step->rate, 100);
  auto ramp = parse_stage("10s->500");
  ASSERT_TRUE(ramp);
  EXPECT_EQ(ramp->kind, Stage::Kind::ramp);
  EXPECT_EQ(format_stage(*ramp), "10s->500");
  EXPECT_EQ(format_stage(*parse_stage("spike:20s@2000/1s")), "spike:20s@2000/1s");
  EXPECT_FALSE(parse_stage("30s"));
  EXPECT_FALSE(parse_stage("spike:2s@10/2s"));  // edges longer than the spike
  EXPECT_FALSE(parse_stage("30s@-1"));
  EXPECT_FALSE(RatePlan::build({}, 0));
}

}  // namespace
}  // namespace tongban::loadgen

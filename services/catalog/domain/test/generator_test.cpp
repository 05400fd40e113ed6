#include "domain/generator.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "domain/standardisation.hpp"

namespace tongban::catalog {
namespace {

const std::vector<BaseItem>& seed_items() {
  static const std::vector<BaseItem> items = [] {
    std::ifstream in(TONGBAN_CATALOG_DATA, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = load_base_items(ss.str());
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }();
  return items;
}

std::vector<const cities::City*> all_cities() {
  std::vector<const cities::City*> out;
  for (const auto& c : cities::directory().all()) out.push_back(&c);
  return out;
}

TEST(Generator, splitmix64_matches_the_reference_sequence) {
  // Reference values of splitmix64 seeded with 1234567 (Vigna's splitmix64.c).
  SplitMix64 r(1234567);
  EXPECT_EQ(r.next(), 6457827717110365317ULL);
  EXPECT_EQ(r.next(), 3203168211198807973ULL);
  EXPECT_EQ(r.next(), 9817491932198370423ULL);
}

TEST(Generator, the_same_input_gives_the_same_output) {
  const auto cities = all_cities();
  ASSERT_EQ(cities.size(), 155u);
  for (const auto& item : seed_items()) {
    EXPECT_EQ(generate_implementations(item, cities), generate_implementations(item, cities))
        << item.code;
  }
  // Seeds depend on the pair only: one city alone gets what it gets among all.
  const auto& item = seed_items()[3];
  EXPECT_EQ(generate_implementations(item, {cities[7]})[0],
            generate_implementations(item, cities)[7]);
  EXPECT_NE(seed_of("320100", "PS-0001"), seed_of("320100", "PS-0002"));
}

TEST(Generator, every_generated_implementation_passes_the_rules) {
  const auto cities = all_cities();
  for (const auto& item : seed_items()) {
    for (const auto& impl : generate_implementations(item, cities)) {
      auto r = read_implementation(to_json(impl), item);
      ASSERT_TRUE(r) << item.code << " " << impl.city << ": " << r.error().field << " "
                     << r.error().rule;
      EXPECT_EQ(*r, impl);
      EXPECT_LE(impl.promised_limit_days, item.statutory_limit_days);
      EXPECT_EQ(impl.fees.empty(), !item.fee) << item.code;
    }
  }
}

TEST(Generator, the_distribution_is_plausible) {
  const auto cities = all_cities();
  std::size_t total = 0, deviating = 0, extra = 0, longer = 0, shorter = 0;
  std::size_t big_full = 0, big_partial_items = 0, small_full = 0, small_partial_items = 0;
  for (const auto& item : seed_items()) {
    for (const auto& impl : generate_implementations(item, cities)) {
      ++total;
      deviating += !score_against_standard(item, impl).deviations.empty();
      extra += !impl.extra_materials.empty();
      longer += impl.promised_limit_days > item.promised_limit_days_typical;
      shorter += impl.promised_limit_days < item.promised_limit_days_typical;
      if (item.online_level == OnlineLevel::partial) {
        const bool big = is_big_city(*cities::directory().find(impl.city));
        (big ? big_partial_items : small_partial_items)++;
        if (impl.online_level == OnlineLevel::full) (big ? big_full : small_full)++;
      }
    }
  }
  ASSERT_EQ(total, seed_items().size() * 155);
  const double share = static_cast<double>(deviating) / static_cast<double>(total);
  EXPECT_GT(share, 0.10);
  EXPECT_LT(share, 0.50);
  EXPECT_GT(extra, total / 10);
  EXPECT_LT(extra, total / 4);
  EXPECT_GT(shorter, longer);
  EXPECT_GT(longer, 0u);
  // Big cities go fully online more often.
  ASSERT_GT(big_partial_items, 0u);
  ASSERT_GT(small_partial_items, 0u);
  EXPECT_GT(static_cast<double>(big_full) / static_cast<double>(big_partial_items),
            2 * static_cast<double>(small_full) / static_cast<double>(small_partial_items));
}

TEST(Generator, local_departments_read_like_real_ones) {
  const auto* nanjing = cities::directory().find("320100");
  ASSERT_NE(nanjing, nullptr);
  EXPECT_EQ(local_department(*nanjing, DepartmentCategory::public_security), "南京市公安局");
  EXPECT_EQ(local_department(*nanjing, DepartmentCategory::taxation), "国家税务总局南京市税务局");
  EXPECT_EQ(local_department(*nanjing, DepartmentCategory::housing_fund),
            "南京市住房公积金管理中心");
  EXPECT_TRUE(is_big_city(*nanjing));
}

}  // namespace
}  // namespace tongban::catalog

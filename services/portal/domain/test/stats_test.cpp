#include "domain/stats.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace tongban::portal {
namespace {

TEST(Stats, ties_share_the_average_of_their_ranks) {
  const std::vector<double> v{0, 5, 0, 2, 5};
  EXPECT_EQ(average_ranks(v), (std::vector<double>{1.5, 4.5, 1.5, 3, 4.5}));
}

TEST(Stats, spearman_is_one_for_any_increasing_relation_and_minus_one_for_a_decreasing) {
  const std::vector<double> x{1, 2, 3, 4, 5};
  const std::vector<double> squares{1, 4, 9, 16, 25};
  const std::vector<double> falling{10, 8, 3, 2, 0};
  EXPECT_DOUBLE_EQ(*spearman(x, squares), 1.0);
  EXPECT_DOUBLE_EQ(*spearman(x, falling), -1.0);
}

TEST(Stats, spearman_of_a_textbook_example) {
  // Ranks x: 1..5; y ranks 2, 1, 4, 3, 5: d^2 sum = 4; rho = 1 - 6*4 / (5*24) = 0.8.
  const std::vector<double> x{10, 20, 30, 40, 50};
  const std::vector<double> y{2, 1, 4, 3, 5};
  EXPECT_NEAR(*spearman(x, y), 0.8, 1e-12);
}

TEST(Stats, spearman_is_undefined_without_variation_or_data) {
  const std::vector<double> x{1, 2, 3};
  const std::vector<double> flat{0, 0, 0};
  EXPECT_FALSE(spearman(x, flat).has_value());
  EXPECT_FALSE(spearman(std::vector<double>{1, 2}, std::vector<double>{1, 2}).has_value());
  EXPECT_FALSE(spearman(x, std::vector<double>{1, 2}).has_value());
}

TEST(Stats, no_data_is_no_share_rather_than_zero) {
  EXPECT_FALSE(Share{}.value().has_value());
  EXPECT_DOUBLE_EQ(*(Share{1, 4}.value()), 0.25);
  MeanHours m;
  EXPECT_FALSE(m.value().has_value());
  m.add(2 * 3'600'000);
  m.add(4 * 3'600'000);
  EXPECT_DOUBLE_EQ(*m.value(), 3);
  m.add(9 * 3'600'000, 3);  // three durations adding up to nine hours
  EXPECT_DOUBLE_EQ(*m.value(), 3);
}

}  // namespace
}  // namespace tongban::portal

// Small statistics the indicators need: shares with their counts, means, and Spearman's rank
// correlation (case volume against migrant flow).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tongban::portal {

// `part` of `whole`, kept as counts so a reader can check the arithmetic; value() is
// nullopt when whole is 0 (no data is not 0 %).
struct Share {
  std::int64_t part = 0;
  std::int64_t whole = 0;
  std::optional<double> value() const;
  friend bool operator==(const Share&, const Share&) = default;
};

// A mean kept as its sum and count; value() nullopt when count is 0.
struct Mean {
  double sum = 0;
  std::int64_t count = 0;
  void add(double x) {
    sum += x;
    ++count;
  }
  std::optional<double> value() const;
  friend bool operator==(const Mean&, const Mean&) = default;
};

// Ranks 1..n, ties given the average of the ranks they span (so 0, 0, 5 -> 1.5, 1.5, 3).
std::vector<double> average_ranks(std::span<const double> values);

// Spearman's rho: Pearson's correlation of the average ranks. nullopt when the spans differ in
// length, have fewer than 3 values (two points are always perfectly ranked), or either is
// constant (no ranking to correlate).
std::optional<double> spearman(std::span<const double> x, std::span<const double> y);

}  // namespace tongban::portal

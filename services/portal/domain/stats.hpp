// Small statistics the indicators need: shares with their counts, mean durations, and Spearman's
// rank correlation (case volume against migrant flow).
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

// A mean of durations in hours, kept as whole milliseconds and a count: integer sums give the
// same mean whatever order they are added in, which the sealed per-day counts rely on (a
// double sum differs in its last bits). value() is nullopt when count is 0.
struct MeanHours {
  std::int64_t ms = 0;
  std::int64_t count = 0;
  void add(std::int64_t ms_sum, std::int64_t n = 1) {
    ms += ms_sum;
    count += n;
  }
  std::optional<double> value() const;
  friend bool operator==(const MeanHours&, const MeanHours&) = default;
};

// Ranks 1..n, ties given the average of the ranks they span (so 0, 0, 5 -> 1.5, 1.5, 3).
std::vector<double> average_ranks(std::span<const double> values);

// Spearman's rho: Pearson's correlation of the average ranks. nullopt when the spans differ in
// length, have fewer than 3 values (two points are always perfectly ranked), or either is
// constant (no ranking to correlate).
std::optional<double> spearman(std::span<const double> x, std::span<const double> y);

}  // namespace tongban::portal

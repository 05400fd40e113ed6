// A high-dynamic-range latency histogram compatible with HdrHistogram: log-linear buckets
// with a fixed number of significant digits, coordinated-omission back-fill, merge, the
// percentile spectrum (.hgrm) and the V2 compressed encoding that HdrHistogram tools read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::loadgen {

class Histogram {
 public:
  // The load generator's default: microseconds from 1 µs to one hour, 3 significant digits
  // (every value within 0.1 % of what was recorded).
  static constexpr std::int64_t kDefaultLowest = 1;
  static constexpr std::int64_t kDefaultHighest = 3'600'000'000;
  static constexpr int kDefaultDigits = 3;

  Histogram() : Histogram(kDefaultLowest, kDefaultHighest, kDefaultDigits) {}
  // Preconditions (checked by create): lowest >= 1, highest >= 2 * lowest, digits in 1..5.
  static Result<Histogram> create(std::int64_t lowest, std::int64_t highest, int digits);

  // Values above highest() are clamped to it and counted in clamped(); negative ones to 0.
  void record(std::int64_t value, std::int64_t count = 1);
  // HdrHistogram's recordValueWithExpectedInterval (what wrk2 does in a closed loop): a
  // value longer than the interval stands for the requests that could not be sent meanwhile,
  // so value - interval, value - 2 * interval, ... down to the interval are back-filled.
  void record_corrected(std::int64_t value, std::int64_t expected_interval);
  // Adds every count of `other`; a histogram of another layout is re-recorded bucket by
  // bucket (each at its bucket's median value), as HdrHistogram's add() does.
  void merge(const Histogram& other);
  void reset();

  std::int64_t count() const { return total_; }
  std::int64_t clamped() const { return clamped_; }
  std::int64_t min() const;  // lowest equivalent of the smallest value; 0 when empty
  std::int64_t max() const;  // highest equivalent of the largest value; 0 when empty
  double mean() const;
  double stddev() const;
  // The highest equivalent value of the smallest recorded value at or below which
  // `percentile` % of the values lie (HdrHistogram's getValueAtPercentile); 0 when empty.
  std::int64_t value_at_percentile(double percentile) const;

  std::int64_t lowest() const { return lowest_; }
  std::int64_t highest() const { return highest_; }
  int digits() const { return digits_; }
  int bucket_count() const { return bucket_count_; }
  int sub_bucket_count() const { return sub_bucket_count_; }

  // Values that fall into the same bucket are equivalent.
  std::int64_t lowest_equivalent(std::int64_t value) const;
  std::int64_t highest_equivalent(std::int64_t value) const;
  std::int64_t median_equivalent(std::int64_t value) const;

  // HdrHistogram's classic percentile distribution text (.hgrm, as wrk2 --latency and
  // HdrHistogram's plotter read it); values divided by `value_scale` (1000: µs → ms).
  std::string percentile_spectrum(double value_scale, int ticks_per_half_distance = 5) const;

  // HdrHistogram V2 compressed encoding (cookie 0x1c849314, zlib of the ZigZag-LEB128
  // counts), and its base64 form (the "HISTFAAA..." strings of HdrHistogram logs).
  std::vector<std::uint8_t> encode() const;
  std::string to_base64() const;
  static Result<Histogram> decode(std::span<const std::uint8_t> bytes);
  static Result<Histogram> from_base64(std::string_view text);

  // Raw access for iteration: counts()[i] holds the values equivalent to value_at_index(i).
  std::span<const std::int64_t> counts() const { return counts_; }
  std::int64_t value_at_index(int index) const;

 private:
  Histogram(std::int64_t lowest, std::int64_t highest, int digits);
  int bucket_index(std::int64_t value) const;
  int counts_index(std::int64_t value) const;
  std::int64_t size_of_equivalent_range(std::int64_t value) const;

  std::int64_t lowest_;
  std::int64_t highest_;
  int digits_;
  int unit_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  int sub_bucket_count_ = 0;
  int sub_bucket_half_count_ = 0;
  std::int64_t sub_bucket_mask_ = 0;
  int bucket_count_ = 0;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t clamped_ = 0;
  std::int64_t min_value_ = INT64_MAX;  // raw values, not equivalents
  std::int64_t max_value_ = 0;
};

}  // namespace tongban::loadgen

// Deterministic, realistic city implementations of the base items for the seed dataset:
// most cities follow the national standard, some deviate the way cities do.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "domain/implementation.hpp"
#include "domain/item.hpp"
#include "tongban/cities/cities.hpp"

namespace tongban::catalog {

// splitmix64 (Steele, Lea, Flood 2014; the seeder of xoshiro): a 64-bit state advanced by
// the golden-ratio increment and finalised by two xor-shift-multiply rounds. Tiny, fast,
// statistically good enough for seed data, and the same output on every platform.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  // Uniform in [0, 1) from the top 53 bits.
  double uniform();
  // Uniform in [lo, hi] (lo <= hi); the modulo bias is below 2^-50 for our ranges.
  int between(int lo, int hi);

 private:
  std::uint64_t state_;
};

// The seed of one (city, item) pair: FNV-1a 64 of "<city code>/<item code>", so adding a
// city or an item never changes the others' implementations.
std::uint64_t seed_of(std::string_view city_code, std::string_view item_code);

// A provincial capital or a city of at least 8 million residents: more often fully online.
bool is_big_city(const cities::City& city);

// The local department that implements items of `category` in `city` ("南京市公安局",
// "国家税务总局南京市税务局").
std::string local_department(const cities::City& city, DepartmentCategory category);

Implementation generate_implementation(const BaseItem& item, const cities::City& city);
// One implementation per city, in the order given.
std::vector<Implementation> generate_implementations(
    const BaseItem& item, const std::vector<const cities::City*>& cities);

}  // namespace tongban::catalog

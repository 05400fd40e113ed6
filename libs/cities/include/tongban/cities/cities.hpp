// The 155 prefecture-level cities of the cross-city delegation sample and the migrant-flow
// weight of each of their 11,935 pairs, embedded in the binary (docs/data.md).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::cities {

// One prefecture-level division (地级行政区), keyed by its GB/T 2260 code.
struct City {
  std::string code;           // "320100"
  std::string name_zh;        // "南京市"
  std::string name_en;        // "Nanjing" (pinyin; not unique: two Suzhou, two Taizhou, two Fuzhou)
  std::string province_code;  // "320000"
  std::string province_zh;    // "江苏省"
  std::string province_en;    // "Jiangsu"
  long population = 0;        // resident population, 2020 census, rounded to thousands
  double lat = 0;             // city seat, degrees
  double lon = 0;
  bool capital = false;  // seat of the provincial government
};

struct Province {
  std::string code;  // "320000"
  std::string name_zh;
  std::string name_en;
  std::string capital_code;  // the one city with capital = 1
  std::size_t city_count = 0;
};

// An unordered city pair; a->code < b->code. The pointers stay valid for the lifetime of the
// Directory that handed them out.
struct CityPair {
  const City* a = nullptr;
  const City* b = nullptr;
  double weight = 0;  // share of 1,000,000 (all pairs sum to 1e6)
};

class Directory {
 public:
  // Strict: a header that differs, a wrong column count, a number that does not parse, a
  // duplicate, an unknown city in flows or a missing pair is an error naming file and line.
  static Result<Directory> parse(std::string_view cities_csv, std::string_view flows_csv);

  Directory(Directory&&) noexcept = default;
  Directory& operator=(Directory&&) noexcept = default;
  Directory(const Directory&) = delete;  // CityPair points into cities_
  Directory& operator=(const Directory&) = delete;

  const City* find(std::string_view code) const;
  bool is_known_city(std::string_view code) const { return find(code) != nullptr; }

  std::span<const City> all() const { return cities_; }               // sorted by code
  std::span<const Province> provinces() const { return provinces_; }  // sorted by code
  const Province* find_province(std::string_view province_code) const;
  // Cities are sorted by code, so a province's cities are one contiguous run; empty when the
  // province is unknown.
  std::span<const City> in_province(std::string_view province_code) const;

  // Symmetric; 0 when a == b or either city is unknown.
  double flow_weight(std::string_view a, std::string_view b) const;
  std::span<const CityPair> pairs() const { return pairs_; }  // sorted by (a, b)

 private:
  Directory() = default;
  std::ptrdiff_t index_of(std::string_view code) const;

  std::vector<City> cities_;
  std::vector<Province> provinces_;
  std::vector<double> weights_;  // cities_.size()² matrix, symmetric
  std::vector<CityPair> pairs_;
};

// The embedded dataset, parsed on first use (thread-safe). Data that does not parse is a
// start-up failure: throws std::runtime_error naming the file and line.
const Directory& directory();

// Strict parser of cities.csv alone; tongban-gen-flows reads its input with it.
Result<std::vector<City>> parse_cities(std::string_view csv);

// The CSV files as compiled into the library (data/cities/*.csv at build time).
std::string_view embedded_cities_csv();
std::string_view embedded_flows_csv();

}  // namespace tongban::cities

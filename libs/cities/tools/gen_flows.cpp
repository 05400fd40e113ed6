// tongban-gen-flows: derives data/cities/flows.csv (a migrant-flow weight per unordered city
// pair) from data/cities/cities.csv with a gravity model. Deterministic: the same input gives
// the same bytes, which cities_test checks. The model and its parameters: docs/data.md.
//
//   tongban-gen-flows <cities.csv> <flows.csv>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numbers>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/cities/cities.hpp"

namespace {

using tongban::cities::City;

// Gravity model: w = (Pi * Pj)^kMassExponent / max(d, kMinDistanceKm)^kDistanceExponent,
// times kSameProvinceFactor inside one province and kHubFactor when either city is a hub.
constexpr double kMassExponent = 0.8;
// 1.4 rather than the often-quoted 1.6: at 1.6 only a quarter of the weight crosses a province
// border, while the 2020 census counted a third of internal migrants as inter-provincial (see
// docs/data.md).
constexpr double kDistanceExponent = 1.4;
constexpr double kMinDistanceKm = 30;
constexpr double kSameProvinceFactor = 3;
constexpr double kHubFactor = 1.5;
constexpr double kTotalWeight = 1'000'000;
constexpr int kSignificantDigits = 6;
constexpr double kEarthRadiusKm = 6371.0088;  // IUGG mean radius

// Hubs besides the provincial capitals: the sub-provincial cities (副省级市) that are not
// capitals, and Suzhou and Dongguan, whose 2020 resident populations passed ten million
// mainly through in-migration. Linyi also passed ten million, but as a city people leave.
constexpr std::array<std::string_view, 6> kMegacities = {
    "320500",  // Suzhou
    "330200",  // Ningbo
    "350200",  // Xiamen
    "370200",  // Qingdao
    "440300",  // Shenzhen
    "441900",  // Dongguan
};

bool is_hub(const City& c) {
  return c.capital || std::ranges::find(kMegacities, c.code) != kMegacities.end();
}

double great_circle_km(const City& a, const City& b) {
  constexpr double kRad = std::numbers::pi / 180;
  double dlat = (b.lat - a.lat) * kRad;
  double dlon = (b.lon - a.lon) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.lat * kRad) *
                                                           std::cos(b.lat * kRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

double raw_weight(const City& a, const City& b) {
  double d = std::max(great_circle_km(a, b), kMinDistanceKm);
  double w = std::pow(static_cast<double>(a.population) * static_cast<double>(b.population),
                      kMassExponent) /
             std::pow(d, kDistanceExponent);
  if (a.province_code == b.province_code) w *= kSameProvinceFactor;
  if (is_hub(a) || is_hub(b)) w *= kHubFactor;
  return w;
}

// Rounds to kSignificantDigits and writes plain decimal notation (no exponent, no trailing
// zeros), so the file reads well and diffs cleanly. std::to_chars rounds exactly, so the
// result does not depend on the C library's printf.
std::string format_significant(double v) {
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v,
                                 std::chars_format::scientific, kSignificantDigits - 1);
  std::string_view sci(buf.data(), static_cast<std::size_t>(end - buf.data()));  // d.ddddde±XX
  auto e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::string_view exp_text = sci.substr(e + 1);
  if (exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);

  std::string out;
  const int n = static_cast<int>(digits.size());
  if (exponent >= n - 1) {
    out = digits + std::string(static_cast<std::size_t>(exponent - (n - 1)), '0');
  } else if (exponent >= 0) {
    auto point = static_cast<std::size_t>(exponent + 1);
    out = digits.substr(0, point) + "." + digits.substr(point);
  } else {
    out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  }
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <cities.csv> <flows.csv>\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = tongban::cities::parse_cities(text);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return 1;
  }
  std::vector<City> cities = std::move(*parsed);
  std::ranges::sort(cities, {}, &City::code);

  struct Row {
    const City* a;
    const City* b;
    double weight;
  };
  std::vector<Row> rows;
  rows.reserve(cities.size() * (cities.size() - 1) / 2);
  double total = 0;  // summed in file order, so the normalisation is reproducible
  for (std::size_t i = 0; i < cities.size(); ++i) {
    for (std::size_t j = i + 1; j < cities.size(); ++j) {
      double w = raw_weight(cities[i], cities[j]);
      rows.push_back(Row{&cities[i], &cities[j], w});
      total += w;
    }
  }

  std::ostringstream out;
  out << "a,b,weight\n";
  double within_province = 0;
  for (const Row& r : rows) {
    double w = r.weight * kTotalWeight / total;
    if (r.a->province_code == r.b->province_code) within_province += w;
    out << r.a->code << ',' << r.b->code << ',' << format_significant(w) << '\n';
  }
  std::ofstream file(argv[2], std::ios::binary | std::ios::trunc);
  file << out.str();
  file.close();
  if (!file) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  std::fprintf(stderr, "%zu cities, %zu pairs, %.1f%% of the weight within a province\n",
               cities.size(), rows.size(), within_province / kTotalWeight * 100);
  return 0;
}

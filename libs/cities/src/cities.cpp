#include "tongban/cities/cities.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tongban::cities {
namespace {

constexpr std::string_view kCitiesHeader =
    "code,name_zh,name_en,province_code,province_zh,province_en,population,lat,lon,capital";
constexpr std::string_view kFlowsHeader = "a,b,weight";

// Walks a CSV text line by line, counting lines from 1 so that errors can name them. The data
// is ours and never needs quoting, so a quote character is an error rather than a feature.
class LineReader {
 public:
  LineReader(std::string_view file, std::string_view text) : file_(file), rest_(text) {}

  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    auto end = rest_.find('\n');
    line = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view{} : rest_.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // tolerate CRLF checkouts
    ++number_;
    return true;
  }

  Error error(std::string_view rule, std::string_view message) const {
    std::string at = std::string(file_) + ":" + std::to_string(number_);
    return Error::invalid(
        at, std::string(rule),
        std::string(file_) + " line " + std::to_string(number_) + ": " + std::string(message));
  }

  int number() const { return number_; }

 private:
  std::string_view file_;
  std::string_view rest_;
  int number_ = 0;
};

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto comma = line.find(',', start);
    out.push_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool is_division_code(std::string_view s) {
  return s.size() == 6 && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// Reads the header and the non-empty lines of a file, checking the column count of each.
template <class OnRow>
Result<> for_each_row(std::string_view file, std::string_view text, std::string_view header,
                      std::size_t columns, OnRow&& on_row) {
  LineReader reader(file, text);
  std::string_view line;
  if (!reader.next(line)) return fail(reader.error("header", "file is empty"));
  if (line != header) {
    return fail(reader.error("header", "expected header \"" + std::string(header) + "\""));
  }
  while (reader.next(line)) {
    if (line.empty()) continue;  // the final newline, or a blank line
    if (line.find('"') != std::string_view::npos) {
      return fail(reader.error("no_quotes", "quoted fields are not supported"));
    }
    auto fields = split(line);
    if (fields.size() != columns) {
      return fail(reader.error("column_count", "expected " + std::to_string(columns) +
                                                   " columns, found " +
                                                   std::to_string(fields.size())));
    }
    if (auto r = on_row(fields, reader); !r) return r;
  }
  return {};
}

}  // namespace

Result<std::vector<City>> parse_cities(std::string_view csv) {
  std::vector<City> cities;
  auto parsed = for_each_row(
      "cities.csv", csv, kCitiesHeader, 10,
      [&](const std::vector<std::string_view>& f, const LineReader& at) -> Result<> {
        City c;
        c.code = f[0];
        c.name_zh = f[1];
        c.name_en = f[2];
        c.province_code = f[3];
        c.province_zh = f[4];
        c.province_en = f[5];
        if (!is_division_code(c.code) || !c.code.ends_with("00")) {
          return fail(at.error("code", "code must be 6 digits ending in 00"));
        }
        if (!is_division_code(c.province_code) || !c.province_code.ends_with("0000") ||
            c.province_code.substr(0, 2) != c.code.substr(0, 2)) {
          return fail(at.error("province_code",
                               "province_code must be the city code's first 2 digits + 0000"));
        }
        if (c.name_zh.empty() || c.name_en.empty() || c.province_zh.empty() ||
            c.province_en.empty()) {
          return fail(at.error("name", "names must not be empty"));
        }
        if (!parse_number(f[6], c.population) || c.population <= 0) {
          return fail(at.error("population", "population must be a positive integer"));
        }
        if (!parse_number(f[7], c.lat) || c.lat < -90 || c.lat > 90) {
          return fail(at.error("lat", "lat must be a number in [-90, 90]"));
        }
        if (!parse_number(f[8], c.lon) || c.lon < -180 || c.lon > 180) {
          return fail(at.error("lon", "lon must be a number in [-180, 180]"));
        }
        if (f[9] != "0" && f[9] != "1") return fail(at.error("capital", "capital must be 0 or 1"));
        c.capital = f[9] == "1";
        cities.push_back(std::move(c));
        return {};
      });
  if (!parsed) return fail(parsed.error());
  return cities;
}

Result<Directory> Directory::parse(std::string_view cities_csv, std::string_view flows_csv) {
  auto cities = parse_cities(cities_csv);
  if (!cities) return fail(cities.error());
  Directory d;
  d.cities_ = std::move(*cities);
  std::ranges::sort(d.cities_, {}, &City::code);
  for (std::size_t i = 1; i < d.cities_.size(); ++i) {
    if (d.cities_[i].code == d.cities_[i - 1].code) {
      return fail(Error::invalid("cities.csv", "unique_code",
                                 "cities.csv: code " + d.cities_[i].code + " appears twice"));
    }
  }

  for (const City& c : d.cities_) {
    if (d.provinces_.empty() || d.provinces_.back().code != c.province_code) {
      d.provinces_.push_back(Province{c.province_code, c.province_zh, c.province_en, {}, 0});
    }
    Province& p = d.provinces_.back();
    if (p.name_zh != c.province_zh || p.name_en != c.province_en) {
      return fail(Error::invalid(
          "cities.csv", "province_name",
          "cities.csv: city " + c.code + " names province " + c.province_code + " differently"));
    }
    ++p.city_count;
    if (c.capital) {
      if (!p.capital_code.empty()) {
        return fail(Error::invalid("cities.csv", "one_capital",
                                   "cities.csv: province " + p.code + " has two capitals"));
      }
      p.capital_code = c.code;
    }
  }
  for (const Province& p : d.provinces_) {
    if (p.capital_code.empty()) {
      return fail(Error::invalid("cities.csv", "one_capital",
                                 "cities.csv: province " + p.code + " has no capital"));
    }
  }

  const std::size_t n = d.cities_.size();
  d.weights_.assign(n * n, -1.0);  // -1 = not seen yet, to catch duplicates and gaps
  std::size_t seen = 0;
  auto flows = for_each_row(
      "flows.csv", flows_csv, kFlowsHeader, 3,
      [&](const std::vector<std::string_view>& f, const LineReader& at) -> Result<> {
        auto ia = d.index_of(f[0]);
        auto ib = d.index_of(f[1]);
        if (ia < 0 || ib < 0) return fail(at.error("known_city", "unknown city code"));
        if (!(f[0] < f[1])) return fail(at.error("pair_order", "a must be less than b"));
        double w = 0;
        if (!parse_number(f[2], w) || !std::isfinite(w) || w <= 0) {
          return fail(at.error("weight", "weight must be a positive number"));
        }
        double& cell = d.weights_[static_cast<std::size_t>(ia) * n + static_cast<std::size_t>(ib)];
        if (cell >= 0) return fail(at.error("unique_pair", "pair appears twice"));
        cell = w;
        d.weights_[static_cast<std::size_t>(ib) * n + static_cast<std::size_t>(ia)] = w;
        ++seen;
        return {};
      });
  if (!flows) return fail(flows.error());
  if (seen != n * (n - 1) / 2) {
    return fail(Error::invalid("flows.csv", "all_pairs",
                               "flows.csv: " + std::to_string(seen) + " pairs, expected " +
                                   std::to_string(n * (n - 1) / 2) + " for " + std::to_string(n) +
                                   " cities"));
  }

  d.pairs_.reserve(seen);
  for (std::size_t i = 0; i < n; ++i) {
    d.weights_[i * n + i] = 0;
    for (std::size_t j = i + 1; j < n; ++j) {
      d.pairs_.push_back(CityPair{&d.cities_[i], &d.cities_[j], d.weights_[i * n + j]});
    }
  }
  return d;
}

std::ptrdiff_t Directory::index_of(std::string_view code) const {
  auto it = std::ranges::lower_bound(cities_, code, {}, &City::code);
  if (it == cities_.end() || it->code != code) return -1;
  return it - cities_.begin();
}

const City* Directory::find(std::string_view code) const {
  auto i = index_of(code);
  return i < 0 ? nullptr : &cities_[static_cast<std::size_t>(i)];
}

const Province* Directory::find_province(std::string_view province_code) const {
  auto it = std::ranges::lower_bound(provinces_, province_code, {}, &Province::code);
  if (it == provinces_.end() || it->code != province_code) return nullptr;
  return &*it;
}

std::span<const City> Directory::in_province(std::string_view province_code) const {
  auto [first, last] = std::ranges::equal_range(cities_, province_code, {}, &City::province_code);
  return {first, last};
}

double Directory::flow_weight(std::string_view a, std::string_view b) const {
  auto ia = index_of(a);
  auto ib = index_of(b);
  if (ia < 0 || ib < 0) return 0;
  return weights_[static_cast<std::size_t>(ia) * cities_.size() + static_cast<std::size_t>(ib)];
}

const Directory& directory() {
  // A function-local static: C++ guarantees one initialisation even with concurrent callers.
  static const Directory instance = [] {
    auto parsed = Directory::parse(embedded_cities_csv(), embedded_flows_csv());
    if (!parsed) {
      throw std::runtime_error("embedded city data is invalid: " + parsed.error().message);
    }
    return std::move(*parsed);
  }();
  return instance;
}

}  // namespace tongban::cities

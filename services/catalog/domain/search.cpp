#include "domain/search.hpp"

#include <algorithm>
#include <set>

#include "domain/utf8.hpp"
#include "tongban/cities/cities.hpp"

namespace tongban::catalog {
namespace {

constexpr std::string_view kParams[] = {"q",          "city",       "department_category",
                                        "power_type", "cross_city", "visit_level",
                                        "page_size",  "cursor"};

bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v' ||
         c == 0x3000 || c == 0xA0;
}

// normalise() as code points.
std::u32string normalised_points(std::string_view text) {
  std::u32string out;
  std::size_t i = 0;
  bool pending_space = false;
  while (i < text.size()) {
    // Decode one sequence at a time so that one bad byte costs only itself.
    std::size_t n = 1;
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 >= 0xF0) {
      n = 4;
    } else if (b0 >= 0xE0) {
      n = 3;
    } else if (b0 >= 0xC0) {
      n = 2;
    }
    auto cps = utf8::decode(text.substr(i, std::min(n, text.size() - i)));
    if (!cps || cps->size() != 1) {
      ++i;
      continue;
    }
    i += n;
    char32_t c = (*cps)[0];
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(U' ');
      pending_space = false;
    }
    if (c >= U'A' && c <= U'Z') c = c - U'A' + U'a';
    out.push_back(c);
  }
  return out;
}

std::string encode(const std::u32string& cps, std::size_t from, std::size_t count) {
  std::string out;
  for (std::size_t k = from; k < from + count; ++k) utf8::append(out, cps[k]);
  return out;
}

void add_distinct(std::vector<std::string>& out, std::set<std::string>& seen, std::string gram) {
  if (seen.insert(gram).second) out.push_back(std::move(gram));
}

Error invalid(const std::string& field, const std::string& rule, const std::string& message) {
  return Error::invalid(field, rule, message);
}

}  // namespace

std::string normalise(std::string_view text) {
  const auto cps = normalised_points(text);
  return encode(cps, 0, cps.size());
}

std::vector<std::string> ngrams(std::string_view text) {
  const auto cps = normalised_points(text);
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (cps.size() == 1) {
    out.push_back(encode(cps, 0, 1));
    return out;
  }
  for (std::size_t i = 0; i + 1 < cps.size(); ++i) add_distinct(out, seen, encode(cps, i, 2));
  return out;
}

std::vector<std::string> index_ngrams(std::string_view text) {
  const auto cps = normalised_points(text);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    add_distinct(out, seen, encode(cps, i, 1));
    if (i + 1 < cps.size()) add_distinct(out, seen, encode(cps, i, 2));
  }
  return out;
}

bool contains_keyword(std::string_view name, std::string_view normalised_query) {
  if (normalised_query.empty()) return true;
  return normalise(name).find(normalised_query) != std::string::npos;
}

bool matches_item(const BaseItem& item, const SearchQuery& query) {
  if (query.department_category && item.department_category != *query.department_category) {
    return false;
  }
  if (query.power_type && item.power_type != *query.power_type) return false;
  if (query.cross_city && item.cross_city_eligible != *query.cross_city) return false;
  if (query.visit_level && item.visit_level != *query.visit_level) return false;
  return contains_keyword(item.name_zh, query.q) || contains_keyword(item.name_en, query.q);
}

Result<SearchQuery> parse_search_query(const QueryParams& params) {
  SearchQuery out;
  std::set<std::string> seen;
  for (const auto& [key, value] : params) {
    if (std::find(std::begin(kParams), std::end(kParams), key) == std::end(kParams)) {
      return fail(invalid(key, "unknown_parameter", key + " is not a search parameter"));
    }
    if (!seen.insert(key).second) {
      return fail(invalid(key, "duplicate_parameter", key + " is given more than once"));
    }
    if (key == "q") {
      const auto n = utf8::length(value);
      if (!n) return fail(invalid(key, "utf8", "q is not valid UTF-8"));
      if (*n > kMaxKeywordChars) {
        return fail(
            invalid(key, "max_length",
                    "q must have at most " + std::to_string(kMaxKeywordChars) + " characters"));
      }
      out.q = normalise(value);
    } else if (key == "city") {
      if (!cities::directory().is_known_city(value)) {
        return fail(invalid(key, "unknown_city", "city " + value + " is not known"));
      }
      out.city = value;
    } else if (key == "department_category") {
      out.department_category = parse_department_category(value);
      if (!out.department_category) {
        return fail(invalid(key, "enum", "department_category " + value + " is not known"));
      }
    } else if (key == "power_type") {
      out.power_type = parse_power_type(value);
      if (!out.power_type) {
        return fail(invalid(key, "enum", "power_type " + value + " is not known"));
      }
    } else if (key == "visit_level") {
      out.visit_level = parse_visit_level(value);
      if (!out.visit_level) {
        return fail(invalid(key, "enum", "visit_level must be one of: zero, once, multiple"));
      }
    } else if (key == "cross_city") {
      if (value == "true") {
        out.cross_city = true;
      } else if (value == "false") {
        out.cross_city = false;
      } else {
        return fail(invalid(key, "boolean", "cross_city must be true or false"));
      }
    } else if (key == "page_size") {
      int n = 0;
      bool ok = !value.empty() && value.size() <= 3;
      for (char c : value) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) n = n * 10 + (c - '0');
      }
      if (!ok || n < 1 || n > kMaxPageSize) {
        return fail(
            invalid(key, "range",
                    "page_size must be an integer between 1 and " + std::to_string(kMaxPageSize)));
      }
      out.page_size = n;
    } else if (key == "cursor") {
      if (value.size() > kMaxCursorBytes) {
        return fail(invalid(key, "max_length", "cursor is too long"));
      }
      for (char c : value) {
        if (c <= ' ' || c > '~') {
          return fail(invalid(key, "cursor_charset", "cursor must be printable ASCII"));
        }
      }
      out.cursor = value;
    }
  }
  return out;
}

}  // namespace tongban::catalog

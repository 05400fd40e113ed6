// The catalog's search model: query parameters read strictly into a SearchQuery, and the
// n-grams of names that a Redis-backed substring index is built from.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/item.hpp"
#include "tongban/core/result.hpp"

namespace tongban::catalog {

inline constexpr std::size_t kMaxKeywordChars = 64;
inline constexpr std::size_t kMaxCursorBytes = 512;
inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

struct SearchQuery {
  std::string q;                    // normalised (see normalise); empty: no keyword
  std::optional<std::string> city;  // known city: items with an implementation there
  std::optional<DepartmentCategory> department_category;
  std::optional<PowerType> power_type;
  std::optional<bool> cross_city;
  std::optional<VisitLevel> visit_level;
  int page_size = kDefaultPageSize;
  std::string cursor;  // opaque to the domain; empty: first page
};

// Decoded query parameters in the order received.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Rules: unknown_parameter, duplicate_parameter, utf8, max_length (q: 64 characters,
// cursor: 512 bytes), unknown_city, enum, boolean (cross_city: true|false), range
// (page_size 1..100), cursor_charset (printable ASCII). Fields name the parameter.
Result<SearchQuery> parse_search_query(const QueryParams& params);

// Lower-cases ASCII, collapses runs of white space (ASCII and U+3000) to one space and
// trims; invalid UTF-8 sequences are dropped. Chinese has no case, so nothing else changes.
std::string normalise(std::string_view text);

// The n-grams a query is looked up by: the character bigrams of normalise(text), or its
// single character when it has only one; distinct, in order of first occurrence.
std::vector<std::string> ngrams(std::string_view text);

// The n-grams a name is indexed under: every character unigram and bigram of
// normalise(text), distinct, in order of first occurrence. A query's ngrams() are always a
// subset of the index_ngrams() of every name that contains it.
std::vector<std::string> index_ngrams(std::string_view text);

// The verification step after the set intersection: `normalised_query` is a substring of
// normalise(name).
bool contains_keyword(std::string_view name, std::string_view normalised_query);

// The filters of `query` that the base item alone decides (keyword over name_zh and
// name_en, department, power type, cross-city eligibility, visit level). The city filter
// needs the implementations and is the service's.
bool matches_item(const BaseItem& item, const SearchQuery& query);

}  // namespace tongban::catalog

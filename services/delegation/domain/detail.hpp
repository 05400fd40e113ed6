// Helpers shared by the delegation domain's .cpp files (not for callers): errors that carry
// a rule, and enum <-> text through one name table per enum.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tongban/core/result.hpp"

namespace tongban::delegation::detail {

inline Error with_rule(Error e, std::string rule, std::string field = {}) {
  e.rule = std::move(rule);
  e.field = std::move(field);
  return e;
}
inline Error conflict(std::string rule, std::string message, std::string field = {}) {
  return with_rule(Error::conflict(std::move(message)), std::move(rule), std::move(field));
}
inline Error forbidden(std::string rule, std::string message, std::string field = {}) {
  return with_rule(Error::forbidden(std::move(message)), std::move(rule), std::move(field));
}

// The names of an enum whose values are 0..N-1, in declaration order.
template <class E, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : std::string_view("?");
}
template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

// "a, b, c" (or `empty` when there is nothing to list).
template <class Range, class Fn>
std::string join(const Range& items, Fn&& name, std::string_view empty = "none") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += name(item);
  }
  return out.empty() ? std::string(empty) : out;
}

// Number of code points of valid UTF-8 text; nullopt when it is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF included).
std::optional<std::size_t> utf8_length(std::string_view text);

// True when `text` has a character other than ASCII white space.
bool has_content(std::string_view text);

// Free text of at most `max_chars` characters: Errc::invalid_argument on `field`, rule `utf8`
// or `max_length`.
Result<void> check_text(const std::string& field, std::string_view text, std::size_t max_chars);

// Refuses a key of `obj` not in `allowed`: Errc::invalid_argument, rule `unknown_key`, the
// field `prefix` + key.
Result<void> check_keys(const boost::json::object& obj,
                        std::initializer_list<std::string_view> allowed,
                        const std::string& prefix = {});

}  // namespace tongban::delegation::detail

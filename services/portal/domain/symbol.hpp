// Interned text for the fold's records. A portal keeps every case it folded, and most of a
// case's text repeats across cases: cities, item codes, department names, actions, agreement
// ids, refusal reasons. Each distinct text is stored once for the life of the process and a
// record holds its 32-bit number (portal_fold_bench: 2.1 KB per case of seven transitions
// with strings, 0.7 KB with pointers to the texts, less again with numbers: a case holds
// about thirty). Texts are never freed: the distinct ones are bounded by cities, items,
// departments and agreements, except refusal reasons, which cost what a string in their case
// did.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace tongban::portal {

class Symbol {
 public:
  Symbol() = default;
  // Interns `text`: takes a lock, meant for folding events and loading records, not for
  // reading them. Implicit, so a record's field can be assigned from any string.
  Symbol(std::string_view text);  // NOLINT(google-explicit-constructor)
  Symbol(const std::string& text) : Symbol(std::string_view(text)) {}  // NOLINT
  Symbol(const char* text) : Symbol(std::string_view(text)) {}         // NOLINT

  // Reading needs no lock: an interned text never moves or changes.
  const std::string& str() const;
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return str(); }    // NOLINT(google-explicit-constructor)
  std::string_view view() const { return str(); }
  bool empty() const { return number_ == 0; }

  // Equal texts are one number; order is the texts' (records merge by comparing content, so
  // the outcome must not depend on which text was interned first).
  friend bool operator==(Symbol a, Symbol b) { return a.number_ == b.number_; }
  friend std::strong_ordering operator<=>(Symbol a, Symbol b) {
    if (a.number_ == b.number_) return std::strong_ordering::equal;
    return a.str().compare(b.str()) <=> 0;
  }
  friend bool operator==(Symbol a, std::string_view b) { return a.view() == b; }
  friend bool operator==(Symbol a, const char* b) { return a.view() == b; }
  friend bool operator==(Symbol a, const std::string& b) { return a.view() == b; }

 private:
  std::uint32_t number_ = 0;  // 0 for "", else the text's place in the pool + 1
};

// Distinct texts interned so far (for tests and the memory figures).
std::size_t interned_symbols();

}  // namespace tongban::portal

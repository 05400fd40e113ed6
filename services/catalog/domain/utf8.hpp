// UTF-8 helpers for catalog text rules and search n-grams: code points, not bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tongban::catalog::utf8 {

// The code points of `text`; nullopt when it is not valid UTF-8 (overlong forms, surrogates
// and truncated sequences included).
std::optional<std::u32string> decode(std::string_view text);
// Appends the UTF-8 encoding of `cp` to `out`.
void append(std::string& out, char32_t cp);
// Number of code points, or nullopt for invalid UTF-8.
std::optional<std::size_t> length(std::string_view text);
// A CJK unified ideograph of the basic block (U+4E00..U+9FFF), as validate.py checks.
bool is_cjk(char32_t cp);

}  // namespace tongban::catalog::utf8

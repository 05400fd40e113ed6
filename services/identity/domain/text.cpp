#include "domain/text.hpp"

#include <algorithm>
#include <cstdint>

namespace tongban::identity {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Decodes one code point at `i`, advancing it; nullopt on an ill-formed sequence.
std::optional<std::uint32_t> decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 1, cp = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2, cp = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + n >= s.size()) return std::nullopt;  // truncated sequence
  for (std::size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += n + 1;
  return cp;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (!decode(text, i)) return std::nullopt;
    ++count;
  }
  return count;
}

bool has_control_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto cp = decode(text, i);
    if (!cp) return true;  // ill-formed input is never "clean"
    if (*cp < 0x20 || (*cp >= 0x7F && *cp <= 0x9F)) return true;
  }
  return false;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), upper);
  return out;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  if (needle.empty()) return false;
  return ascii_lower(haystack).find(ascii_lower(needle)) != std::string::npos;
}

}  // namespace tongban::identity

#include "domain/detail.hpp"

#include <algorithm>
#include <cstdint>

namespace tongban::delegation::detail {

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      len = 1;
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2;
      cp = b & 0x1Fu;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3;
      cp = b & 0x0Fu;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4;
      cp = b & 0x07u;
    } else {
      return std::nullopt;
    }
    if (i + len > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    // The shortest form only, no surrogates, nothing past U+10FFFF.
    static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return std::nullopt;
    }
    i += len;
    ++count;
  }
  return count;
}

bool has_content(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") != std::string_view::npos;
}

Result<void> check_text(const std::string& field, std::string_view text, std::size_t max_chars) {
  const auto length = utf8_length(text);
  if (!length) return fail(Error::invalid(field, "utf8", field + " is not valid UTF-8"));
  if (*length > max_chars) {
    return fail(
        Error::invalid(field, "max_length",
                       field + " must have at most " + std::to_string(max_chars) + " characters"));
  }
  return {};
}

Result<void> check_keys(const boost::json::object& obj,
                        std::initializer_list<std::string_view> allowed,
                        const std::string& prefix) {
  for (const auto& kv : obj) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      const std::string key(kv.key());
      return fail(Error::invalid(prefix + key, "unknown_key", "unknown key '" + key + "'"));
    }
  }
  return {};
}

}  // namespace tongban::delegation::detail

// Small text checks shared by the domain rules: UTF-8 length, control characters,
// ASCII case folding.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tongban::identity {

// Number of Unicode code points in `text`, or nullopt when it is not well-formed UTF-8
// (overlong forms, surrogates and values above U+10FFFF are ill-formed).
std::optional<std::size_t> utf8_length(std::string_view text);

// True when `text` holds a C0 control (U+0000–U+001F), DEL (U+007F) or a C1 control
// (U+0080–U+009F). Expects well-formed UTF-8.
bool has_control_characters(std::string_view text);

std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);

// ASCII case-insensitive substring test; an empty needle is never contained.
bool contains_ignoring_case(std::string_view haystack, std::string_view needle);

}  // namespace tongban::identity

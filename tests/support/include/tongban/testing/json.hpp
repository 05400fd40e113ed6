// Reading what services and tools answer in tests: a JSON object from text, a string member
// of one, a whole file.
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <string_view>

namespace tongban::testing {

// The object `text` holds; empty when it is not JSON or not an object.
boost::json::object parse_object(std::string_view text);

// The string member `key` of `o`; "" when it is missing or not a string.
std::string str(const boost::json::object& o, std::string_view key);

// The whole file; "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace tongban::testing

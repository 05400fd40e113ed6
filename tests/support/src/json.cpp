#include "tongban/testing/json.hpp"

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

namespace tongban::testing {

namespace json = boost::json;

json::object parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec || !v.is_object() ? json::object{} : std::move(v.as_object());
}

std::string str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tongban::testing

#include "tongban/core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

namespace tongban::json {
namespace {

std::string_view kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "integer";
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "value";
}

Error type_error(const std::string& field, std::string_view want, const boost::json::value& got) {
  return Error::invalid(
      field, "type",
      field + " must be " + std::string(want) + ", got " + std::string(kind_name(got)));
}

// Boost.JSON 1.81 reads a number past a double's range (1e400) as infinity and writes it back
// as `Infinity`, which is not JSON: whoever stored or forwarded it would emit a document no
// reader accepts. Finds the first such number and names where it is ("items[2].amount").
void prepend(std::string& path, std::string head) {
  if (!path.empty() && path.front() != '[') head += '.';
  path.insert(0, head);
}

bool find_infinite(const boost::json::value& v, std::string& path) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(v.get_double());
    case boost::json::kind::array: {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (find_infinite(a[i], path)) {
          prepend(path, "[" + std::to_string(i) + "]");
          return true;
        }
      }
      return false;
    }
    case boost::json::kind::object:
      for (const auto& [key, value] : v.get_object()) {
        if (find_infinite(value, path)) {
          prepend(path, std::string(key));
          return true;
        }
      }
      return false;
    default:
      return false;
  }
}

}  // namespace

Result<boost::json::value> parse(std::string_view text) { return parse(text, {}); }

Result<boost::json::value> parse(std::string_view text, boost::json::storage_ptr storage) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  auto v = boost::json::parse(text, ec, std::move(storage), opts);
  if (ec) {
    return fail(Error{Errc::malformed, "request body is not valid JSON: " + ec.message(), "body",
                      "json_syntax", false});
  }
  if (std::string path; find_infinite(v, path)) {
    if (path.empty()) path = "body";
    return fail(Error{Errc::malformed,
                      path + " is a number outside the range of a double (about ±1.8e308)", path,
                      "number_range", false});
  }
  return v;
}

Result<boost::json::object> parse_object(std::string_view text) {
  auto v = parse(text);
  if (!v) return fail(std::move(v.error()));
  if (!v->is_object()) {
    return fail(
        Error{Errc::malformed, "request body must be a JSON object", "body", "type", false});
  }
  return std::move(v->as_object());
}

std::string serialize(const boost::json::value& v) { return boost::json::serialize(v); }

std::string Reader::field_name(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

const boost::json::value* Reader::find(std::string_view key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

Result<std::string> Reader::string(std::string_view key, std::size_t min_len,
                                   std::size_t max_len) const {
  auto got = optional_string(key, max_len);
  if (!got) return fail(std::move(got.error()));
  const auto name = field_name(key);
  if (!*got) return fail(Error::invalid(name, "required", name + " is required"));
  if ((*got)->size() < min_len) {
    return fail(
        Error::invalid(name, "min_length",
                       name + " must have at least " + std::to_string(min_len) + " characters"));
  }
  return std::move(**got);
}

Result<std::optional<std::string>> Reader::optional_string(std::string_view key,
                                                           std::size_t max_len) const {
  const auto* v = find(key);
  if (!v) return std::optional<std::string>{};
  const auto name = field_name(key);
  if (!v->is_string()) return fail(type_error(name, "a string", *v));
  const auto& s = v->get_string();
  if (s.size() > max_len) {
    return fail(
        Error::invalid(name, "max_length",
                       name + " must have at most " + std::to_string(max_len) + " characters"));
  }
  return std::optional<std::string>(std::string(s));
}

Result<std::int64_t> Reader::integer(std::string_view key, std::int64_t min,
                                     std::int64_t max) const {
  auto got = optional_integer(key, min, max);
  if (!got) return fail(std::move(got.error()));
  const auto name = field_name(key);
  if (!*got) return fail(Error::invalid(name, "required", name + " is required"));
  return **got;
}

Result<std::optional<std::int64_t>> Reader::optional_integer(std::string_view key, std::int64_t min,
                                                             std::int64_t max) const {
  const auto* v = find(key);
  if (!v) return std::optional<std::int64_t>{};
  const auto name = field_name(key);
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else {
    return fail(type_error(name, "an integer", *v));
  }
  if (n < min || n > max) {
    return fail(Error::invalid(
        name, "range",
        name + " must be between " + std::to_string(min) + " and " + std::to_string(max)));
  }
  return std::optional<std::int64_t>(n);
}

Result<bool> Reader::boolean(std::string_view key) const {
  auto got = optional_boolean(key);
  if (!got) return fail(std::move(got.error()));
  const auto name = field_name(key);
  if (!*got) return fail(Error::invalid(name, "required", name + " is required"));
  return **got;
}

Result<std::optional<bool>> Reader::optional_boolean(std::string_view key) const {
  const auto* v = find(key);
  if (!v) return std::optional<bool>{};
  if (!v->is_bool()) return fail(type_error(field_name(key), "a boolean", *v));
  return std::optional<bool>(v->get_bool());
}

Result<const boost::json::object*> Reader::object(std::string_view key) const {
  const auto* v = find(key);
  const auto name = field_name(key);
  if (!v) return fail(Error::invalid(name, "required", name + " is required"));
  if (!v->is_object()) return fail(type_error(name, "an object", *v));
  return &v->get_object();
}

Result<const boost::json::array*> Reader::array(std::string_view key, std::size_t min_items,
                                                std::size_t max_items) const {
  const auto* v = find(key);
  const auto name = field_name(key);
  if (!v) {
    if (min_items == 0) {
      static const boost::json::array kEmpty;
      return &kEmpty;
    }
    return fail(Error::invalid(name, "required", name + " is required"));
  }
  if (!v->is_array()) return fail(type_error(name, "an array", *v));
  const auto& a = v->get_array();
  if (a.size() < min_items) {
    return fail(Error::invalid(
        name, "min_items", name + " must have at least " + std::to_string(min_items) + " items"));
  }
  if (a.size() > max_items) {
    return fail(Error::invalid(
        name, "max_items", name + " must have at most " + std::to_string(max_items) + " items"));
  }
  return &a;
}

Result<std::string> Reader::one_of(std::string_view key,
                                   std::initializer_list<std::string_view> allowed) const {
  auto s = string(key);
  if (!s) return s;
  for (auto a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (auto a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  const auto name = field_name(key);
  return fail(Error::invalid(name, "enum", name + " must be one of: " + list));
}

}  // namespace tongban::json

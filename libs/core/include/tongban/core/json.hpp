// Reading JSON request bodies with errors that name the field and the rule broken.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::json {

// Parses `text` as one JSON value; a syntax error becomes Errc::malformed naming the
// position and the parser's reason.
Result<boost::json::value> parse(std::string_view text);
// Same, with the document's memory from `storage` (an arena for a document read once and
// dropped: one allocation instead of one per string, object and array).
Result<boost::json::value> parse(std::string_view text, boost::json::storage_ptr storage);
// Parses and requires an object at the top.
Result<boost::json::object> parse_object(std::string_view text);

std::string serialize(const boost::json::value& v);

// Typed access to the fields of an object. `path` prefixes field names in errors
// (e.g. "materials[2]") so nested documents report where the fault is.
class Reader {
 public:
  explicit Reader(const boost::json::object& obj, std::string path = {})
      : obj_(obj), path_(std::move(path)) {}

  Result<std::string> string(std::string_view key, std::size_t min_len = 1,
                             std::size_t max_len = 4096) const;
  Result<std::optional<std::string>> optional_string(std::string_view key,
                                                     std::size_t max_len = 4096) const;
  Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  Result<std::optional<std::int64_t>> optional_integer(std::string_view key, std::int64_t min,
                                                       std::int64_t max) const;
  Result<bool> boolean(std::string_view key) const;
  Result<std::optional<bool>> optional_boolean(std::string_view key) const;
  Result<const boost::json::object*> object(std::string_view key) const;
  Result<const boost::json::array*> array(std::string_view key, std::size_t min_items = 0,
                                          std::size_t max_items = 10000) const;
  // One of `allowed`, e.g. {"RECEIPT", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}.
  Result<std::string> one_of(std::string_view key,
                             std::initializer_list<std::string_view> allowed) const;

  std::string field_name(std::string_view key) const;
  const boost::json::object& object_ref() const { return obj_; }

 private:
  const boost::json::value* find(std::string_view key) const;
  const boost::json::object& obj_;
  std::string path_;
};

}  // namespace tongban::json

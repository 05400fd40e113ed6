// A Redis reply as a plain value, converted from hiredis's redisReply at once so no raw
// reply outlives the callback that received it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tongban::store {

class Reply {
 public:
  enum class Kind { nil, integer, string, status, error, array };

  Reply() = default;  // nil
  static Reply nil() { return Reply(); }
  static Reply integer(long long value);
  static Reply string(std::string value);
  static Reply status(std::string value);
  static Reply error(std::string message);
  static Reply array(std::vector<Reply> elements);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::nil; }
  bool is_integer() const { return kind_ == Kind::integer; }
  bool is_string() const { return kind_ == Kind::string; }
  bool is_status() const { return kind_ == Kind::status; }
  bool is_error() const { return kind_ == Kind::error; }
  bool is_array() const { return kind_ == Kind::array; }

  // The bytes of a string, status or error reply ("" for the other kinds).
  const std::string& str() const { return str_; }
  // The value of an integer reply (0 for the other kinds).
  long long integer() const { return integer_; }
  // The elements of an array reply (empty for the other kinds).
  const std::vector<Reply>& array() const { return array_; }

  // True for a status reply equal to `text`, e.g. reply.is_status("OK").
  bool is_status(std::string_view text) const { return is_status() && str_ == text; }
  // For logs and test failure messages: RESP-like, strings quoted, long ones cut.
  std::string debug_string() const;

  friend bool operator==(const Reply&, const Reply&) = default;

 private:
  Kind kind_ = Kind::nil;
  long long integer_ = 0;
  std::string str_;
  std::vector<Reply> array_;
};

std::string_view to_string(Reply::Kind kind);

}  // namespace tongban::store

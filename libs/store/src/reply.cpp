#include "tongban/store/reply.hpp"

#include <utility>

#include "hiredis_reply.hpp"

namespace tongban::store {

Reply Reply::integer(long long value) {
  Reply r;
  r.kind_ = Kind::integer;
  r.integer_ = value;
  return r;
}

Reply Reply::string(std::string value) {
  Reply r;
  r.kind_ = Kind::string;
  r.str_ = std::move(value);
  return r;
}

Reply Reply::status(std::string value) {
  Reply r;
  r.kind_ = Kind::status;
  r.str_ = std::move(value);
  return r;
}

Reply Reply::error(std::string message) {
  Reply r;
  r.kind_ = Kind::error;
  r.str_ = std::move(message);
  return r;
}

Reply Reply::array(std::vector<Reply> elements) {
  Reply r;
  r.kind_ = Kind::array;
  r.array_ = std::move(elements);
  return r;
}

std::string_view to_string(Reply::Kind kind) {
  switch (kind) {
    case Reply::Kind::nil:
      return "nil";
    case Reply::Kind::integer:
      return "integer";
    case Reply::Kind::string:
      return "string";
    case Reply::Kind::status:
      return "status";
    case Reply::Kind::error:
      return "error";
    case Reply::Kind::array:
      return "array";
  }
  return "unknown";
}

std::string Reply::debug_string() const {
  constexpr std::size_t kMaxShown = 200;
  switch (kind_) {
    case Kind::nil:
      return "(nil)";
    case Kind::integer:
      return "(integer) " + std::to_string(integer_);
    case Kind::status:
      return str_;
    case Kind::error:
      return "(error) " + str_;
    case Kind::string:
      if (str_.size() > kMaxShown) {
        return "\"" + str_.substr(0, kMaxShown) + "...\" (" + std::to_string(str_.size()) +
               " bytes)";
      }
      return "\"" + str_ + "\"";
    case Kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < array_.size(); ++i) {
        if (i > 0) out += ", ";
        out += array_[i].debug_string();
      }
      return out + "]";
    }
  }
  return "?";
}

namespace detail {

Reply to_reply(const redisReply* reply) {
  if (reply == nullptr) return Reply::nil();
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      return Reply::string(std::string(reply->str, reply->len));
    case REDIS_REPLY_STATUS:
      return Reply::status(std::string(reply->str, reply->len));
    case REDIS_REPLY_ERROR:
      return Reply::error(std::string(reply->str, reply->len));
    case REDIS_REPLY_INTEGER:
      return Reply::integer(reply->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) {
        elements.push_back(to_reply(reply->element[i]));
      }
      return Reply::array(std::move(elements));
    }
    case REDIS_REPLY_NIL:
    default:
      return Reply::nil();
  }
}

}  // namespace detail
}  // namespace tongban::store

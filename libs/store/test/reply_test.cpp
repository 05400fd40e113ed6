#include "tongban/store/reply.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "hiredis_reply.hpp"

namespace tongban::store {
namespace {

redisReply make(int type) {
  redisReply r;
  std::memset(&r, 0, sizeof r);
  r.type = type;
  return r;
}

TEST(Reply, a_null_reply_pointer_converts_to_nil) {
  EXPECT_TRUE(detail::to_reply(nullptr).is_nil());
}

TEST(Reply, strings_keep_embedded_zero_bytes) {
  char bytes[] = {'a', '\0', 'b'};
  redisReply r = make(REDIS_REPLY_STRING);
  r.str = bytes;
  r.len = sizeof bytes;
  Reply out = detail::to_reply(&r);
  ASSERT_TRUE(out.is_string());
  EXPECT_EQ(out.str(), std::string("a\0b", 3));
}

TEST(Reply, status_error_integer_and_nil_keep_their_kind) {
  char ok[] = "OK";
  redisReply status = make(REDIS_REPLY_STATUS);
  status.str = ok;
  status.len = 2;
  EXPECT_TRUE(detail::to_reply(&status).is_status("OK"));

  char msg[] = "WRONGTYPE Operation against a key";
  redisReply error = make(REDIS_REPLY_ERROR);
  error.str = msg;
  error.len = std::strlen(msg);
  Reply e = detail::to_reply(&error);
  EXPECT_TRUE(e.is_error());
  EXPECT_EQ(e.str(), msg);

  redisReply integer = make(REDIS_REPLY_INTEGER);
  integer.integer = -42;
  EXPECT_EQ(detail::to_reply(&integer), Reply::integer(-42));

  redisReply nil = make(REDIS_REPLY_NIL);
  EXPECT_TRUE(detail::to_reply(&nil).is_nil());
}

TEST(Reply, nested_arrays_are_copied_deeply) {
  char v[] = "v";
  redisReply leaf = make(REDIS_REPLY_STRING);
  leaf.str = v;
  leaf.len = 1;
  redisReply nil = make(REDIS_REPLY_NIL);
  redisReply* inner_elems[] = {&leaf, &nil};
  redisReply inner = make(REDIS_REPLY_ARRAY);
  inner.elements = 2;
  inner.element = inner_elems;
  redisReply num = make(REDIS_REPLY_INTEGER);
  num.integer = 7;
  redisReply* outer_elems[] = {&num, &inner};
  redisReply outer = make(REDIS_REPLY_ARRAY);
  outer.elements = 2;
  outer.element = outer_elems;

  Reply out = detail::to_reply(&outer);
  EXPECT_EQ(out, Reply::array({Reply::integer(7), Reply::array({Reply::string("v"), Reply()})}));
  EXPECT_EQ(out.debug_string(), "[(integer) 7, [\"v\", (nil)]]");
}

TEST(Reply, accessors_of_the_wrong_kind_return_empty_values) {
  Reply i = Reply::integer(3);
  EXPECT_EQ(i.str(), "");
  EXPECT_TRUE(i.array().empty());
  EXPECT_EQ(Reply::string("x").integer(), 0);
  EXPECT_FALSE(Reply::string("OK").is_status("OK"));
}

}  // namespace
}  // namespace tongban::store

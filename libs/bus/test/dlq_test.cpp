#include "tongban/bus/dlq.hpp"

#include <gtest/gtest.h>

namespace tongban::bus {
namespace {

TEST(DeadLetterReplay, restores_original_topic_key_value_and_headers) {
  DeadLetter d;
  d.topic = "tongban.delegation.cases.v1.dlq";
  d.offset = 4;
  d.key = "case-1";
  d.value = "{}";
  d.original_topic = "tongban.delegation.cases.v1";
  d.headers = {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
               {std::string(kDlqReason), "boom"},
               {std::string(kDlqOriginalTopic), "tongban.delegation.cases.v1"},
               {std::string(kDlqAttempts), "5"},
               {"x-tenant", "a"}};
  auto m = replay_message(d);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->topic, "tongban.delegation.cases.v1");
  EXPECT_EQ(m->key, "case-1");
  EXPECT_EQ(m->value, "{}");
  const Headers want = {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                        {"x-tenant", "a"}};
  EXPECT_EQ(m->headers, want);
}

TEST(DeadLetterReplay, refuses_a_letter_without_its_original_topic) {
  DeadLetter d;
  auto m = replay_message(d);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().field, kDlqOriginalTopic);
}

}  // namespace
}  // namespace tongban::bus

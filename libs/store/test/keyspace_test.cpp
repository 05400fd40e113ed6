#include "tongban/store/keyspace.hpp"

#include <gtest/gtest.h>

#include "tongban/store/outbox_message.hpp"

namespace tongban::store {
namespace {

TEST(Keyspace, keys_are_prefixed_with_tb_and_the_service) {
  Keyspace ks("identity");
  EXPECT_EQ(ks.prefix(), "tb:identity");
  EXPECT_EQ(ks.key("subject", std::string("42")), "tb:identity:subject:42");
  EXPECT_EQ(ks.key("a", "b", "c"), "tb:identity:a:b:c");
}

TEST(Keyspace, the_outbox_of_a_service_is_its_own_stream) {
  EXPECT_EQ(Keyspace("delegation").outbox(), "tb:delegation:outbox");
  EXPECT_EQ(outbox_key("delegation"), "tb:delegation:outbox");
}

TEST(Outbox, xadd_carries_topic_key_event_and_traceparent_when_present) {
  OutboxMessage m{"tongban.x.case.v1", "case-1", "{\"id\":\"e1\"}", ""};
  EXPECT_EQ(outbox_xadd("tb:x:outbox", m),
            (Command{"XADD", "tb:x:outbox", "*", "topic", "tongban.x.case.v1", "key", "case-1",
                     "event", "{\"id\":\"e1\"}"}));
  m.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto cmd = outbox_xadd("tb:x:outbox", m);
  ASSERT_EQ(cmd.size(), 11u);
  EXPECT_EQ(cmd[9], "traceparent");
  EXPECT_EQ(cmd[10], m.traceparent);
}

}  // namespace
}  // namespace tongban::store

#include "tongban/core/trace.hpp"

#include <gtest/gtest.h>

namespace tongban {
namespace {

TEST(TraceContext, parses_a_valid_header_and_round_trips) {
  const std::string h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto t = TraceContext::parse(h);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->header(), h);
}

TEST(TraceContext, rejects_invalid_headers) {
  EXPECT_FALSE(TraceContext::parse(""));
  EXPECT_FALSE(TraceContext::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  EXPECT_FALSE(TraceContext::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
}

TEST(TraceContext, child_keeps_the_trace_and_changes_the_span) {
  auto root = TraceContext::start();
  auto child = root.child();
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_NE(child.parent_id, root.parent_id);
  EXPECT_TRUE(TraceContext::parse(child.header()));
}

}  // namespace
}  // namespace tongban

#include "tongban/store/transaction.hpp"

#include <gtest/gtest.h>

namespace tongban::store {
namespace {

const Reply kOk = Reply::status("OK");
const Reply kQueued = Reply::status("QUEUED");

TEST(Transaction, exec_replies_are_the_replies_of_the_commands) {
  auto r = transaction_result(
      {kOk, kQueued, kQueued, Reply::array({Reply::integer(1), Reply::string("1-0")})});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].str(), "1-0");
}

TEST(Transaction, a_nil_exec_means_a_watched_key_changed_and_is_a_retryable_conflict) {
  auto r = transaction_result({kOk, kQueued, Reply()});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_TRUE(r.error().retryable);
}

TEST(Transaction, a_command_rejected_while_queueing_aborts_the_whole_transaction) {
  auto r = transaction_result(
      {kOk, kQueued, Reply::error("ERR wrong number of arguments"), Reply::error("EXECABORT")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::internal);
  EXPECT_NE(r.error().message.find("nothing applied"), std::string::npos);
}

TEST(Transaction, a_runtime_error_inside_exec_is_reported_as_a_broken_invariant) {
  auto r = transaction_result(
      {kOk, kQueued, kQueued, Reply::array({Reply::integer(1), Reply::error("WRONGTYPE x")})});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::internal);
  EXPECT_NE(r.error().message.find("command 2"), std::string::npos);
}

TEST(Transaction, add_outbox_appends_an_xadd) {
  Transaction tx;
  tx.add({"HSET", "tb:x:case:1", "state", "new"})
      .add_outbox("tb:x:outbox", {"tongban.x.case.v1", "1", "{}", ""});
  ASSERT_EQ(tx.size(), 2u);
  EXPECT_EQ(tx.commands()[1][0], "XADD");
}

}  // namespace
}  // namespace tongban::store

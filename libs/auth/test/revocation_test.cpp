#include <thread>

#include "support.hpp"
#include "tongban/auth/claims.hpp"

namespace tongban::auth {
namespace {

using namespace std::chrono_literals;

Claims claims_of(std::string sub, std::string jti, Clock::time_point iat) {
  Claims c;
  c.sub = std::move(sub);
  c.jti = std::move(jti);
  c.iat = test::secs(iat);
  c.exp = c.iat + 900;
  return c;
}

TEST(RevocationList, a_revoked_jti_is_revoked_and_others_are_not) {
  RevocationList list;
  const auto t = test::kStart;
  EXPECT_FALSE(list.is_revoked(claims_of("u1", "a", t)));
  list.revoke_token("a", t + 900s);
  EXPECT_TRUE(list.is_token_revoked("a"));
  EXPECT_TRUE(list.is_revoked(claims_of("u1", "a", t)));
  EXPECT_FALSE(list.is_revoked(claims_of("u1", "b", t)));
  EXPECT_FALSE(list.is_token_revoked(""));
}

TEST(RevocationList, a_subject_cut_revokes_tokens_issued_up_to_it) {
  RevocationList list;
  const auto t = test::kStart;
  list.revoke_subject_before("u1", t);
  EXPECT_TRUE(list.is_revoked(claims_of("u1", "a", t - 60s)));
  EXPECT_TRUE(list.is_revoked(claims_of("u1", "b", t)));  // same second: fail closed
  EXPECT_FALSE(list.is_revoked(claims_of("u1", "c", t + 1s)));
  EXPECT_FALSE(list.is_revoked(claims_of("u2", "d", t - 60s)));
}

TEST(RevocationList, an_earlier_cut_does_not_undo_a_later_one) {
  RevocationList list;
  const auto t = test::kStart;
  list.revoke_subject_before("u1", t);
  list.revoke_subject_before("u1", t - 1h);  // a late, reordered event
  EXPECT_TRUE(list.is_revoked(claims_of("u1", "a", t - 60s)));
  EXPECT_EQ(list.size(), 1u);
}

TEST(RevocationList, purge_drops_entries_no_token_can_need) {
  RevocationList list;
  const auto t = test::kStart;
  list.revoke_token("a", t + 900s);
  list.revoke_subject_before("u1", t + 10min);
  EXPECT_EQ(list.purge(t + 900s, 15min), 0u);  // kept through the slack after exp
  EXPECT_EQ(list.purge(t + 900s + 6min, 15min), 1u);
  EXPECT_FALSE(list.is_token_revoked("a"));
  EXPECT_TRUE(list.is_revoked(claims_of("u1", "x", t)));
  // Tokens issued up to the cut expire 15 min after it; the entry goes 5 min later.
  EXPECT_EQ(list.purge(t + 10min + 15min + 4min, 15min), 0u);
  EXPECT_EQ(list.purge(t + 10min + 15min + 6min, 15min), 1u);
  EXPECT_EQ(list.size(), 0u);
}

TEST(RevocationList, tolerates_concurrent_writers_and_readers) {
  RevocationList list;
  const auto t = test::kStart;
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 2000; ++i) {
        list.revoke_token("w" + std::to_string(w) + "-" + std::to_string(i), t + 900s);
        list.revoke_subject_before("s" + std::to_string(i % 50), t);
        (void)list.is_revoked(claims_of("s" + std::to_string(i % 70), "x", t));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(list.size(), 4u * 2000u + 50u);
  EXPECT_TRUE(list.is_token_revoked("w3-1999"));
}

}  // namespace
}  // namespace tongban::auth

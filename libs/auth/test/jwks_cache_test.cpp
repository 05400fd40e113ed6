#include <thread>

#include "support.hpp"

namespace tongban::auth {
namespace {

using namespace std::chrono_literals;
using test::outcome;
using test::staff_claims;

class JwksCacheTest : public ::testing::Test {
 protected:
  Signer old_key = test::make_signer(Alg::ES256, "2026-10");
  Signer new_key = test::make_signer(Alg::ES256, "2026-11");
  test::Stack s{test::jwks_of({&old_key})};

  std::string verify(const std::string& token) { return outcome(s.verifier.verify(token)); }
  std::string token_by(const Signer& k, std::string jti = "j") {
    return *k.sign(staff_claims(s.clock.now(), std::move(jti)));
  }
};

TEST_F(JwksCacheTest, an_unknown_kid_asks_for_one_refresh_then_fails) {
  ASSERT_EQ(s.fetches, 1);  // the start-up fetch
  s.clock.advance(10s);
  auto stranger = test::make_signer(Alg::ES256, "nobody-knows");
  EXPECT_EQ(verify(token_by(stranger)), "unknown_kid");
  EXPECT_EQ(s.fetches, 2);
}

TEST_F(JwksCacheTest, no_refresh_within_the_interval_of_the_last_fetch) {
  s.clock.advance(9s);
  auto stranger = test::make_signer(Alg::ES256, "nobody-knows");
  EXPECT_EQ(verify(token_by(stranger)), "unknown_kid");
  EXPECT_EQ(s.fetches, 1);
}

TEST_F(JwksCacheTest, unknown_kid_refreshes_are_rate_limited) {
  auto stranger = test::make_signer(Alg::ES256, "nobody-knows");
  s.clock.advance(1min);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(verify(token_by(stranger, std::to_string(i))), "unknown_kid");
  EXPECT_EQ(s.fetches, 2);  // one refresh for twenty tokens
  s.clock.advance(9s);
  EXPECT_EQ(verify(token_by(stranger)), "unknown_kid");
  EXPECT_EQ(s.fetches, 2);
  s.clock.advance(1s);
  EXPECT_EQ(verify(token_by(stranger)), "unknown_kid");
  EXPECT_EQ(s.fetches, 3);
}

TEST_F(JwksCacheTest, concurrent_unknown_kids_share_one_fetch) {
  s.clock.advance(1min);
  auto stranger = test::make_signer(Alg::ES256, "nobody-knows");
  auto token = token_by(stranger);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { EXPECT_FALSE(s.verifier.verify(token)); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(s.fetches, 2);
}

TEST_F(JwksCacheTest, a_new_kid_triggers_a_refresh_and_old_keys_keep_verifying) {
  auto old_token = token_by(old_key);
  ASSERT_EQ(verify(old_token), "ok");
  // identity rotates: publishes the new key next to the old one, signs with the new one.
  s.clock.advance(30s);
  s.document = test::jwks_of({&old_key, &new_key});
  EXPECT_EQ(verify(token_by(new_key)), "ok");
  EXPECT_EQ(s.fetches, 2);
  EXPECT_EQ(verify(old_token), "ok");
  EXPECT_EQ(s.keys.current()->keys.size(), 2u);
}

TEST_F(JwksCacheTest, a_key_removed_from_the_jwks_stops_verifying_even_cached_tokens) {
  auto old_token = token_by(old_key);
  ASSERT_EQ(verify(old_token), "ok");
  ASSERT_EQ(s.verifier.cache_size(), 1u);
  s.document = test::jwks_of({&new_key});
  ASSERT_TRUE(s.keys.refresh());
  EXPECT_EQ(verify(old_token), "unknown_kid");
  EXPECT_EQ(verify(token_by(new_key)), "ok");
}

TEST_F(JwksCacheTest, a_failed_fetch_keeps_the_old_keys) {
  auto token = token_by(old_key);
  const auto version = s.keys.version();
  s.fetch_fails = true;
  auto r = s.keys.refresh();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_EQ(s.keys.version(), version);
  EXPECT_EQ(verify(token), "ok");
  EXPECT_EQ(s.keys.fetch_failures(), 1u);
}

TEST_F(JwksCacheTest, a_broken_or_empty_document_keeps_the_old_keys) {
  auto token = token_by(old_key);
  for (const char* doc : {"<html>502 Bad Gateway</html>", R"({"keys":[]})",
                          R"({"keys":[{"kty":"oct","kid":"x","k":"AAAA"}]})"}) {
    s.document = doc;
    EXPECT_FALSE(s.keys.refresh()) << doc;
    EXPECT_EQ(verify(token), "ok") << doc;
  }
}

TEST_F(JwksCacheTest, the_version_moves_only_when_the_keys_change) {
  const auto v1 = s.keys.version();
  ASSERT_TRUE(s.keys.refresh());
  EXPECT_EQ(s.keys.version(), v1);
  s.document = test::jwks_of({&old_key, &new_key});
  ASSERT_TRUE(s.keys.refresh());
  EXPECT_EQ(s.keys.version(), v1 + 1);
}

TEST_F(JwksCacheTest, keys_arrive_after_a_failed_first_fetch) {
  // A service that starts while identity is down verifies as soon as identity is back.
  test::Stack late{""};  // the start-up fetch fails: empty document
  late.document = test::jwks_of({&old_key});
  late.clock.advance(10s);
  EXPECT_EQ(outcome(late.verifier.verify(*old_key.sign(staff_claims(late.clock.now())))), "ok");
}

}  // namespace
}  // namespace tongban::auth

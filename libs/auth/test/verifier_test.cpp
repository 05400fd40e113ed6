#include "support.hpp"

namespace tongban::auth {
namespace {

using namespace std::chrono_literals;
using test::outcome;
using test::Stack;
using test::staff_claims;

class VerifierByAlg : public ::testing::TestWithParam<Alg> {};

TEST_P(VerifierByAlg, accepts_a_valid_token_and_reads_its_claims) {
  auto signer = test::make_signer(GetParam(), "k-" + std::string(to_string(GetParam())));
  Stack s(test::jwks_of({&signer}));
  auto token = signer.sign(staff_claims(s.clock.now()));
  ASSERT_TRUE(token);
  auto p = s.verifier.verify(*token);
  ASSERT_TRUE(p) << p.error().rule << ": " << p.error().message;
  EXPECT_EQ(p->subject(), "staff-0001");
  EXPECT_EQ(p->subject_type(), SubjectType::staff);
  EXPECT_EQ(p->claims().roles, (std::vector<std::string>{"clerk", "examiner"}));
  EXPECT_EQ(p->claims().scopes, (std::vector<std::string>{"cases:read", "cases:write"}));
  EXPECT_EQ(p->claims().city, "440300");
  EXPECT_EQ(p->claims().department, "shenzhen-gov-service-center");
  EXPECT_EQ(p->claims().assurance_level, 2);
  EXPECT_EQ(p->claims().jti, "jti-1");
  EXPECT_EQ(p->claims().exp, test::secs(test::kStart) + 900);
  EXPECT_EQ(p->claims().kid, signer.kid());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, VerifierByAlg,
                         ::testing::Values(Alg::ES256, Alg::EdDSA, Alg::RS256),
                         [](const auto& p) { return std::string(to_string(p.param)); });

class VerifierTest : public ::testing::Test {
 protected:
  Signer signer = test::make_signer(Alg::ES256, "k1");
  Stack s{test::jwks_of({&signer})};

  std::string sign(const boost::json::object& claims) { return *signer.sign(claims); }
  std::string verify(const std::string& token) { return outcome(s.verifier.verify(token)); }
};

TEST_F(VerifierTest, rejects_an_expired_token_after_the_leeway) {
  auto token = sign(staff_claims(s.clock.now()));
  s.clock.advance(900s + 29s);
  EXPECT_EQ(verify(token), "ok");  // 29 s past exp: inside the 30 s leeway
  auto fresh = sign(staff_claims(s.clock.now() - 900s - 31s));
  EXPECT_EQ(verify(fresh), "token_expired");
}

TEST_F(VerifierTest, rejects_a_token_that_is_not_valid_yet) {
  auto claims = staff_claims(s.clock.now());
  claims["nbf"] = test::secs(s.clock.now()) + 120;
  EXPECT_EQ(verify(sign(claims)), "token_not_yet_valid");
  claims["nbf"] = test::secs(s.clock.now()) + 20;  // clock skew inside the leeway
  EXPECT_EQ(verify(sign(claims)), "ok");
}

TEST_F(VerifierTest, rejects_a_token_issued_in_the_future) {
  auto claims = staff_claims(s.clock.now() + 10min);
  EXPECT_EQ(verify(sign(claims)), "token_not_yet_valid");
  claims.erase("nbf");
  EXPECT_EQ(verify(sign(claims)), "token_issued_in_future");
}

TEST_F(VerifierTest, requires_exp_iat_sub_and_subject_type) {
  for (const char* name : {"exp", "iat", "sub", "sub_type"}) {
    auto claims = staff_claims(s.clock.now());
    claims.erase(name);
    EXPECT_EQ(verify(sign(claims)), "missing_claim") << name;
  }
  auto claims = staff_claims(s.clock.now());
  claims["exp"] = "tomorrow";
  EXPECT_EQ(verify(sign(claims)), "invalid_claim");
}

TEST_F(VerifierTest, rejects_another_issuer) {
  auto claims = staff_claims(s.clock.now());
  claims["iss"] = "https://evil.example";
  EXPECT_EQ(verify(sign(claims)), "wrong_issuer");
  claims.erase("iss");
  EXPECT_EQ(verify(sign(claims)), "wrong_issuer");
}

TEST_F(VerifierTest, rejects_a_token_for_another_audience) {
  auto claims = staff_claims(s.clock.now());
  claims["aud"] = "portal";
  EXPECT_EQ(verify(sign(claims)), "wrong_audience");
  claims["aud"] = "delegation";  // a single string is an audience too
  EXPECT_EQ(verify(sign(claims)), "ok");
  claims.erase("aud");
  EXPECT_EQ(verify(sign(claims)), "wrong_audience");
}

TEST_F(VerifierTest, errors_are_401s_naming_the_token_and_the_rule) {
  auto r = s.verifier.verify("not-a-token");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  EXPECT_EQ(r.error().field, "token");
  EXPECT_EQ(r.error().rule, "malformed_token");
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_FALSE(r.error().retryable);
}

TEST_F(VerifierTest, a_repeat_verification_returns_the_same_cached_claims) {
  auto token = sign(staff_claims(s.clock.now()));
  auto first = s.verifier.verify(token);
  auto second = s.verifier.verify(token);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(&first->claims(), &second->claims());  // served from the cache, not re-parsed
  EXPECT_EQ(s.verifier.cache_size(), 1u);
}

TEST_F(VerifierTest, the_cache_never_serves_a_token_past_its_expiry) {
  auto token = sign(staff_claims(s.clock.now()));
  ASSERT_EQ(verify(token), "ok");
  s.clock.advance(900s + 29s);
  EXPECT_EQ(verify(token), "ok");
  s.clock.advance(1s);
  EXPECT_EQ(verify(token), "token_expired");
}

TEST_F(VerifierTest, verify_if_cached_answers_only_what_needs_no_work) {
  auto token = sign(staff_claims(s.clock.now(), "jti-io"));
  EXPECT_FALSE(s.verifier.verify_if_cached(token).has_value()) << "never verified: no answer";
  EXPECT_EQ(s.verifier.cache_size(), 0u) << "and nothing was verified on the way";
  ASSERT_EQ(verify(token), "ok");
  auto cached = s.verifier.verify_if_cached(token);
  ASSERT_TRUE(cached.has_value());
  ASSERT_TRUE(cached->has_value());
  EXPECT_EQ((*cached)->subject(), "staff-0001");
  s.revocations.revoke_token("jti-io", s.clock.now() + 900s);
  auto revoked = s.verifier.verify_if_cached(token);
  ASSERT_TRUE(revoked.has_value());
  ASSERT_FALSE(revoked->has_value());
  EXPECT_EQ(revoked->error().rule, "token_revoked");
  auto huge = s.verifier.verify_if_cached(std::string(9000, 'a'));
  ASSERT_TRUE(huge.has_value()) << "refused on its size alone";
  EXPECT_EQ(huge->error().rule, "token_too_large");
  auto other = sign(staff_claims(s.clock.now(), "jti-later"));
  ASSERT_EQ(verify(other), "ok");
  s.clock.advance(900s + 30s);
  EXPECT_FALSE(s.verifier.verify_if_cached(other).has_value())
      << "past its expiry the cache does not answer; verify() says why";
  EXPECT_EQ(verify(other), "token_expired");
}

TEST_F(VerifierTest, the_cache_is_bounded) {
  VerifierOptions opts = Stack::default_options();
  opts.cache_entries = 128;
  Stack small(test::jwks_of({&signer}), opts);
  for (int i = 0; i < 1000; ++i) {
    auto token = *signer.sign(staff_claims(small.clock.now(), "jti-" + std::to_string(i)));
    ASSERT_TRUE(small.verifier.verify(token));
  }
  EXPECT_LE(small.verifier.cache_size(), 128u);
  EXPECT_GT(small.verifier.cache_size(), 0u);
}

TEST_F(VerifierTest, a_disabled_cache_still_verifies) {
  VerifierOptions opts = Stack::default_options();
  opts.cache_entries = 0;
  Stack nocache(test::jwks_of({&signer}), opts);
  auto token = sign(staff_claims(nocache.clock.now()));
  EXPECT_TRUE(nocache.verifier.verify(token));
  EXPECT_TRUE(nocache.verifier.verify(token));
  EXPECT_EQ(nocache.verifier.cache_size(), 0u);
}

TEST_F(VerifierTest, rejects_a_revoked_jti_even_when_cached) {
  auto token = sign(staff_claims(s.clock.now(), "jti-logout"));
  ASSERT_EQ(verify(token), "ok");
  s.revocations.revoke_token("jti-logout", s.clock.now() + 900s);
  EXPECT_EQ(verify(token), "token_revoked");
  auto other = sign(staff_claims(s.clock.now(), "jti-other"));
  EXPECT_EQ(verify(other), "ok");
}

TEST_F(VerifierTest, rejects_a_revoked_jti_on_first_sight) {
  s.revocations.revoke_token("jti-gone", s.clock.now() + 900s);
  EXPECT_EQ(verify(sign(staff_claims(s.clock.now(), "jti-gone"))), "token_revoked");
}

TEST_F(VerifierTest, rejects_tokens_issued_before_a_subject_wide_revocation) {
  auto before = sign(staff_claims(s.clock.now(), "a"));
  ASSERT_EQ(verify(before), "ok");
  s.clock.advance(60s);
  s.revocations.revoke_subject_before("staff-0001", s.clock.now());  // logout everywhere
  EXPECT_EQ(verify(before), "token_revoked");
  s.clock.advance(1s);
  auto after = sign(staff_claims(s.clock.now(), "b"));
  EXPECT_EQ(verify(after), "ok");
}

TEST(BearerToken, extracts_the_token_from_the_authorization_header) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer   abc "), "abc");
  for (const char* bad : {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearerabc"}) {
    auto r = bearer_token(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "Authorization");
    EXPECT_EQ(r.error().rule, "missing_bearer_token");
  }
}

}  // namespace
}  // namespace tongban::auth

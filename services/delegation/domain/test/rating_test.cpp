#include "domain/rating.hpp"

#include <gtest/gtest.h>

#include "tongban/core/json.hpp"

namespace tongban::delegation {
namespace {

using namespace std::chrono_literals;

const CaseParties kParties{"citizen-1", "320500", "410300", Place::accepting};
const Actor kApplicant{"citizen-1", ActorKind::citizen, {"citizen"}, "410300"};
const Clock::time_point kNow = Clock::time_point{} + 1'780'000'000s;

Result<Rating> rate_completed(const RatingRequest& r) {
  return rate(kApplicant, kParties, CaseState::completed, false, r, kNow);
}

void expect_refused(const Result<Rating>& got, Errc code, const char* rule,
                    const char* field = "") {
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, code) << got.error().message;
  EXPECT_EQ(got.error().rule, rule) << got.error().message;
  EXPECT_EQ(got.error().field, field) << got.error().message;
}

TEST(Rating, names_round_trip) {
  for (auto g : {Grade::good, Grade::poor}) EXPECT_EQ(parse_grade(to_string(g)), g);
  for (auto r : all_poor_reasons()) EXPECT_EQ(parse_poor_reason(to_string(r)), r);
  EXPECT_EQ(all_poor_reasons().size(), 8u);
  EXPECT_FALSE(parse_grade("excellent"));
  EXPECT_FALSE(parse_poor_reason("rude"));
}

TEST(Rating, the_applicant_rates_a_completed_case) {
  const auto good = rate_completed({Grade::good, std::nullopt, "跨城办理很方便"});
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->grade, Grade::good);
  EXPECT_EQ(good->rated_by, "citizen-1");
  EXPECT_EQ(good->rated_at, kNow);
  EXPECT_EQ(good->text, "跨城办理很方便");

  const auto poor = rate_completed({Grade::poor, PoorReason::too_slow, ""});
  ASSERT_TRUE(poor);
  EXPECT_EQ(poor->reason, PoorReason::too_slow);
  const auto json = to_json(*poor);
  EXPECT_EQ(json.at("grade"), "poor");
  EXPECT_EQ(json.at("reason"), "too_slow");
  EXPECT_FALSE(json.contains("text"));
}

TEST(Rating, only_after_completion_and_only_once) {
  for (auto s : all_case_states()) {
    const auto got = rate(kApplicant, kParties, s, false, {Grade::good, {}, ""}, kNow);
    EXPECT_EQ(got.has_value(), s == CaseState::completed) << to_string(s);
    if (!got) {
      EXPECT_EQ(got.error().rule, "not_completed");
    }
  }
  expect_refused(
      rate(kApplicant, kParties, CaseState::completed, true, {Grade::good, {}, ""}, kNow),
      Errc::conflict, "already_rated");
}

TEST(Rating, only_the_applicant_rates) {
  const Actor other{"citizen-2", ActorKind::citizen, {"citizen"}, "410300"};
  const auto hidden = rate(other, kParties, CaseState::completed, false, {}, kNow);
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, Errc::not_found);
  const Actor clerk{"clerk-1", ActorKind::staff, {"clerk"}, "410300"};
  expect_refused(rate(clerk, kParties, CaseState::completed, false, {}, kNow), Errc::forbidden,
                 "applicant_only");
  // Authority comes first: a stranger does not learn the case's state.
  const auto early = rate(other, kParties, CaseState::accepted, false, {}, kNow);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, Errc::not_found);
}

TEST(Rating, a_poor_rating_needs_a_reason_and_other_needs_a_text) {
  expect_refused(rate_completed({Grade::poor, std::nullopt, "slow"}), Errc::invalid_argument,
                 "reason_required", "reason");
  expect_refused(rate_completed({Grade::good, PoorReason::too_slow, ""}), Errc::invalid_argument,
                 "reason_only_for_poor", "reason");
  expect_refused(rate_completed({Grade::poor, PoorReason::other, "  "}), Errc::invalid_argument,
                 "text_required", "text");
  EXPECT_TRUE(rate_completed({Grade::poor, PoorReason::other, "窗口排队太久"}));
}

TEST(Rating, the_text_is_at_most_500_characters_of_utf8) {
  std::string text;
  for (std::size_t i = 0; i < kMaxRatingTextChars; ++i) text += "好";
  EXPECT_TRUE(rate_completed({Grade::good, std::nullopt, text}));
  expect_refused(rate_completed({Grade::good, std::nullopt, text + "!"}), Errc::invalid_argument,
                 "max_length", "text");
  expect_refused(rate_completed({Grade::good, std::nullopt, "\xFF"}), Errc::invalid_argument,
                 "utf8", "text");
}

TEST(Rating, a_request_reads_from_json) {
  auto obj = json::parse_object(R"({"grade": "poor", "reason": "repeated_visits", "text": "x"})");
  ASSERT_TRUE(obj);
  auto r = read_rating(*obj);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->grade, Grade::poor);
  EXPECT_EQ(r->reason, PoorReason::repeated_visits);
  EXPECT_EQ(r->text, "x");
  struct Case {
    const char* json;
    const char* field;
    const char* rule;
  };
  const Case cases[] = {
      {R"({})", "grade", "required"},
      {R"({"grade": "great"})", "grade", "enum"},
      {R"({"grade": 1})", "grade", "type"},
      {R"({"grade": "poor", "reason": "rude"})", "reason", "enum"},
      {R"({"grade": "good", "stars": 5})", "stars", "unknown_key"},
  };
  for (const auto& c : cases) {
    auto o = json::parse_object(c.json);
    ASSERT_TRUE(o);
    const auto got = read_rating(*o);
    ASSERT_FALSE(got) << c.json;
    EXPECT_EQ(got.error().field, c.field) << c.json;
    EXPECT_EQ(got.error().rule, c.rule) << c.json;
  }
}

}  // namespace
}  // namespace tongban::delegation

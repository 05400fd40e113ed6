#include "domain/submission.hpp"

#include <gtest/gtest.h>

#include "test/support.hpp"

namespace tongban::delegation {
namespace {

using namespace std::chrono_literals;
using test_support::at;

constexpr const char* kSuzhou = "320500";    // receiving: where the applicant lives now
constexpr const char* kLuoyang = "410300";   // accepting: where they are registered
constexpr const char* kHangzhou = "330100";  // an unrelated city

const Clock::time_point kNow = at("2026-06-01T10:00:00+08:00");

// An agreement as the service holds it, built directly: the agreement rules have their own
// tests.
Agreement agreement(AgreementStatus s, const char* city_a = kSuzhou,
                    const char* city_b = kLuoyang) {
  AgreementVersion v;
  v.version = 2;
  v.status = s;
  v.body.items = {{"HR-0001", Rights::receipt_and_preliminary_examination},
                  {"PS-0002", Rights::receipt}};
  v.body.result_delivery = {ResultDelivery::window_at_receiving_place, ResultDelivery::mail};
  v.body.valid_from = at("2026-01-01T00:00:00+08:00");
  v.body.valid_until = at("2027-01-01T00:00:00+08:00");
  v.body.accept_limit_days = 4;
  AgreementVersion old = v;
  old.version = 1;
  old.status = AgreementStatus::superseded;
  return Agreement{"agr-sz-ly", city_a, city_b, {old, v}, {}, {}};
}

SubmissionRequest request() {
  SubmissionRequest r;
  r.applicant = Applicant{"citizen-1", kLuoyang, 2};
  r.receiving_city = kSuzhou;
  r.item.code = "HR-0001";
  r.item.cross_city_eligible = true;
  r.item.min_assurance_level = 2;
  r.item.materials = {{"居民身份证", "resident_id_card"},
                      {"社会保险关系转移申请表", std::nullopt},
                      {"居民户口簿", "household_register"}};
  r.materials_provided = {"社会保险关系转移申请表", "居民户口簿"};
  r.e_licences_held = {"resident_id_card"};
  return r;
}

void expect_refused(const Result<Admission>& got, Errc code, const char* rule,
                    const char* field = "") {
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, code) << got.error().message;
  EXPECT_EQ(got.error().rule, rule) << got.error().message;
  EXPECT_EQ(got.error().field, field) << got.error().message;
}

TEST(Submission, a_covered_item_is_admitted_and_pins_the_agreement_version) {
  const Agreement agreements[] = {agreement(AgreementStatus::active)};
  const auto got = check_submission(request(), agreements, kNow);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->accepting_city, kLuoyang);
  EXPECT_EQ(got->agreement_id, "agr-sz-ly");
  EXPECT_EQ(got->agreement_version, 2);
  EXPECT_EQ(got->rights, Rights::receipt_and_preliminary_examination);
  EXPECT_EQ(got->delivery, ResultDelivery::window_at_receiving_place);  // the first offered
  EXPECT_EQ(got->accept_limit_days, 4);
  EXPECT_EQ(got->exempted, std::vector<std::string>{"居民身份证"});
}

TEST(Submission, an_agreement_covers_both_directions) {
  auto r = request();
  r.applicant.registration_city = kSuzhou;
  r.receiving_city = kLuoyang;
  const Agreement agreements[] = {agreement(AgreementStatus::active)};
  const auto got = check_submission(r, agreements, kNow);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->accepting_city, kSuzhou);
}

TEST(Submission, materials_held_as_e_licences_need_no_upload) {
  auto r = request();
  r.e_licences_held = {"resident_id_card", "household_register"};
  r.materials_provided = {"社会保险关系转移申请表", "居民户口簿"};  // uploaded anyway: ignored
  const Agreement agreements[] = {agreement(AgreementStatus::active)};
  const auto got = check_submission(r, agreements, kNow);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->exempted, (std::vector<std::string>{"居民身份证", "居民户口簿"}));
}

TEST(Submission, missing_materials_name_the_first_and_list_all) {
  auto r = request();
  r.e_licences_held.clear();
  r.materials_provided = {"社会保险关系转移申请表"};
  const Agreement agreements[] = {agreement(AgreementStatus::active)};
  const auto got = check_submission(r, agreements, kNow);
  expect_refused(got, Errc::invalid_argument, "materials_missing", "materials/0");
  EXPECT_EQ(got.error().message, "materials missing: 居民身份证, 居民户口簿");
}

TEST(Submission, each_refusal_has_its_own_rule) {
  const Agreement active[] = {agreement(AgreementStatus::active)};
  const Agreement suspended[] = {agreement(AgreementStatus::suspended)};
  const Agreement elsewhere[] = {agreement(AgreementStatus::active, kSuzhou, kHangzhou)};
  Agreement only_proposed = agreement(AgreementStatus::proposed);
  only_proposed.versions.erase(only_proposed.versions.begin());
  only_proposed.versions[0].version = 1;
  const Agreement proposed[] = {only_proposed};
  const Agreement terminated[] = {agreement(AgreementStatus::terminated)};

  auto r = request();
  r.receiving_city = "999999";
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "unknown_city",
                 "receiving_city");
  r = request();
  r.applicant.registration_city = "410399";
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "unknown_city",
                 "applicant/registration_city");
  r = request();
  r.receiving_city = kLuoyang;
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "same_city",
                 "receiving_city");
  r = request();
  r.item.cross_city_eligible = false;
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "item_not_cross_city",
                 "item");

  expect_refused(check_submission(request(), {}, kNow), Errc::forbidden, "no_agreement");
  expect_refused(check_submission(request(), elsewhere, kNow), Errc::forbidden, "no_agreement");
  expect_refused(check_submission(request(), proposed, kNow), Errc::forbidden, "no_agreement");
  expect_refused(check_submission(request(), terminated, kNow), Errc::forbidden, "no_agreement");
  expect_refused(check_submission(request(), suspended, kNow), Errc::forbidden,
                 "agreement_suspended");
  const auto expired = check_submission(request(), active, at("2027-01-01T00:00:00+08:00"));
  expect_refused(expired, Errc::forbidden, "no_agreement");
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  const auto early = check_submission(request(), active, at("2025-12-31T00:00:00+08:00"));
  expect_refused(early, Errc::forbidden, "no_agreement");
  EXPECT_NE(early.error().message.find("valid from"), std::string::npos);

  r = request();
  r.item.code = "MR-0009";
  expect_refused(check_submission(r, active, kNow), Errc::forbidden, "item_not_covered", "item");
  r = request();
  r.applicant.assurance_level = 1;
  expect_refused(check_submission(r, active, kNow), Errc::forbidden, "assurance_too_low");
  r = request();
  r.delivery = ResultDelivery::online;
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "delivery_not_offered",
                 "delivery");
  r.delivery = ResultDelivery::mail;
  EXPECT_TRUE(check_submission(r, active, kNow));
}

TEST(Submission, the_checks_run_in_the_documented_order) {
  // Everything wrong at once: the city pair is reported first, then the item, then the
  // agreement, then the applicant, then the materials.
  auto r = request();
  r.item.cross_city_eligible = false;
  r.applicant.assurance_level = 0;
  r.materials_provided.clear();
  expect_refused(check_submission(r, {}, kNow), Errc::invalid_argument, "item_not_cross_city",
                 "item");
  r.item.cross_city_eligible = true;
  expect_refused(check_submission(r, {}, kNow), Errc::forbidden, "no_agreement");
  const Agreement active[] = {agreement(AgreementStatus::active)};
  expect_refused(check_submission(r, active, kNow), Errc::forbidden, "assurance_too_low");
  r.applicant.assurance_level = 3;
  expect_refused(check_submission(r, active, kNow), Errc::invalid_argument, "materials_missing",
                 "materials/1");
}

}  // namespace
}  // namespace tongban::delegation

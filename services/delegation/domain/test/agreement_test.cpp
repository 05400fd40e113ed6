#include "domain/agreement.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "test/support.hpp"
#include "tongban/core/json.hpp"

namespace tongban::delegation {
namespace {

using namespace std::chrono_literals;
using test_support::at;

constexpr const char* kNanjing = "320100";
constexpr const char* kZhengzhou = "410100";
constexpr const char* kGuangzhou = "440100";

const Clock::time_point kNow = at("2026-03-01T09:00:00+08:00");

Actor admin(const char* subject, const char* city) {
  return Actor{subject, ActorKind::staff, {"dept_admin"}, city};
}
const Actor kAdminNj = admin("adm-nj", kNanjing);
const Actor kAdminZz = admin("adm-zz", kZhengzhou);
const Actor kAdminGz = admin("adm-gz", kGuangzhou);
const Actor kPlatform{"plat-1", ActorKind::staff, {"platform_admin"}, ""};
const Actor kPlatform2{"plat-2", ActorKind::staff, {"platform_admin"}, ""};
const Actor kClerkZz{"clerk-zz", ActorKind::staff, {"clerk"}, kZhengzhou};

AgreementBody body() {
  AgreementBody b;
  b.items = {{"PS-0001", Rights::receipt},
             {"HR-0002", Rights::receipt_and_preliminary_examination}};
  b.result_delivery = {ResultDelivery::mail, ResultDelivery::window_at_receiving_place};
  b.valid_from = at("2026-01-01T00:00:00+08:00");
  b.valid_until = at("2028-01-01T00:00:00+08:00");
  b.accept_limit_days = 5;
  return b;
}

// The catalog as the service would answer: everything implemented except `missing`.
struct FakeCatalog {
  std::set<std::pair<std::string, std::string>> missing;
  CatalogChecks checks() const {
    return CatalogChecks{[this](std::string_view item, std::string_view city) {
                           return !missing.contains({std::string(item), std::string(city)});
                         },
                         [](std::string_view item, std::string_view, std::string_view) {
                           return item == "PS-0001" ? 87
                                                    : 140;  // 140: out of range, recorded as 100
                         }};
  }
};

Proposal proposal(const char* from = kNanjing, const char* to = kZhengzhou) {
  return Proposal{from, to, body()};
}

Agreement proposed(const FakeCatalog& cat = {}) {
  auto a = propose(kAdminNj, "agr-1", proposal(), {}, cat.checks(), kNow);
  EXPECT_TRUE(a) << a.error().message;
  return a.value_or(Agreement{});
}

Agreement active(const FakeCatalog& cat = {}) {
  auto a = countersign(proposed(cat), kAdminZz, 1, cat.checks(), kNow + 1h);
  EXPECT_TRUE(a) << a.error().message;
  return a.value_or(Agreement{});
}

void expect_error(const Result<Agreement>& got, Errc code, const char* rule,
                  const char* field = "") {
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, code) << got.error().message;
  EXPECT_EQ(got.error().rule, rule) << got.error().message;
  EXPECT_EQ(got.error().field, field) << got.error().message;
}

TEST(Agreement, names_round_trip) {
  for (auto d :
       {ResultDelivery::mail, ResultDelivery::window_at_receiving_place, ResultDelivery::online}) {
    EXPECT_EQ(parse_result_delivery(to_string(d)), d);
  }
  for (auto s :
       {AgreementStatus::proposed, AgreementStatus::active, AgreementStatus::declined,
        AgreementStatus::suspended, AgreementStatus::terminated, AgreementStatus::superseded}) {
    EXPECT_EQ(parse_agreement_status(to_string(s)), s);
  }
  EXPECT_EQ(to_string(AgreementStatus::active), "ACTIVE");
  EXPECT_FALSE(parse_result_delivery("window"));
  EXPECT_EQ(handover_place(ResultDelivery::window_at_receiving_place), Place::receiving);
  EXPECT_EQ(handover_place(ResultDelivery::mail), Place::accepting);
  EXPECT_EQ(handover_place(ResultDelivery::online), Place::accepting);
}

TEST(Agreement, a_body_is_validated_field_by_field) {
  EXPECT_TRUE(validate_body(body()));
  struct Case {
    void (*mutate)(AgreementBody&);
    const char* field;
    const char* rule;
  };
  const Case cases[] = {
      {[](AgreementBody& b) { b.items.clear(); }, "items", "min_items"},
      {[](AgreementBody& b) { b.items["ps-1"] = Rights::receipt; }, "items/ps-1", "code_format"},
      {[](AgreementBody& b) { b.result_delivery.clear(); }, "result_delivery", "min_items"},
      {[](AgreementBody& b) { b.result_delivery.push_back(ResultDelivery::mail); },
       "result_delivery/2", "duplicate"},
      {[](AgreementBody& b) { b.valid_until = b.valid_from; }, "valid_until", "validity_order"},
      {[](AgreementBody& b) { b.accept_limit_days = 0; }, "accept_limit_days", "range"},
      {[](AgreementBody& b) { b.accept_limit_days = 31; }, "accept_limit_days", "range"},
  };
  for (const auto& c : cases) {
    auto b = body();
    c.mutate(b);
    const auto got = validate_body(b);
    ASSERT_FALSE(got) << c.rule;
    EXPECT_EQ(got.error().field, c.field);
    EXPECT_EQ(got.error().rule, c.rule);
  }
  auto many = body();
  for (int i = 0; i <= static_cast<int>(kMaxAgreementItems); ++i) {
    char code[8];
    std::snprintf(code, sizeof code, "XX-%04d", i);
    many.items[code] = Rights::receipt;
  }
  EXPECT_EQ(validate_body(many).error().rule, "max_items");
}

TEST(Agreement, a_body_reads_from_json_and_back) {
  const auto json = to_json(body());
  auto back = read_agreement_body(json);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, body());
  EXPECT_EQ(json.at("items").at("HR-0002").at("rights"), "RECEIPT_AND_PRELIMINARY_EXAMINATION");
}

TEST(Agreement, a_bad_json_body_names_the_field_and_rule) {
  struct Case {
    const char* json;
    const char* field;
    const char* rule;
  };
  const char* tail =
      R"("valid_from": "2026-01-01T00:00:00+08:00", "valid_until": "2027-01-01T00:00:00+08:00",)"
      R"( "accept_limit_days": 5})";
  const Case cases[] = {
      {R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": ["mail"], "x": 1, )",
       "x", "unknown_key"},
      {R"({"result_delivery": ["mail"], )", "items", "required"},
      {R"({"items": {"PS-0001": "RECEIPT"}, "result_delivery": ["mail"], )", "items/PS-0001",
       "type"},
      {R"({"items": {"PS-0001": {}}, "result_delivery": ["mail"], )", "items/PS-0001/rights",
       "required"},
      {R"({"items": {"PS-0001": {"rights": "ALL"}}, "result_delivery": ["mail"], )",
       "items/PS-0001/rights", "enum"},
      {R"({"items": {"PS-0001": {"rights": "RECEIPT", "note": 1}}, "result_delivery": ["mail"], )",
       "items/PS-0001/note", "unknown_key"},
      {R"({"items": {"PS-1": {"rights": "RECEIPT"}}, "result_delivery": ["mail"], )", "items/PS-1",
       "code_format"},
      {R"({"items": {}, "result_delivery": ["mail"], )", "items", "min_items"},
      {R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": [], )",
       "result_delivery", "min_items"},
      {R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": ["mail", "fax"], )",
       "result_delivery/1", "enum"},
      {R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": ["mail", 3], )",
       "result_delivery/1", "type"},
      {R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": ["mail", "mail"], )",
       "result_delivery/1", "duplicate"},
  };
  for (const auto& c : cases) {
    const auto obj = json::parse_object(std::string(c.json) + tail);
    ASSERT_TRUE(obj) << c.json;
    const auto got = read_agreement_body(*obj);
    ASSERT_FALSE(got) << c.json;
    EXPECT_EQ(got.error().field, c.field) << c.json << ": " << got.error().message;
    EXPECT_EQ(got.error().rule, c.rule) << c.json << ": " << got.error().message;
  }
  const char* head =
      R"({"items": {"PS-0001": {"rights": "RECEIPT"}}, "result_delivery": ["mail"], )";
  const Case dates[] = {
      {R"("valid_from": "2026-01-01", "valid_until": "2027-01-01T00:00:00Z", "accept_limit_days": 5})",
       "valid_from", "date_time"},
      {R"("valid_from": "2027-01-01T00:00:00Z", "valid_until": "2026-01-01T00:00:00Z", "accept_limit_days": 5})",
       "valid_until", "validity_order"},
      {R"("valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z", "accept_limit_days": 31})",
       "accept_limit_days", "range"},
      {R"("valid_from": "2026-01-01T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z"})",
       "accept_limit_days", "required"},
  };
  for (const auto& c : dates) {
    const auto obj = json::parse_object(std::string(head) + c.json);
    ASSERT_TRUE(obj) << c.json;
    const auto got = read_agreement_body(*obj);
    ASSERT_FALSE(got) << c.json;
    EXPECT_EQ(got.error().field, c.field) << c.json;
    EXPECT_EQ(got.error().rule, c.rule) << c.json;
  }
}

TEST(Agreement, one_city_proposes_and_nothing_is_in_force_until_the_other_countersigns) {
  const auto a = proposed();
  EXPECT_EQ(a.id, "agr-1");
  EXPECT_EQ(a.city_a, kNanjing);
  EXPECT_EQ(a.city_b, kZhengzhou);
  ASSERT_EQ(a.versions.size(), 1u);
  EXPECT_EQ(a.versions[0].version, 1);
  EXPECT_EQ(a.versions[0].proposer_city, kNanjing);
  EXPECT_EQ(a.versions[0].proposed_by, "adm-nj");
  EXPECT_EQ(a.versions[0].proposed_at, kNow);
  EXPECT_EQ(status(a), AgreementStatus::proposed);
  EXPECT_EQ(pending(a), &a.versions[0]);
  EXPECT_EQ(current(a), nullptr);
  EXPECT_EQ(in_force(a, kNow), nullptr);
  EXPECT_FALSE(covers(a, "PS-0001", kNow));
  EXPECT_TRUE(open(a));
  // The cities are stored in order whoever proposes.
  auto reverse = propose(kAdminZz, "agr-2", proposal(kZhengzhou, kNanjing), {}, {}, kNow);
  ASSERT_FALSE(reverse);  // no catalog predicate: refuses to sign blind
  EXPECT_EQ(reverse.error().rule, "implementation_missing");
  FakeCatalog cat;
  reverse = propose(kAdminZz, "agr-2", proposal(kZhengzhou, kNanjing), {}, cat.checks(), kNow);
  ASSERT_TRUE(reverse);
  EXPECT_EQ(reverse->city_a, kNanjing);
  EXPECT_EQ(reverse->versions[0].proposer_city, kZhengzhou);
}

TEST(Agreement, a_proposal_is_refused_with_a_rule) {
  FakeCatalog cat;
  const auto c = cat.checks();
  expect_error(propose(kClerkZz, "x", proposal(kZhengzhou, kNanjing), {}, c, kNow), Errc::forbidden,
               "role_required");
  expect_error(propose(kAdminGz, "x", proposal(), {}, c, kNow), Errc::forbidden, "wrong_place");
  // A dept_admin acts for their own city only.
  expect_error(propose(kAdminZz, "x", proposal(kNanjing, kZhengzhou), {}, c, kNow), Errc::forbidden,
               "wrong_place");
  expect_error(propose(kPlatform, "x", proposal("999900", kZhengzhou), {}, c, kNow),
               Errc::invalid_argument, "unknown_city", "proposer_city");
  expect_error(propose(kAdminNj, "x", proposal(kNanjing, "320199"), {}, c, kNow),
               Errc::invalid_argument, "unknown_city", "partner_city");
  expect_error(propose(kAdminNj, "x", proposal(kNanjing, kNanjing), {}, c, kNow),
               Errc::invalid_argument, "same_city", "partner_city");
  auto bad = proposal();
  bad.body.accept_limit_days = 40;
  expect_error(propose(kAdminNj, "x", bad, {}, c, kNow), Errc::invalid_argument, "range",
               "accept_limit_days");
  expect_error(propose(kAdminNj, "x", proposal(), {}, c, at("2028-01-01T00:00:00+08:00")),
               Errc::invalid_argument, "valid_until_passed", "valid_until");
  const Agreement existing[] = {proposed()};
  expect_error(propose(kAdminZz, "x", proposal(kZhengzhou, kNanjing), existing, c, kNow),
               Errc::conflict, "agreement_exists");
  FakeCatalog gap;
  gap.missing = {{"HR-0002", kZhengzhou}};
  expect_error(propose(kAdminNj, "x", proposal(), {}, gap.checks(), kNow), Errc::conflict,
               "implementation_missing", "items/HR-0002");
  // A platform_admin may propose for either city.
  EXPECT_TRUE(propose(kPlatform, "x", proposal(), {}, c, kNow));
}

TEST(Agreement, countersigning_activates_and_records_the_standardisation_scores) {
  const auto a = active();
  ASSERT_EQ(a.versions.size(), 1u);
  const auto& v = a.versions[0];
  EXPECT_EQ(v.status, AgreementStatus::active);
  EXPECT_EQ(v.decided_by, "adm-zz");
  EXPECT_EQ(v.decided_at, kNow + 1h);
  EXPECT_EQ(v.standardisation.at("PS-0001"), 87);
  EXPECT_EQ(v.standardisation.at("HR-0002"), 100);
  EXPECT_EQ(status(a), AgreementStatus::active);
  EXPECT_EQ(current(a), &a.versions[0]);
  EXPECT_EQ(pending(a), nullptr);
  EXPECT_EQ(in_force(a, kNow), &a.versions[0]);
  EXPECT_EQ(covers(a, "PS-0001", kNow), Rights::receipt);
  EXPECT_EQ(covers(a, "HR-0002", kNow), Rights::receipt_and_preliminary_examination);
  EXPECT_FALSE(covers(a, "MR-0003", kNow));
  // In force within its validity only.
  EXPECT_EQ(in_force(a, at("2025-12-31T23:59:59+08:00")), nullptr);
  EXPECT_NE(in_force(a, at("2026-01-01T00:00:00+08:00")), nullptr);
  EXPECT_EQ(in_force(a, at("2028-01-01T00:00:00+08:00")), nullptr);
  EXPECT_TRUE(between(a, kZhengzhou, kNanjing));
  EXPECT_TRUE(between(a, kNanjing, kZhengzhou));
  EXPECT_FALSE(between(a, kNanjing, kGuangzhou));
}

TEST(Agreement, only_the_other_city_countersigns) {
  FakeCatalog cat;
  const auto c = cat.checks();
  expect_error(countersign(proposed(), kAdminNj, 1, c, kNow), Errc::forbidden, "own_city_proposal");
  expect_error(countersign(proposed(), kAdminGz, 1, c, kNow), Errc::forbidden, "wrong_place");
  expect_error(countersign(proposed(), kClerkZz, 1, c, kNow), Errc::forbidden, "role_required");
  auto by_platform = propose(kPlatform, "x", proposal(), {}, c, kNow);
  ASSERT_TRUE(by_platform);
  expect_error(countersign(*by_platform, kPlatform, 1, c, kNow), Errc::forbidden, "own_proposal");
  EXPECT_TRUE(countersign(*by_platform, kPlatform2, 1, c, kNow));
  EXPECT_TRUE(countersign(*by_platform, kAdminZz, 1, c, kNow));
}

TEST(Agreement, countersigning_checks_the_version_and_the_catalog_again) {
  FakeCatalog cat;
  expect_error(countersign(proposed(), kAdminZz, 2, cat.checks(), kNow), Errc::conflict,
               "version_mismatch", "version");
  expect_error(countersign(active(), kAdminZz, 1, cat.checks(), kNow), Errc::conflict,
               "nothing_to_sign");
  // An implementation withdrawn between the proposal and the countersignature.
  FakeCatalog withdrawn;
  withdrawn.missing = {{"PS-0001", kNanjing}};
  expect_error(countersign(proposed(), kAdminZz, 1, withdrawn.checks(), kNow), Errc::conflict,
               "implementation_missing", "items/PS-0001");
  expect_error(countersign(proposed(), kAdminZz, 1, cat.checks(), at("2028-02-01T00:00:00Z")),
               Errc::conflict, "valid_until_passed", "valid_until");
}

TEST(Agreement, a_declined_proposal_ends_the_agreement_and_frees_the_pair) {
  FakeCatalog cat;
  expect_error(decline(proposed(), kAdminZz, 1, " ", kNow), Errc::invalid_argument,
               "reason_required", "reason");
  expect_error(decline(proposed(), kAdminNj, 1, "no", kNow), Errc::forbidden, "own_city_proposal");
  auto a = decline(proposed(), kAdminZz, 1, "items not yet standardised", kNow);
  ASSERT_TRUE(a);
  EXPECT_EQ(status(*a), AgreementStatus::declined);
  EXPECT_EQ(a->versions[0].decline_reason, "items not yet standardised");
  EXPECT_FALSE(open(*a));
  EXPECT_EQ(in_force(*a, kNow), nullptr);
  const Agreement existing[] = {*a};
  EXPECT_TRUE(propose(kAdminNj, "agr-2", proposal(), existing, cat.checks(), kNow));
}

TEST(Agreement, an_amendment_is_countersigned_again_while_the_active_version_stays_in_force) {
  FakeCatalog cat;
  auto changed = body();
  changed.items["CA-0004"] = Rights::receipt;
  changed.accept_limit_days = 3;
  auto a = amend(active(), kAdminZz, kZhengzhou, changed, cat.checks(), kNow + 2h);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->versions.size(), 2u);
  EXPECT_EQ(a->versions[1].version, 2);
  EXPECT_EQ(a->versions[1].status, AgreementStatus::proposed);
  EXPECT_EQ(a->versions[1].proposer_city, kZhengzhou);
  EXPECT_EQ(status(*a), AgreementStatus::active);
  EXPECT_EQ(pending(*a), &a->versions[1]);
  EXPECT_EQ(in_force(*a, kNow + 3h)->version, 1);
  EXPECT_FALSE(covers(*a, "CA-0004", kNow + 3h));

  // The proposing city cannot countersign its own amendment; the other one can.
  expect_error(countersign(*a, kAdminZz, 2, cat.checks(), kNow + 3h), Errc::forbidden,
               "own_city_proposal");
  auto signed_again = countersign(*a, kAdminNj, 2, cat.checks(), kNow + 3h);
  ASSERT_TRUE(signed_again);
  EXPECT_EQ(signed_again->versions[0].status, AgreementStatus::superseded);
  EXPECT_EQ(signed_again->versions[1].status, AgreementStatus::active);
  EXPECT_EQ(in_force(*signed_again, kNow + 4h)->version, 2);
  EXPECT_EQ(covers(*signed_again, "CA-0004", kNow + 4h), Rights::receipt);
  EXPECT_EQ(in_force(*signed_again, kNow + 4h)->body.accept_limit_days, 3);
}

TEST(Agreement, a_declined_amendment_leaves_the_version_in_force) {
  FakeCatalog cat;
  auto changed = body();
  changed.accept_limit_days = 10;
  auto a = amend(active(), kAdminNj, kNanjing, changed, cat.checks(), kNow);
  ASSERT_TRUE(a);
  auto refused = decline(*a, kAdminZz, 2, "ten days is too long", kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->versions[1].status, AgreementStatus::declined);
  EXPECT_EQ(status(*refused), AgreementStatus::active);
  EXPECT_EQ(in_force(*refused, kNow)->version, 1);
  EXPECT_EQ(pending(*refused), nullptr);
  // And another amendment may follow: version 3, every version kept.
  changed.accept_limit_days = 7;
  auto third = amend(*refused, kAdminNj, kNanjing, changed, cat.checks(), kNow);
  ASSERT_TRUE(third);
  ASSERT_EQ(third->versions.size(), 3u);
  EXPECT_EQ(third->versions[2].version, 3);
}

TEST(Agreement, an_amendment_is_refused_with_a_rule) {
  FakeCatalog cat;
  const auto c = cat.checks();
  auto changed = body();
  changed.accept_limit_days = 10;
  expect_error(amend(proposed(), kAdminNj, kNanjing, changed, c, kNow), Errc::conflict,
               "invalid_transition");
  auto pending_one = amend(active(), kAdminNj, kNanjing, changed, c, kNow);
  ASSERT_TRUE(pending_one);
  changed.accept_limit_days = 11;
  expect_error(amend(*pending_one, kAdminZz, kZhengzhou, changed, c, kNow), Errc::conflict,
               "amendment_pending");
  expect_error(amend(active(), kAdminNj, kNanjing, body(), c, kNow), Errc::invalid_argument,
               "no_change", "body");
  expect_error(amend(active(), kAdminGz, kGuangzhou, changed, c, kNow), Errc::forbidden,
               "wrong_place");
  expect_error(amend(active(), kPlatform, kGuangzhou, changed, c, kNow), Errc::invalid_argument,
               "wrong_place", "proposer_city");
  changed.items["XX-0009"] = Rights::receipt;
  FakeCatalog gap;
  gap.missing = {{"XX-0009", kNanjing}};
  expect_error(amend(active(), kAdminNj, kNanjing, changed, gap.checks(), kNow), Errc::conflict,
               "implementation_missing", "items/XX-0009");
}

TEST(Agreement, suspension_stops_new_cases_and_is_lifted_by_the_city_that_suspended) {
  auto a = suspend(active(), kAdminNj, kNanjing, "audit of forwarded cases", kNow);
  ASSERT_TRUE(a);
  EXPECT_EQ(status(*a), AgreementStatus::suspended);
  EXPECT_EQ(a->suspended_by_city, kNanjing);
  EXPECT_EQ(a->status_reason, "audit of forwarded cases");
  EXPECT_EQ(in_force(*a, kNow), nullptr);
  EXPECT_FALSE(covers(*a, "PS-0001", kNow));
  EXPECT_TRUE(open(*a));

  expect_error(suspend(*a, kAdminZz, kZhengzhou, "again", kNow), Errc::conflict,
               "invalid_transition");
  expect_error(resume(*a, kAdminZz, kZhengzhou, kNow), Errc::forbidden, "suspended_by_other_city");
  auto back = resume(*a, kAdminNj, kNanjing, kNow);
  ASSERT_TRUE(back);
  EXPECT_EQ(status(*back), AgreementStatus::active);
  EXPECT_TRUE(back->suspended_by_city.empty());
  EXPECT_NE(in_force(*back, kNow), nullptr);
  expect_error(resume(*back, kAdminNj, kNanjing, kNow), Errc::conflict, "invalid_transition");

  // A platform_admin's suspension is lifted by a platform_admin only.
  auto by_platform = suspend(active(), kPlatform, "", "incident", kNow);
  ASSERT_TRUE(by_platform);
  expect_error(resume(*by_platform, kAdminNj, kNanjing, kNow), Errc::forbidden,
               "suspended_by_other_city");
  EXPECT_TRUE(resume(*by_platform, kPlatform2, "", kNow));

  expect_error(suspend(active(), kAdminNj, kNanjing, "", kNow), Errc::invalid_argument,
               "reason_required", "reason");
  expect_error(suspend(proposed(), kAdminNj, kNanjing, "x", kNow), Errc::conflict,
               "invalid_transition");
}

TEST(Agreement, an_amendment_cannot_be_countersigned_while_suspended) {
  FakeCatalog cat;
  auto changed = body();
  changed.accept_limit_days = 9;
  auto a = amend(active(), kAdminNj, kNanjing, changed, cat.checks(), kNow);
  ASSERT_TRUE(a);
  auto s = suspend(*a, kAdminZz, kZhengzhou, "pause", kNow);
  ASSERT_TRUE(s);
  expect_error(countersign(*s, kAdminZz, 2, cat.checks(), kNow), Errc::conflict,
               "invalid_transition");
}

TEST(Agreement, termination_is_final_and_closes_a_pending_amendment) {
  FakeCatalog cat;
  auto changed = body();
  changed.accept_limit_days = 9;
  auto a = amend(active(), kAdminNj, kNanjing, changed, cat.checks(), kNow);
  ASSERT_TRUE(a);
  auto t = terminate(*a, kAdminZz, kZhengzhou, "policy ended", kNow + 1h);
  ASSERT_TRUE(t);
  EXPECT_EQ(status(*t), AgreementStatus::terminated);
  EXPECT_EQ(t->versions[0].status, AgreementStatus::terminated);
  EXPECT_EQ(t->versions[1].status, AgreementStatus::declined);
  EXPECT_EQ(t->versions[1].decline_reason, "the agreement was terminated");
  EXPECT_EQ(in_force(*t, kNow + 2h), nullptr);
  EXPECT_FALSE(open(*t));
  expect_error(terminate(*t, kAdminZz, kZhengzhou, "again", kNow), Errc::conflict,
               "invalid_transition");
  expect_error(resume(*t, kAdminZz, kZhengzhou, kNow), Errc::conflict, "invalid_transition");
  // A suspended agreement can be terminated too; a mere proposal cannot (decline it).
  auto s = suspend(active(), kAdminNj, kNanjing, "pause", kNow);
  ASSERT_TRUE(s);
  EXPECT_TRUE(terminate(*s, kAdminNj, kNanjing, "end", kNow));
  expect_error(terminate(proposed(), kAdminNj, kNanjing, "end", kNow), Errc::conflict,
               "invalid_transition");
  // The pair is free for a new agreement.
  const Agreement existing[] = {*t};
  EXPECT_TRUE(propose(kAdminNj, "agr-9", proposal(), existing, cat.checks(), kNow));
}

}  // namespace
}  // namespace tongban::delegation

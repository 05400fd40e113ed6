#include "domain/grant.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace tongban::datahub {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kT0 = Clock::time_point{} + 1'795'000'000s;
const Department kOwner{"3301", "public-security"};
const Department kConsumer{"4403", "civil-affairs"};
const Department kStranger{"1101", "tax"};

Resource resource(SharingClass c) {
  return Resource{"household-register", kOwner, c, {"name", "address", "id_number"}};
}

GrantRequest request() {
  return GrantRequest{kConsumer,
                      "household-register",
                      {"name", "address"},
                      "cross-city case handling",
                      std::chrono::days(30)};
}

TEST(Grant, names_round_trip) {
  for (auto c : {SharingClass::unconditional, SharingClass::conditional, SharingClass::not_shared})
    EXPECT_EQ(parse_sharing_class(to_string(c)), c);
  for (auto s : {GrantStatus::requested, GrantStatus::approved, GrantStatus::denied,
                 GrantStatus::revoked, GrantStatus::expired})
    EXPECT_EQ(parse_grant_status(to_string(s)), s);
  for (auto a : {GrantAction::approve, GrantAction::deny, GrantAction::revoke, GrantAction::expire})
    EXPECT_EQ(parse_grant_action(to_string(a)), a);
  EXPECT_FALSE(parse_sharing_class("open"));
  EXPECT_FALSE(parse_grant_status("pending"));
  EXPECT_FALSE(parse_grant_action("delete"));
}

TEST(Grant, the_sharing_class_decides_the_outcome_of_a_request) {
  auto u = request_grant(resource(SharingClass::unconditional), request(), kT0);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->status, GrantStatus::approved);
  EXPECT_EQ(u->expires_at, kT0 + std::chrono::days(30));
  EXPECT_EQ(u->owner, kOwner);
  EXPECT_EQ(u->consumer, kConsumer);

  auto c = request_grant(resource(SharingClass::conditional), request(), kT0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, GrantStatus::requested);
  EXPECT_FALSE(c->expires_at);

  auto n = request_grant(resource(SharingClass::not_shared), request(), kT0);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::forbidden);
  EXPECT_EQ(n.error().rule, "not_shareable");
}

TEST(Grant, bad_requests_name_the_field_and_rule) {
  struct Case {
    const char* name;
    void (*mutate)(GrantRequest&);
    const char* field;
    const char* rule;
  };
  const Case cases[] = {
      {"no purpose", [](GrantRequest& r) { r.purpose.clear(); }, "purpose", "purpose_required"},
      {"no fields", [](GrantRequest& r) { r.fields.clear(); }, "fields", "fields_required"},
      {"unknown field", [](GrantRequest& r) { r.fields.push_back("salary"); }, "fields/2",
       "unknown_field"},
      {"duplicate field", [](GrantRequest& r) { r.fields.push_back("name"); }, "fields/2",
       "duplicate_field"},
      {"zero duration", [](GrantRequest& r) { r.duration = {}; }, "duration",
       "duration_out_of_range"},
      {"too long", [](GrantRequest& r) { r.duration = std::chrono::days(367); }, "duration",
       "duration_out_of_range"},
      {"other resource", [](GrantRequest& r) { r.resource = "marriage"; }, "resource",
       "resource_mismatch"},
  };
  for (const auto& c : cases) {
    auto req = request();
    c.mutate(req);
    auto r = request_grant(resource(SharingClass::conditional), req, kT0);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, Errc::invalid_argument) << c.name;
    EXPECT_EQ(r.error().field, c.field) << c.name;
    EXPECT_EQ(r.error().rule, c.rule) << c.name;
  }
}

TEST(Grant, the_whole_status_table_for_the_owner) {
  constexpr GrantStatus kStatuses[] = {GrantStatus::requested, GrantStatus::approved,
                                       GrantStatus::denied, GrantStatus::revoked,
                                       GrantStatus::expired};
  constexpr GrantAction kActions[] = {GrantAction::approve, GrantAction::deny, GrantAction::revoke,
                                      GrantAction::expire};
  using O = std::optional<GrantStatus>;
  // expected[status][action], at a time after expires_at
  const O expected[5][4] = {
      {GrantStatus::approved, GrantStatus::denied, std::nullopt, std::nullopt},
      {std::nullopt, std::nullopt, GrantStatus::revoked, GrantStatus::expired},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
  for (std::size_t s = 0; s < 5; ++s) {
    for (std::size_t a = 0; a < 4; ++a) {
      Grant g = *request_grant(resource(SharingClass::conditional), request(), kT0);
      g.status = kStatuses[s];
      g.expires_at = kT0 + 1h;
      auto r = transition(g, kActions[a], kOwner, kT0 + 2h);
      const auto label =
          std::string(to_string(kStatuses[s])) + " + " + std::string(to_string(kActions[a]));
      if (expected[s][a]) {
        ASSERT_TRUE(r) << label;
        EXPECT_EQ(*r, *expected[s][a]) << label;
      } else {
        ASSERT_FALSE(r) << label;
        EXPECT_EQ(r.error().code, Errc::conflict) << label;
        EXPECT_EQ(r.error().rule, "invalid_transition") << label;
      }
    }
  }
}

TEST(Grant, only_the_owner_department_decides) {
  Grant g = *request_grant(resource(SharingClass::conditional), request(), kT0);
  const Department same_city_other_dept{kOwner.city, "tax"};
  for (const auto& actor : {kConsumer, kStranger, same_city_other_dept}) {
    for (auto a : {GrantAction::approve, GrantAction::deny, GrantAction::revoke}) {
      auto r = transition(g, a, actor, kT0);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Errc::forbidden);
      EXPECT_EQ(r.error().rule, "not_owner");
    }
  }
}

TEST(Grant, approval_starts_the_clock_and_expiry_waits_for_it) {
  Grant g = *request_grant(resource(SharingClass::conditional), request(), kT0);
  auto approved = apply(g, GrantAction::approve, kOwner, kT0 + 1h);
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->status, GrantStatus::approved);
  EXPECT_EQ(approved->expires_at, kT0 + 1h + std::chrono::days(30));
  EXPECT_EQ(effective_status(*approved, kT0 + std::chrono::days(30)), GrantStatus::approved);
  EXPECT_EQ(effective_status(*approved, kT0 + 1h + std::chrono::days(30)), GrantStatus::expired);

  auto early = apply(*approved, GrantAction::expire, kStranger, kT0 + std::chrono::days(2));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().rule, "not_expired");
  auto expired = apply(*approved, GrantAction::expire, kStranger, kT0 + std::chrono::days(31));
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, GrantStatus::expired);
}

Grant approved_grant(std::vector<std::string> fields, Clock::time_point at = kT0) {
  auto req = request();
  req.fields = std::move(fields);
  Grant g = *request_grant(resource(SharingClass::unconditional), req, at);
  g.id = "g-" + std::to_string(g.fields.size());
  return g;
}

Call call(std::vector<std::string> fields) {
  return Call{kConsumer, "household-register", std::move(fields), "case:abc123"};
}

TEST(Grant, calls_are_authorised_and_filtered_to_the_grant) {
  const Clock::time_point now = kT0 + 1h;
  struct Case {
    const char* name;
    std::vector<Grant> grants;
    Call call;
    std::vector<std::string> fields;    // allowed; empty with a rule = denied
    std::vector<std::string> withheld;  // filtered out
    const char* rule;                   // "" when allowed
  };
  Grant revoked = approved_grant({"name"});
  revoked.status = GrantStatus::revoked;
  Grant expired = approved_grant({"name"}, kT0 - std::chrono::days(31));
  Grant pending = *request_grant(resource(SharingClass::conditional), request(), kT0);
  Grant denied = pending;
  denied.status = GrantStatus::denied;
  Grant other_consumer = approved_grant({"name"});
  other_consumer.consumer = kStranger;
  Grant other_resource = approved_grant({"name"});
  other_resource.resource = "marriage";
  Call no_purpose = call({"name"});
  no_purpose.purpose.clear();

  const Case cases[] = {
      {"granted fields", {approved_grant({"name", "address"})}, call({"name"}), {"name"}, {}, ""},
      {"all granted when none asked",
       {approved_grant({"name", "address"})},
       call({}),
       {"name", "address"},
       {},
       ""},
      {"extra fields filtered",
       {approved_grant({"name"})},
       call({"address", "name", "id_number"}),
       {"name"},
       {"address", "id_number"},
       ""},
      {"grants combine",
       {approved_grant({"name"}), approved_grant({"id_number", "address"})},
       call({"name", "address"}),
       {"name", "address"},
       {},
       ""},
      {"no field granted",
       {approved_grant({"name"})},
       call({"address"}),
       {},
       {},
       "field_not_granted"},
      {"no grant", {}, call({"name"}), {}, {}, "no_grant"},
      {"pending is no grant", {pending}, call({"name"}), {}, {}, "no_grant"},
      {"denied is no grant", {denied}, call({"name"}), {}, {}, "no_grant"},
      {"another consumer's grant", {other_consumer}, call({"name"}), {}, {}, "no_grant"},
      {"another resource's grant", {other_resource}, call({"name"}), {}, {}, "no_grant"},
      {"revoked", {revoked}, call({"name"}), {}, {}, "grant_revoked"},
      {"expired", {expired}, call({"name"}), {}, {}, "grant_expired"},
      {"a fresh grant beside an expired one",
       {expired, approved_grant({"name"})},
       call({"name"}),
       {"name"},
       {},
       ""},
      {"no purpose", {approved_grant({"name"})}, no_purpose, {}, {}, "purpose_required"},
  };
  for (const auto& c : cases) {
    auto r = authorise_call(c.grants, c.call, now);
    if (std::string_view(c.rule).empty()) {
      ASSERT_TRUE(r) << c.name << ": " << r.error().rule;
      EXPECT_EQ(r->fields, c.fields) << c.name;
      EXPECT_EQ(r->withheld, c.withheld) << c.name;
      EXPECT_FALSE(r->grant_id.empty()) << c.name;
    } else {
      ASSERT_FALSE(r) << c.name;
      EXPECT_EQ(r.error().rule, c.rule) << c.name;
      EXPECT_EQ(r.error().code, std::string_view(c.rule) == "purpose_required"
                                    ? Errc::invalid_argument
                                    : Errc::forbidden)
          << c.name;
    }
  }
}

TEST(Grant, the_latest_ended_grant_names_the_denial) {
  Grant old_revoked = approved_grant({"name"}, kT0 - std::chrono::days(60));
  old_revoked.status = GrantStatus::revoked;
  Grant newer_expired = approved_grant({"name"}, kT0 - std::chrono::days(31));
  const Grant both[] = {old_revoked, newer_expired};
  auto r = authorise_call(both, call({"name"}), kT0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "grant_expired");
}

}  // namespace
}  // namespace tongban::datahub

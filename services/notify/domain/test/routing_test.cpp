#include "domain/routing.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

namespace tongban::notify {
namespace {

// Nanjing receives, Hangzhou accepts.
constexpr const char* kNanjing = "320100";
constexpr const char* kHangzhou = "330100";

const Templates& shipped() {
  static const Templates t = [] {
    auto read = [](const std::string& name) {
      std::ifstream in(std::string(TONGBAN_NOTIFY_TEMPLATES_DIR) + "/" + name);
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    };
    return *Templates::load(
        {{Language::zh, "zh.txt", read("zh.txt")}, {Language::en, "en.txt", read("en.txt")}},
        required_templates());
  }();
  return t;
}

CaseEvent event(std::string kind) {
  CaseEvent e;
  e.event_id = "evt-1";
  e.kind = std::move(kind);
  e.case_id = "case-1";
  e.applicant = "sub-1";
  e.receiving_city = kNanjing;
  e.accepting_city = kHangzhou;
  e.item_code = "PS-0001";
  e.state = "FORWARDED";
  e.at = "2026-03-01T10:15:00.000Z";
  return e;
}

Preferences prefs(bool email, bool webhook, Language l = Language::zh) {
  Preferences p;
  p.email_on = email;
  p.webhook_on = webhook;
  p.email = "li.hua@example.cn";
  p.language = l;
  return p;
}

StaffDirectory staff() {
  return *parse_staff_mailboxes(std::string(kHangzhou) + "=accept@hz.example.gov.cn, " + kNanjing +
                                    "=window@nj.example.gov.cn",
                                Language::zh);
}

const ChannelsConfigured kBoth{true, true};

TEST(Routing,
     a_forwarded_case_reaches_the_applicant_on_each_chosen_channel_and_the_accepting_staff) {
  auto d = plan_deliveries(event("case_forwarded"), prefs(true, true), staff(), kBoth, shipped(),
                           {"户口迁移", "Household registration transfer"});
  ASSERT_EQ(d.size(), 3U);
  EXPECT_EQ(d[0].channel, Channel::email);
  EXPECT_EQ(d[0].recipient, "sub-1");
  EXPECT_EQ(d[0].address, "li.hua@example.cn");
  EXPECT_EQ(d[0].subject, "【跨城通办】已转交杭州市：户口迁移");
  EXPECT_NE(d[0].body.find("2026-03-01 18:15"), std::string::npos) << d[0].body;
  EXPECT_NE(d[0].body.find("南京市"), std::string::npos);
  EXPECT_EQ(d[1].channel, Channel::webhook);
  EXPECT_EQ(d[1].address, "");
  EXPECT_EQ(d[2].audience, Audience::staff);
  EXPECT_EQ(d[2].recipient, "city:330100");
  EXPECT_EQ(d[2].address, "accept@hz.example.gov.cn");
  EXPECT_NE(d[2].subject.find("南京市"), std::string::npos);
}

TEST(Routing, an_opted_out_channel_sends_nothing) {
  auto none =
      plan_deliveries(event("case_accepted"), prefs(false, false), staff(), kBoth, shipped(), {});
  EXPECT_TRUE(none.empty());
  auto webhook_only =
      plan_deliveries(event("case_accepted"), prefs(false, true), staff(), kBoth, shipped(), {});
  ASSERT_EQ(webhook_only.size(), 1U);
  EXPECT_EQ(webhook_only[0].channel, Channel::webhook);
}

TEST(Routing, no_address_or_no_configured_channel_sends_nothing_on_it) {
  auto p = prefs(true, false);
  p.email.clear();
  EXPECT_TRUE(plan_deliveries(event("case_accepted"), p, staff(), kBoth, shipped(), {}).empty());
  EXPECT_TRUE(plan_deliveries(event("case_accepted"), prefs(true, true), staff(),
                              ChannelsConfigured{false, false}, shipped(), {})
                  .empty());
}

TEST(Routing, the_applicants_language_picks_the_template) {
  auto d = plan_deliveries(event("case_approved"), prefs(true, false, Language::en), staff(), kBoth,
                           shipped(), {"户口迁移", "Household registration transfer"});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].subject, "[Cross-city service] Approved: Household registration transfer");
  EXPECT_NE(d[0].body.find("Hangzhou"), std::string::npos);
}

TEST(Routing, an_unknown_item_name_falls_back_to_the_other_language_then_the_code) {
  auto e = event("case_accepted");
  EXPECT_EQ(values_of(e, Language::en, {"户口迁移", ""}).at("item_name"), "户口迁移");
  EXPECT_EQ(values_of(e, Language::en, {}).at("item_name"), "PS-0001");
}

TEST(Routing, an_overdue_stage_warns_the_place_holding_it) {
  auto e = event("case_overdue");
  e.stage = "forward";
  e.due = "2026-03-02T01:00:00Z";
  auto d = plan_deliveries(e, prefs(true, true), staff(), kBoth, shipped(), {});
  ASSERT_EQ(d.size(), 1U);  // the applicant does not hear of it
  EXPECT_EQ(d[0].recipient, "city:320100");
  EXPECT_NE(d[0].body.find("2026-03-02 09:00"), std::string::npos) << d[0].body;
  e.stage = "decide";
  d = plan_deliveries(e, prefs(true, true), staff(), kBoth, shipped(), {});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].recipient, "city:330100");
}

TEST(Routing, a_city_without_a_mailbox_gets_no_staff_message) {
  auto d = plan_deliveries(event("case_forwarded"), prefs(false, false), StaffDirectory{}, kBoth,
                           shipped(), {});
  EXPECT_TRUE(d.empty());
}

TEST(Routing, events_notify_does_not_tell_anyone_make_no_delivery) {
  for (const char* kind : {"case_pre_examined", "case_rated"}) {
    EXPECT_TRUE(
        plan_deliveries(event(kind), prefs(true, true), staff(), kBoth, shipped(), {}).empty())
        << kind;
  }
}

// may_deliver lets notify pass events by unread, so it must never be false for an event
// that would have made a delivery: checked against plan_deliveries for every step, every
// combination of channels, with and without staff mailboxes, the applicant opted in on both.
TEST(Routing, an_event_passed_by_as_undeliverable_would_indeed_have_made_no_delivery) {
  const StaffDirectory none;
  for (const char* kind : {"case_submitted", "case_received", "case_supplement_requested",
                           "case_pre_examined", "case_forwarded", "case_accepted", "case_rejected",
                           "case_approved", "case_denied", "case_result_dispatched",
                           "case_completed", "case_withdrawn", "case_rated", "case_overdue"}) {
    for (const auto& mailboxes : {staff(), none}) {
      for (const ChannelsConfigured channels :
           {ChannelsConfigured{false, false}, ChannelsConfigured{true, false},
            ChannelsConfigured{false, true}, kBoth}) {
        auto e = event(kind);
        e.stage = "accept";
        const bool may = may_deliver(kind, mailboxes, channels);
        const auto planned =
            plan_deliveries(e, prefs(true, true), mailboxes, channels, shipped(), {});
        EXPECT_EQ(may, !planned.empty())
            << kind << " email=" << channels.email << " webhook=" << channels.webhook
            << " mailboxes=" << mailboxes.mailboxes.size();
      }
    }
  }
  EXPECT_FALSE(may_deliver("case_pre_examined", staff(), kBoth));
  EXPECT_FALSE(may_deliver("case_forwarded", none, ChannelsConfigured{false, false}));
  EXPECT_TRUE(may_deliver("case_overdue", staff(), ChannelsConfigured{true, false}));
  EXPECT_FALSE(may_deliver("case_overdue", staff(), ChannelsConfigured{false, true}));
}

TEST(Routing, the_step_is_read_off_the_event_type) {
  EXPECT_EQ(case_event_kind("tongban.delegation.case_forwarded.v1"), "case_forwarded");
  EXPECT_EQ(case_event_kind("tongban.delegation.case_overdue.v1"), "case_overdue");
  for (const char* other :
       {"tongban.catalog.item_published.v1", "tongban.delegation.agreement_signed.v1",
        "tongban.delegation.case_forwarded.v2", "tongban.delegation..v1", "case_forwarded"}) {
    EXPECT_FALSE(case_event_kind(other)) << other;
  }
}

TEST(Routing, a_redelivered_event_maps_to_the_same_delivery_ids_and_each_channel_to_its_own) {
  auto a =
      plan_deliveries(event("case_received"), prefs(true, true), staff(), kBoth, shipped(), {});
  auto b =
      plan_deliveries(event("case_received"), prefs(true, true), staff(), kBoth, shipped(), {});
  ASSERT_EQ(a.size(), 2U);
  EXPECT_EQ(a[0].id, b[0].id);
  EXPECT_EQ(a[1].id, b[1].id);
  EXPECT_NE(a[0].id, a[1].id);
  EXPECT_EQ(a[0].id.size(), 32U);
  EXPECT_NE(delivery_id("evt-1", Channel::email, "sub-1"),
            delivery_id("evt-2", Channel::email, "sub-1"));
}

TEST(Routing, a_reason_with_line_breaks_stays_out_of_the_subject) {
  auto e = event("case_supplement_requested");
  e.reason = "材料不全\nBcc: evil@example.cn";
  const TemplateKey key{"case_supplement_requested", Audience::applicant, Channel::email,
                        Language::zh};
  auto t = Templates::load({{Language::zh, "zh.txt",
                             "== case_supplement_requested applicant email\n"
                             "Subject: 补正：{{reason}}\n{{reason}}\n"}},
                           {key});
  ASSERT_TRUE(t) << t.error().message;
  auto d = plan_deliveries(e, prefs(true, false), staff(), kBoth, *t, {});
  ASSERT_EQ(d.size(), 1U);
  EXPECT_EQ(d[0].subject, "补正：材料不全 Bcc: evil@example.cn");
  EXPECT_EQ(d[0].body, "材料不全\nBcc: evil@example.cn");
}

TEST(Routing, staff_mailboxes_are_checked) {
  EXPECT_TRUE(parse_staff_mailboxes("", Language::zh)->mailboxes.empty());
  auto bad_city = parse_staff_mailboxes("999999=a@b.cn", Language::zh);
  ASSERT_FALSE(bad_city);
  EXPECT_EQ(bad_city.error().rule, "city_mailbox");
  auto bad_address = parse_staff_mailboxes("320100=not-an-address", Language::zh);
  ASSERT_FALSE(bad_address);
  EXPECT_EQ(bad_address.error().rule, "email_format");
}

TEST(Routing, case_events_are_read_from_their_envelope_data) {
  auto data = boost::json::parse(
      R"({"case_id":"c","applicant":"s","receiving_city":"320100","accepting_city":"330100",
          "item_code":"PS-0001","state":"APPROVED","at":"2026-03-01T10:00:00Z","reason":"ok",
          "result":{"title":"结婚证"}})");
  auto e = read_case_event("id-1", "tongban.delegation.case_approved.v1", data);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->kind, "case_approved");
  EXPECT_EQ((*e)->result_title, "结婚证");
  auto other = read_case_event("id-2", "tongban.catalog.item_published.v1", data);
  ASSERT_TRUE(other);
  EXPECT_FALSE(*other);
  auto broken = read_case_event("id-3", "tongban.delegation.case_accepted.v1",
                                boost::json::parse(R"({"case_id":"c"})"));
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().field, "data.applicant");
}

TEST(Routing, times_are_shown_in_china_standard_time) {
  EXPECT_EQ(china_time("2026-12-31T17:30:00Z"), "2027-01-01 01:30");
  EXPECT_EQ(china_time("2026-03-01T18:15:00+08:00"), "2026-03-01 18:15");
  EXPECT_EQ(china_time("yesterday"), "yesterday");
}

}  // namespace
}  // namespace tongban::notify

#include "domain/routing.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "tongban/cities/cities.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::notify {
namespace {

// The steps an applicant hears of (SPEC §3.4's state machine; pre-examination, ratings and
// overdue stages are the staff's business).
constexpr std::array<std::string_view, 11> kApplicantKinds = {
    "case_submitted", "case_received", "case_supplement_requested",
    "case_forwarded", "case_accepted", "case_rejected",
    "case_approved",  "case_denied",   "case_result_dispatched",
    "case_completed", "case_withdrawn"};

bool applicant_hears(std::string_view kind) {
  return std::find(kApplicantKinds.begin(), kApplicantKinds.end(), kind) != kApplicantKinds.end();
}

bool staff_hear(std::string_view kind) {
  return kind == "case_forwarded" || kind == "case_overdue";
}

// The steps a place's staff hear of, and which place: a forwarded case arrives at the
// accepting place; an overdue stage is the business of the place holding it.
std::optional<std::string> staff_city(const CaseEvent& e) {
  if (!staff_hear(e.kind)) return std::nullopt;
  if (e.kind == "case_forwarded") return e.accepting_city;
  return e.stage == "forward" ? e.receiving_city : e.accepting_city;
}

std::string city_name(const std::string& code, Language l) {
  const auto* c = cities::directory().find(code);
  if (!c) return code;
  return l == Language::zh ? c->name_zh : c->name_en;
}

std::string stage_name(std::string_view stage, Language l) {
  if (stage == "forward") return l == Language::zh ? "转交受理地" : "forwarding";
  if (stage == "accept") return l == Language::zh ? "受理" : "acceptance";
  if (stage == "decide") return l == Language::zh ? "审批决定" : "decision";
  return std::string(stage);
}

std::string one_line(std::string s) {
  // Header text: line breaks would end the header (and start an injected one).
  std::replace(s.begin(), s.end(), '\r', ' ');
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

Result<StaffDirectory> parse_staff_mailboxes(std::string_view text, Language language) {
  StaffDirectory d;
  d.language = language;
  std::size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto entry = text.substr(start, comma - start);
    start = comma + 1;
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    const auto city = entry.substr(0, eq);
    const auto address = eq == std::string_view::npos ? std::string_view() : entry.substr(eq + 1);
    if (eq == std::string_view::npos || !cities::directory().is_known_city(city)) {
      return fail(Error::invalid(
          std::string(entry), "city_mailbox",
          "\"" + std::string(entry) + "\" is not <city division code>=<address> of a known city"));
    }
    if (!valid_email(address)) {
      return fail(Error::invalid(std::string(entry), "email_format",
                                 "\"" + std::string(address) + "\" is not an email address"));
    }
    d.mailboxes[std::string(city)] = std::string(address);
  }
  return d;
}

std::vector<TemplateKey> required_templates() {
  std::vector<TemplateKey> out;
  for (auto l : {Language::zh, Language::en}) {
    for (auto k : kApplicantKinds) {
      for (auto c : {Channel::email, Channel::webhook}) {
        out.push_back(TemplateKey{std::string(k), Audience::applicant, c, l});
      }
    }
    for (auto k : {"case_forwarded", "case_overdue"}) {
      out.push_back(TemplateKey{k, Audience::staff, Channel::email, l});
    }
  }
  return out;
}

std::string china_time(std::string_view rfc3339) {
  Clock::time_point t;
  if (!parse_rfc3339(rfc3339, t)) return std::string(rfc3339);
  // China Standard Time: UTC+8 all year (no daylight saving since 1991).
  const auto local = std::chrono::floor<std::chrono::minutes>(t + std::chrono::hours(8));
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{local - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()));
  return buf;
}

Values values_of(const CaseEvent& e, Language l, const ItemNames& item) {
  const auto& name = l == Language::zh ? item.zh : item.en;
  const auto& other = l == Language::zh ? item.en : item.zh;
  return Values{{"case_id", e.case_id},
                {"item_code", e.item_code},
                {"item_name", !name.empty() ? name : (!other.empty() ? other : e.item_code)},
                {"receiving_city", city_name(e.receiving_city, l)},
                {"accepting_city", city_name(e.accepting_city, l)},
                {"state", e.state},
                {"reason", e.reason},
                {"at", china_time(e.at)},
                {"stage", stage_name(e.stage, l)},
                {"due", e.due.empty() ? std::string() : china_time(e.due)},
                {"result_title", e.result_title},
                {"applicant", e.applicant},
                {"event", e.kind}};
}

bool may_deliver(std::string_view kind, const StaffDirectory& staff, ChannelsConfigured channels) {
  if (applicant_hears(kind) && (channels.email || channels.webhook)) return true;
  return staff_hear(kind) && channels.email && !staff.mailboxes.empty();
}

std::vector<Delivery> plan_deliveries(const CaseEvent& e, const Preferences& prefs,
                                      const StaffDirectory& staff, ChannelsConfigured channels,
                                      const Templates& templates, const ItemNames& item) {
  std::vector<Delivery> out;
  auto add = [&](Audience audience, Channel channel, const std::string& recipient,
                 const std::string& address, Language language) {
    const auto* t = templates.find(TemplateKey{e.kind, audience, channel, language});
    if (!t) return;  // load() made sure every routed key has one
    const auto values = values_of(e, language, item);
    Delivery d;
    d.id = delivery_id(e.event_id, channel, recipient);
    d.event_id = e.event_id;
    d.event_kind = e.kind;
    d.case_id = e.case_id;
    d.channel = channel;
    d.audience = audience;
    d.recipient = recipient;
    d.address = address;
    d.language = language;
    d.subject = one_line(render(t->subject, values));
    d.body = render(t->body, values);
    out.push_back(std::move(d));
  };
  if (applicant_hears(e.kind)) {
    if (channels.email && prefs.email_on && !prefs.email.empty()) {
      add(Audience::applicant, Channel::email, e.applicant, prefs.email, prefs.language);
    }
    if (channels.webhook && prefs.webhook_on) {
      add(Audience::applicant, Channel::webhook, e.applicant, "", prefs.language);
    }
  }
  if (auto city = staff_city(e); city && channels.email) {
    if (auto it = staff.mailboxes.find(*city); it != staff.mailboxes.end()) {
      add(Audience::staff, Channel::email, staff_recipient(*city), it->second, staff.language);
    }
  }
  return out;
}

}  // namespace tongban::notify

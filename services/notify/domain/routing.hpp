// Who hears of a case event, over which channel, in which language, with which text:
// the applicant on every step they care about (by their preferences), the staff of the
// place that must act next (a city's mailbox) when a case is forwarded to it or overdue.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.hpp"
#include "domain/preferences.hpp"
#include "domain/templates.hpp"

namespace tongban::notify {

// The staff side: one mailbox per city (TONGBAN_NOTIFY_STAFF_EMAILS) and their language.
struct StaffDirectory {
  std::map<std::string, std::string> mailboxes;  // division code -> address
  Language language = Language::zh;
};

// "320100=window@nj.example.gov.cn,310000=..." ("" = none). Errors name the entry.
Result<StaffDirectory> parse_staff_mailboxes(std::string_view text, Language language);

// Which channels this process can send on (configured at start).
struct ChannelsConfigured {
  bool email = false;
  bool webhook = false;
};

// An item's names from catalog's events, for {{item_name}}; empty when unknown.
struct ItemNames {
  std::string zh;
  std::string en;
};

// Every template the routing can ask for, in both languages: what Templates::load checks.
std::vector<TemplateKey> required_templates();

// False when no event of this kind ("case_forwarded") can make a delivery here, whoever
// the applicant and whatever their preferences: no channel its audience is reached on is
// configured. Such events are passed by unread (a platform without channels reads none).
bool may_deliver(std::string_view kind, const StaffDirectory& staff, ChannelsConfigured channels);

// The deliveries one case event makes, rendered. `prefs` are the applicant's (defaults when
// they never set any). Pure: the same event always gives the same ids.
std::vector<Delivery> plan_deliveries(const CaseEvent& e, const Preferences& prefs,
                                      const StaffDirectory& staff, ChannelsConfigured channels,
                                      const Templates& templates, const ItemNames& item);

// The values of the placeholders for one event in one language (city names from the
// 155-city dataset, times in China Standard Time).
Values values_of(const CaseEvent& e, Language language, const ItemNames& item);

// "2026-03-01T10:15:00Z" -> "2026-03-01 18:15" (UTC+8); the input when it does not parse.
std::string china_time(std::string_view rfc3339);

}  // namespace tongban::notify

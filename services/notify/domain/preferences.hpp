// An applicant's notification preferences: which channels are on, the mailbox, and the
// language of the messages. Kept per subject; PUT /v1/me/preferences replaces them whole.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "domain/model.hpp"

namespace tongban::notify {

struct Preferences {
  bool email_on = true;     // on by default, but nothing is sent without an address
  bool webhook_on = false;  // opt-in
  std::string email;        // "" = none
  Language language = Language::zh;
  std::string updated_at;  // RFC 3339; "" for the defaults
};

// The body of PUT /v1/me/preferences:
//   {"channels": {"email": bool, "webhook": bool}, "email": "a@b.cn" | null,
//    "language": "zh" | "en"}
// Errors name the field and the rule: unknown_member, unknown_channel, required, type,
// email_format, max_length, enum, required_for_email_channel.
Result<Preferences> parse_preferences(const boost::json::object& body);

boost::json::object to_json(const Preferences& p);
// What the repository stored (to_json's output); defaults for members it lacks.
Result<Preferences> preferences_from_json(std::string_view stored);

// A mailbox notify can send to: ASCII "local@domain" (RFC 5321 dot-atom local part, a
// domain of LDH labels), at most 254 octets. Quoted local parts and address literals are
// refused on purpose: no mail system a citizen uses needs them, and they are how header
// injection gets in.
bool valid_email(std::string_view address);

}  // namespace tongban::notify

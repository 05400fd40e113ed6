// The words notify's rules are written in: channels, audiences, languages, a case event as
// notify reads it, and a delivery (one message to one recipient over one channel).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::notify {

enum class Channel : std::uint8_t { email, webhook };
enum class Audience : std::uint8_t { applicant, staff };
enum class Language : std::uint8_t { zh, en };

std::string_view to_string(Channel c);
std::string_view to_string(Audience a);
std::string_view to_string(Language l);
std::optional<Channel> parse_channel(std::string_view s);
std::optional<Audience> parse_audience(std::string_view s);
std::optional<Language> parse_language(std::string_view s);

// What notify needs of one of delegation's case events (docs/events/asyncapi.yaml
// CaseTransition, plus the members of case_overdue and case_approved).
struct CaseEvent {
  std::string event_id;
  std::string kind;  // the type between "tongban.delegation." and ".v1": "case_forwarded"
  std::string case_id;
  std::string applicant;  // identity subject id
  std::string receiving_city;
  std::string accepting_city;
  std::string item_code;
  std::string state;
  std::string reason;
  std::string at;            // RFC 3339
  std::string stage;         // case_overdue: forward, accept or decide
  std::string due;           // case_overdue: RFC 3339
  std::string result_title;  // case_approved: the e-licence's title, when given
};

inline constexpr std::string_view kCasesTopic = "tongban.delegation.cases.v1";
inline constexpr std::string_view kCatalogTopic = "tongban.catalog.items.v1";

// "tongban.delegation.case_forwarded.v1" -> "case_forwarded"; nullopt for any other type.
std::optional<std::string_view> case_event_kind(std::string_view type);

// The case event in an envelope of type `type`, or nullopt for an event notify does not
// read (another topic's, or not a case transition). A case event without the members
// every case event carries is an invalid_argument error (non-retryable: the DLQ).
Result<std::optional<CaseEvent>> read_case_event(std::string_view event_id, std::string_view type,
                                                 const boost::json::value& data);

// One message for one recipient over one channel, as stored and retried.
struct Delivery {
  std::string id;  // delivery_id(event, channel, recipient)
  std::string event_id;
  std::string event_kind;
  std::string case_id;
  Channel channel = Channel::email;
  Audience audience = Audience::applicant;
  std::string recipient;  // the applicant's subject id, or "city:<code>" for staff
  std::string address;    // email: the mailbox; webhook: "" (the configured URL)
  Language language = Language::zh;
  std::string subject;
  std::string body;
};

// The id that makes a delivery idempotent: a redelivered event maps to the same ids, so
// each (event, channel, recipient) is sent once. 32 hex digits of SHA-256.
std::string delivery_id(std::string_view event_id, Channel channel, std::string_view recipient);

// Staff recipients are a city's mailbox, not a person: "city:<division code>".
std::string staff_recipient(std::string_view city);

}  // namespace tongban::notify

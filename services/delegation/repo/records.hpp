// What delegation stores and sends: the case record (a snapshot that travels whole in the
// FORWARDED event, so the accepting place can build its view from it), its timeline
// entries, and agreements with every version — each with its JSON form.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/agreement.hpp"
#include "domain/case_state.hpp"
#include "domain/rating.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

// Who holds the writable copy of a case at this node.
enum class Holder : std::uint8_t {
  receiving,  // before the hand-off: the receiving place's node writes
  forwarded,  // forwarded here; the accepting side has not materialised it yet
  accepting,  // the accepting place's node writes (built from the FORWARDED event)
  mirror,     // a read-only copy kept current from the other node's events
};
std::string_view to_string(Holder h);
std::optional<Holder> parse_holder(std::string_view text);

struct CaseRecord {
  std::string id;
  int version = 0;
  CaseState state = CaseState::submitted;
  Holder holder = Holder::receiving;
  std::string applicant;          // subject id
  std::string applicant_kind;     // citizen / enterprise
  std::string registration_city;  // the accepting city
  int assurance_level = 0;
  std::string receiving_city;
  std::string accepting_city;
  std::string item_code;
  int item_version = 0;
  std::string agreement_id;
  int agreement_version = 0;
  Rights rights = Rights::receipt;
  ResultDelivery delivery = ResultDelivery::mail;
  int accept_limit_days = 0;
  int decide_limit_days = 0;
  std::vector<std::string> materials_provided;
  std::vector<std::string> exempted;  // held as e-licences (datahub's materials check)
  std::string materials_check;        // "datahub", "unavailable" (could not ask), "not_needed"
  std::string submitted_by;
  Clock::time_point submitted_at{};
  Clock::time_point updated_at{};
  Clock::time_point stage_started_at{};  // when the current state was entered
  std::vector<std::string> overdue_stages;
  std::optional<Rating> rating;
  boost::json::object result;  // set on approval: what datahub issues as the e-licence
};

boost::json::object to_json(const CaseRecord& c);
Result<CaseRecord> case_from_json(const boost::json::object& o);

// One line of a case's timeline: a transition (or submitted / rated / overdue).
struct TimelineEntry {
  int version = 0;  // the case version it produced
  std::string action;
  std::string from;  // "" for the submission
  std::string to;
  std::string actor;  // subject, or "system"
  std::string actor_city;
  std::string actor_department;
  std::string reason;
  Clock::time_point at{};
  std::string node;
};
boost::json::object to_json(const TimelineEntry& e);

boost::json::object to_json(const Agreement& a);
Result<Agreement> agreement_from_json(const boost::json::object& o);

}  // namespace tongban::delegation

// The resource directory (SPEC §3.3): what a department registers about a data resource,
// the records it ingests per subject, and the e-licences (电子证照) held per subject with
// the materials check delegation asks for. Pure: read from JSON, checked, no storage.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/grant.hpp"

namespace tongban::datahub {

enum class UpdateFrequency : std::uint8_t {
  realtime,
  daily,
  weekly,
  monthly,
  quarterly,
  yearly,
  on_change
};
std::string_view to_string(UpdateFrequency f);
std::optional<UpdateFrequency> parse_update_frequency(std::string_view text);

struct ResourceField {
  std::string name;         // [a-z][a-z0-9_]{0,63}
  std::string description;  // for people, 0..200 chars
};

// A registered resource: the grant rules' view (`core`) plus what the directory shows.
struct ResourceEntry {
  Resource core;  // id, owner, sharing class, field names
  std::string name;
  std::string description;
  std::vector<ResourceField> fields;
  UpdateFrequency update_frequency = UpdateFrequency::daily;
  Clock::time_point registered_at{};
};

// Resource ids: 3..64 of [a-z0-9._-], starting with a letter or digit, e.g.
// "330100.civil-affairs.marriage-records".
bool is_resource_id(std::string_view id);

// A registration body {id, name, description?, fields:[{name, description?}],
// sharing_class, update_frequency} from the owner department. Errors are invalid with the
// field named: `id` (resource_id), `fields/<i>/name` (field_name, duplicate_field),
// `sharing_class`, `update_frequency`, ...
Result<ResourceEntry> read_resource(const boost::json::object& body, const Department& owner,
                                    Clock::time_point now);
boost::json::object to_json(const ResourceEntry& r);
Result<ResourceEntry> resource_from_json(const boost::json::object& o);

// A record body {"values": {field: value}}: every key a field of the resource (rule
// unknown_field, field values/<name>), values strings (≤ 4096 bytes), numbers, booleans or
// null (rule value_type). Returns the values object.
Result<boost::json::object> read_record(const boost::json::object& body, const Resource& r);

// The values of the granted fields only, in the order given; absent ones are null.
boost::json::object filter_record(const boost::json::object& values,
                                  std::span<const std::string> fields);

enum class LicenceStatus : std::uint8_t { valid, revoked };

struct ELicence {
  std::string id;       // set by the service
  std::string subject;  // the holder (identity subject id)
  std::string type;     // what kind of licence, e.g. "household_register"; [a-z0-9_.:-]
  std::string title;
  std::string number;  // the licence's own number, as printed
  Department issuer;
  Clock::time_point issued_at{};
  std::optional<Clock::time_point> valid_until;
  LicenceStatus status = LicenceStatus::valid;
  std::string case_id;    // set when issued for an approved delegation case
  std::string item_code;  // idem: the base item of that case
};

bool is_licence_type(std::string_view type);
// An ingest body {subject, type, title, number, valid_until?} from the issuing department.
// valid_until must lie after `now` (rule already_expired).
Result<ELicence> read_licence(const boost::json::object& body, const Department& issuer,
                              Clock::time_point now);
boost::json::object to_json(const ELicence& l);
Result<ELicence> licence_from_json(const boost::json::object& o);
// Valid, and not past valid_until at `now`.
bool in_force(const ELicence& l, Clock::time_point now);

// The licence type an approved case issues: what the event names, else one derived from
// the item ("result:<item code>", lower-cased), so every approval yields a licence.
std::string result_licence_type(std::string_view named, std::string_view item_code);

// A material a base item requires, as the catalog publishes it.
struct RequiredMaterial {
  std::string name_zh;
  std::string name_en;
  std::string form;            // original / copy / electronic
  std::string e_licence_type;  // empty: no e-licence can replace it
};

struct MaterialStatus {
  std::size_t index = 0;
  const RequiredMaterial* material = nullptr;
  std::optional<std::string> held_licence;  // the licence in force that replaces it
};

// For each required material: the first licence in force of its e-licence type.
std::vector<MaterialStatus> check_materials(std::span<const RequiredMaterial> required,
                                            std::span<const ELicence> held, Clock::time_point now);

}  // namespace tongban::datahub

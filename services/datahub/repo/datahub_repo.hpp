// datahub's state in Redis (tb:datahub:*): the resource directory, records, sharing
// grants, e-licences, and what it learns from other services' events (which cities handle
// a case, the materials of each catalog item). Every write that others must hear about
// carries its outbox event in the same Lua script: written together or not at all.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/directory.hpp"
#include "domain/grant.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::datahub {

inline constexpr std::string_view kDirectoryTopic = "tongban.datahub.directory.v1";
inline constexpr std::string_view kCallsTopic = "tongban.datahub.calls.v1";
inline constexpr std::string_view kLicencesTopic = "tongban.datahub.licences.v1";
// Consumed: delegation's case events and the catalog's items.
inline constexpr std::string_view kCasesTopic = "tongban.delegation.cases.v1";
inline constexpr std::string_view kCatalogTopic = "tongban.catalog.items.v1";

// The two places of a delegation case, as its events tell them.
struct CasePlaces {
  std::string receiving_city;
  std::string accepting_city;
  std::string applicant;
};

// A catalog item's materials as datahub caches them from the catalog's events.
struct ItemMaterials {
  std::string code;
  std::uint32_t version = 0;
  bool withdrawn = false;
  std::vector<RequiredMaterial> materials;
};

struct ResourcePage {
  std::vector<ResourceEntry> resources;
  std::optional<std::string> next_cursor;  // the last id of this page
};

struct ResourceQuery {
  std::string keyword;  // in id, name, description or a field name (case-sensitive UTF-8)
  std::string city;
  std::string department;
  std::optional<SharingClass> sharing;
  std::string cursor;  // exclusive: ids after it
  std::size_t page_size = 20;
};

class DatahubRepo {
 public:
  explicit DatahubRepo(store::Redis& redis);

  // Directory. register_resource: conflict `resource_exists` if the id is taken.
  Result<void> register_resource(const ResourceEntry& r, const store::OutboxMessage& event);
  Result<std::optional<ResourceEntry>> resource(const std::string& id);
  Result<ResourcePage> search_resources(const ResourceQuery& q);

  // Records: one JSON object of values per (resource, subject); a put replaces it.
  Result<void> put_record(const std::string& resource, const std::string& subject,
                          const boost::json::object& values);
  Result<std::optional<boost::json::object>> record(const std::string& resource,
                                                    const std::string& subject);

  // Grants. create_grant indexes it for the consumer+resource pair, owner, consumer and
  // (approved ones) the expiry sweep. update_grant is a compare-and-set on the status the
  // caller read: false when someone else changed it first.
  Result<void> create_grant(const Grant& g, const store::OutboxMessage& event);
  Result<bool> update_grant(const Grant& g, GrantStatus expected,
                            const store::OutboxMessage& event);
  Result<std::optional<Grant>> grant(const std::string& id);
  // Every grant of the consumer department for the resource (any status).
  Result<std::vector<Grant>> grants_for(const Department& consumer, const std::string& resource);
  // Grants where `dept` is the owner (as_owner) or the consumer, newest first.
  Result<std::vector<Grant>> grants_of(const Department& dept, bool as_owner, std::size_t limit);
  // Approved grants whose expires_at has passed at `now_ms`, at most `limit`.
  Result<std::vector<std::string>> due_expiries(long long now_ms, std::size_t limit);

  // E-licences. issue_licence with a case id is idempotent on it: the second issue for a
  // case returns the first licence's id and writes nothing.
  Result<std::string> issue_licence(const ELicence& l, const store::OutboxMessage& event);
  // Several in one round trip, each on its own as issue_licence; the ids in order.
  using LicenceWithEvent = std::pair<ELicence, store::OutboxMessage>;
  Result<std::vector<std::string>> issue_licences(std::span<const LicenceWithEvent> licences);
  Result<bool> revoke_licence(const ELicence& revoked, const store::OutboxMessage& event);
  Result<std::optional<ELicence>> licence(const std::string& id);
  Result<std::vector<ELicence>> licences_of(const std::string& subject);
  Result<std::optional<std::string>> licence_for_case(const std::string& case_id);

  // What other services' events taught us: the places of cases, several in one round trip
  // (a consumer's batch).
  using CaseWithPlaces = std::pair<std::string, CasePlaces>;
  Result<void> record_cases(std::span<const CaseWithPlaces> cases);
  Result<std::optional<CasePlaces>> case_places(const std::string& case_id);
  // Keeps the newest version only (events may come twice or late).
  Result<void> put_item(const ItemMaterials& item);
  Result<std::optional<ItemMaterials>> item(const std::string& code);

 private:
  store::Redis& redis_;
};

boost::json::object to_json(const Grant& g);
Result<Grant> grant_from_json(const boost::json::object& o);

}  // namespace tongban::datahub

// Bilateral cross-city agreements (SPEC §3.4): access grants, denied by default, between two
// cities — the covered base items with the rights delegated to the receiving place, result
// delivery, validity and the accepting place's time limit — proposed by one city,
// countersigned by the other, amended (countersigned again), suspended, resumed and
// terminated, every version kept. Pure: checks on the catalog are injected, time is passed.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/authority.hpp"
#include "domain/case_state.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

// How the applicant gets the result. Text form: the names.
enum class ResultDelivery : std::uint8_t { mail, window_at_receiving_place, online };
std::string_view to_string(ResultDelivery d);
std::optional<ResultDelivery> parse_result_delivery(std::string_view text);
// Who hands the result over: the receiving place's window for window_at_receiving_place,
// else the accepting place (it posts it or publishes it online).
Place handover_place(ResultDelivery d);

inline constexpr int kMaxAcceptLimitDays = 30;
inline constexpr std::size_t kMaxAgreementItems = 500;

// What the two cities agree on; one per version.
struct AgreementBody {
  std::map<std::string, Rights> items;          // base item code -> rights delegated for it
  std::vector<ResultDelivery> result_delivery;  // non-empty, no duplicates
  Clock::time_point valid_from{};
  Clock::time_point valid_until{};  // exclusive; after valid_from
  int accept_limit_days = 5;        // working days the accepting place has to accept, 1..30
  friend bool operator==(const AgreementBody&, const AgreementBody&) = default;
};

// Errc::invalid_argument naming the field: `items` (`min_items`, `max_items`),
// `items/<code>` (`code_format`: not like PS-0001), `result_delivery` (`min_items`),
// `result_delivery/<i>` (`duplicate`), `valid_until` (`validity_order`: not after
// valid_from), `accept_limit_days` (`range`: not 1..30).
Result<void> validate_body(const AgreementBody& body);

// `{"items": {"PS-0001": {"rights": "RECEIPT"}, ...}, "result_delivery": ["mail"],
//   "valid_from": "<RFC 3339>", "valid_until": "<RFC 3339>", "accept_limit_days": 5}`:
// the rules of validate_body plus `unknown_key`, `required`, `type`, `enum`
// (`items/<code>/rights`, `result_delivery/<i>`) and `date_time` (not RFC 3339).
Result<AgreementBody> read_agreement_body(const boost::json::object& obj);
boost::json::object to_json(const AgreementBody& body);

// Text form: the names in upper case (PROPOSED, ...).
enum class AgreementStatus : std::uint8_t {
  proposed,    // waiting for the other city's countersignature
  active,      // countersigned; in force within its validity
  declined,    // the other city said no
  suspended,   // countersigned, but no new case may be submitted under it
  terminated,  // ended for good
  superseded,  // an amendment was countersigned after it
};
std::string_view to_string(AgreementStatus s);
std::optional<AgreementStatus> parse_agreement_status(std::string_view text);

struct AgreementVersion {
  int version = 1;
  AgreementBody body;
  AgreementStatus status = AgreementStatus::proposed;
  std::string proposer_city;  // the city that proposed this version
  std::string proposed_by;    // subject
  Clock::time_point proposed_at{};
  std::string decided_by;  // who countersigned or declined it
  std::optional<Clock::time_point> decided_at;
  std::string decline_reason;
  // Standardisation score (0..100) of each item between the two cities' implementations,
  // recorded when countersigned.
  std::map<std::string, int> standardisation;
  friend bool operator==(const AgreementVersion&, const AgreementVersion&) = default;
};

struct Agreement {
  std::string id;
  std::string city_a;  // the two cities, city_a < city_b
  std::string city_b;
  std::vector<AgreementVersion> versions;  // versions[i].version == i + 1, all kept
  // While suspended: the city whose dept_admin suspended it (empty: a platform_admin did).
  std::string suspended_by_city;
  std::string status_reason;  // why it was last suspended or terminated
  friend bool operator==(const Agreement&, const Agreement&) = default;
};

// The version that governs: the latest one countersigned (ACTIVE, SUSPENDED or
// TERMINATED); nullptr while the first proposal is pending or was declined.
const AgreementVersion* current(const Agreement& a);
// The latest version if it awaits countersignature (the first proposal or an amendment).
const AgreementVersion* pending(const Agreement& a);
// current()'s status, else the first version's (PROPOSED or DECLINED).
AgreementStatus status(const Agreement& a);
// Between these two cities, in either order.
bool between(const Agreement& a, std::string_view city_x, std::string_view city_y);
// Still binding or about to be: neither DECLINED nor TERMINATED. A pair has at most one.
bool open(const Agreement& a);

// The version cases may be submitted under at `now`: current() when ACTIVE and
// valid_from <= now < valid_until; else nullptr. An agreement covers both directions: each
// city may be the receiving place for the other's residents.
const AgreementVersion* in_force(const Agreement& a, Clock::time_point now);
// The rights for `item` under the version in force, if it covers the item.
std::optional<Rights> covers(const Agreement& a, std::string_view item, Clock::time_point now);

// What signing consults in the catalog (answered by the service from catalog events).
struct CatalogChecks {
  // Whether `city` has a published implementation of base item `item`.
  std::function<bool(std::string_view item, std::string_view city)> has_implementation;
  // "Same item, same standard" score of the two cities' implementations, 0..100.
  std::function<int(std::string_view item, std::string_view city_a, std::string_view city_b)> score;
};

struct Proposal {
  std::string proposer_city;
  std::string partner_city;
  AgreementBody body;
};

// Who may act on agreements: a dept_admin of one of the two cities (acting for their own
// city), or a platform_admin. Errc::forbidden `role_required` or `wrong_place` (a
// dept_admin of a third city, or acting for the other city). Agreements are public, so
// never 404.
Result<void> authorise_agreement(const Actor& actor, std::string_view city_a,
                                 std::string_view city_b, std::string_view acting_city);

// The first version, PROPOSED. Rules, in order: authority (acting for proposer_city);
// `unknown_city` (field proposer_city / partner_city, not one of tongban::cities); `same_city`
// (partner_city); validate_body; `valid_until_passed` (valid_until <= now);
// `agreement_exists` (Errc::conflict: `existing` holds an open agreement for the pair);
// `implementation_missing` (Errc::conflict, field items/<code>: a city lacks a published
// implementation).
Result<Agreement> propose(const Actor& actor, std::string id, const Proposal& proposal,
                          std::span<const Agreement> existing, const CatalogChecks& checks,
                          Clock::time_point now);

// The other city accepts version `version`: it becomes ACTIVE (an amendment supersedes
// the version before it) and the standardisation scores are recorded. Rules: authority
// (acting for the city that did not propose it); Errc::forbidden `own_city_proposal` (a
// dept_admin of the proposing city) and `own_proposal` (the same subject, e.g. a
// platform_admin who proposed it); Errc::conflict `nothing_to_sign` / `version_mismatch`
// (field version) / `invalid_transition` (an amendment while the agreement is not ACTIVE) /
// `valid_until_passed` / `implementation_missing` (checked again: catalog may have changed).
Result<Agreement> countersign(Agreement a, const Actor& actor, int version,
                              const CatalogChecks& checks, Clock::time_point now);

// The other city refuses version `version`: DECLINED with the reason. A declined first
// proposal ends the agreement; a declined amendment leaves the current version in force.
// Same authority and version rules as countersign; `reason_required` (field reason).
Result<Agreement> decline(Agreement a, const Actor& actor, int version, std::string reason,
                          Clock::time_point now);

// A new version, PROPOSED by `proposer_city`, while the ACTIVE one stays in force until
// it is countersigned. Rules: authority; Errc::conflict `invalid_transition` (not ACTIVE),
// `amendment_pending`; validate_body; `valid_until_passed`; `no_change` (invalid: same body
// as the current version); `implementation_missing`.
Result<Agreement> amend(Agreement a, const Actor& actor, std::string proposer_city,
                        AgreementBody body, const CatalogChecks& checks, Clock::time_point now);

// ACTIVE -> SUSPENDED (no new cases; cases already submitted go on). Either city, acting for
// `acting_city`; `reason_required`; `invalid_transition` unless ACTIVE.
Result<Agreement> suspend(Agreement a, const Actor& actor, std::string acting_city,
                          std::string reason, Clock::time_point now);
// SUSPENDED -> ACTIVE, by the city that suspended it (or a platform_admin): Errc::forbidden
// `suspended_by_other_city`; `invalid_transition` unless SUSPENDED.
Result<Agreement> resume(Agreement a, const Actor& actor, std::string acting_city,
                         Clock::time_point now);
// ACTIVE or SUSPENDED -> TERMINATED, by either city; a pending amendment is DECLINED with it.
// `reason_required`; `invalid_transition` otherwise.
Result<Agreement> terminate(Agreement a, const Actor& actor, std::string acting_city,
                            std::string reason, Clock::time_point now);

}  // namespace tongban::delegation

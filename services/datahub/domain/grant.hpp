// Sharing grants (SPEC §3.3): who may read which fields of a resource, for how long, and
// the check every data call passes through. Pure: time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::datahub {

// How a resource may be shared, set by its owner when registering it.
enum class SharingClass : std::uint8_t {
  unconditional,  // granted on request
  conditional,    // the owner department approves or denies each request
  not_shared,     // never granted
};
std::string_view to_string(SharingClass c);
std::optional<SharingClass> parse_sharing_class(std::string_view text);

// A department of a city: owners and consumers of data.
struct Department {
  std::string city;        // division code
  std::string department;  // department code
  friend bool operator==(const Department&, const Department&) = default;
};

// What the grant rules need to know about a registered resource.
struct Resource {
  std::string id;
  Department owner;
  SharingClass sharing = SharingClass::conditional;
  std::vector<std::string> fields;
};

struct GrantRequest {
  Department consumer;
  std::string resource;
  std::vector<std::string> fields;
  std::string purpose;  // why the consumer wants the data, free text
  Clock::time_point::duration duration{};
};

// The longest grant a request may ask for.
inline constexpr auto kMaxGrantDuration = std::chrono::days(366);

enum class GrantStatus : std::uint8_t { requested, approved, denied, revoked, expired };
std::string_view to_string(GrantStatus s);
std::optional<GrantStatus> parse_grant_status(std::string_view text);

struct Grant {
  std::string id;  // set by the service
  std::string resource;
  Department owner;
  Department consumer;
  std::vector<std::string> fields;
  std::string purpose;
  Clock::time_point::duration duration{};
  GrantStatus status = GrantStatus::requested;
  Clock::time_point requested_at{};
  std::optional<Clock::time_point> expires_at;  // set on approval: approval time + duration
  friend bool operator==(const Grant&, const Grant&) = default;
};

// Checks a request against the resource and makes the grant (id left empty):
// - not_shared: Errc::forbidden, rule `not_shareable`;
// - Errc::invalid_argument: `purpose_required` (field purpose), `fields_required` (fields),
//   `unknown_field` (fields/<i>, a field the resource does not have), `duplicate_field`,
//   `duration_out_of_range` (duration, not in (0, kMaxGrantDuration]), `resource_mismatch`;
// - unconditional: approved at once, expires at now + duration;
// - conditional: requested, waiting for the owner.
Result<Grant> request_grant(const Resource& resource, const GrantRequest& req,
                            Clock::time_point now);

enum class GrantAction : std::uint8_t { approve, deny, revoke, expire };
std::string_view to_string(GrantAction a);
std::optional<GrantAction> parse_grant_action(std::string_view text);

// The status table: requested --approve--> approved, requested --deny--> denied,
// approved --revoke--> revoked, approved --expire--> expired (only once expires_at has
// passed, else Errc::conflict rule `not_expired`). approve/deny/revoke only by the owner
// department (Errc::forbidden, rule `not_owner`); expire is done by the system (actor
// ignored). Anything else is Errc::conflict, rule `invalid_transition`.
Result<GrantStatus> transition(const Grant& g, GrantAction a, const Department& actor,
                               Clock::time_point now);

// transition() applied: the new status, and expires_at = now + duration on approval.
Result<Grant> apply(Grant g, GrantAction a, const Department& actor, Clock::time_point now);

// The status as of `now`: an approved grant past expires_at reads as expired even before
// the system has recorded the expiry.
GrantStatus effective_status(const Grant& g, Clock::time_point now);

struct Call {
  Department caller;
  std::string resource;
  std::vector<std::string> fields;  // empty: every granted field
  std::string purpose;              // checked for shape by parse_purpose (purpose.hpp)
};

struct Authorisation {
  std::vector<std::string> fields;    // what may be read, in the order requested
  std::vector<std::string> withheld;  // requested but not granted: filtered out
  std::string grant_id;               // the grant that allowed it (the first, if several)
};

// Authorises a data call against the grants the service holds for the caller and the
// resource (others in the span are ignored). Requested fields outside the grants are
// filtered out silently (reported in `withheld`, for the audit entry), as SPEC §3.3 says
// calls are "filtered to the grant"; only when NO requested field is granted is the call
// denied. Denials, in this order of checks:
// - `purpose_required` (Errc::invalid_argument, field purpose): empty purpose;
// - `grant_revoked` / `grant_expired` (Errc::forbidden): no approved grant in force, and
//   the most recent matching grant was revoked / has expired;
// - `no_grant` (Errc::forbidden): no matching grant at all, or only requested/denied ones;
// - `field_not_granted` (Errc::forbidden, field fields): none of the requested fields is
//   granted.
// Several grants in force combine: their fields are united.
Result<Authorisation> authorise_call(std::span<const Grant> grants, const Call& call,
                                     Clock::time_point now);

}  // namespace tongban::datahub

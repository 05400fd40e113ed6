// The tamper-evident audit log of data calls (SPEC §3.3): a SHA-256 hash chain over a
// canonical text form of each entry, with signed checkpoints. Pure: no storage, no clock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::datahub {

enum class Decision : std::uint8_t { allowed, denied };
std::string_view to_string(Decision d);
std::optional<Decision> parse_decision(std::string_view text);

// One data call, allowed or denied. Times are kept to the millisecond: append() truncates
// them so an entry read back from storage (RFC 3339 with milliseconds) hashes the same.
struct AuditEntry {
  std::uint64_t seq = 0;  // 1, 2, 3, ... set by append()
  Clock::time_point time{};
  std::string caller;             // subject id of the caller
  std::string caller_city;        // division code
  std::string caller_department;  // department code
  std::string represented_party;  // subject whose data was read
  std::string resource;
  std::vector<std::string> fields;
  std::string purpose;  // e.g. "case:<id>"
  Decision decision = Decision::denied;
  std::string reason;  // the rule on denial, free text on allow
  // The four timestamps of the hop.
  Clock::time_point requested_at{};
  Clock::time_point authorised_at{};
  Clock::time_point read_at{};
  Clock::time_point responded_at{};
  std::string prev_hash;  // hex; kGenesisHash for seq 1
  std::string hash;       // hex SHA-256(prev_hash || canonical(entry))
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

// prev_hash of the first entry: 64 zeros.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Where the chain ends: what the next append links to.
struct ChainHead {
  std::uint64_t seq = 0;  // 0: empty chain
  std::string hash = std::string(kGenesisHash);
  friend bool operator==(const ChainHead&, const ChainHead&) = default;
};
ChainHead head_of(const AuditEntry& e);

// The canonical form, every field but `hash`, one per line in this fixed order:
//   seq, time, caller, caller_city, caller_department, represented_party, resource,
//   fields, purpose, decision, reason, requested_at, authorised_at, read_at,
//   responded_at, prev_hash
// each line `<name>=<byte length>:<value>\n` (the length prefix makes any value,
// newlines included, unambiguous); numbers in decimal, times as RFC 3339 UTC with
// milliseconds; `fields` is `fields=<count>` followed by one `field=<len>:<value>\n` line
// per field in the order given.
std::string canonical(const AuditEntry& e);

// Lower-case hex SHA-256 of prev_hash (its hex text) followed by canonical(e).
std::string compute_hash(const AuditEntry& e);

// Lower-case hex SHA-256 of arbitrary bytes (used by the chain; exposed for tests).
std::string sha256_hex(std::string_view bytes);

// Links `e` after `head`: sets seq = head.seq + 1, prev_hash = head.hash, truncates
// times to milliseconds, and computes hash.
AuditEntry append(const ChainHead& head, AuditEntry e);

// The first tamper found in a span of entries. Rules:
// - entry_changed: an entry's hash is not the hash of its content, or a successor's
//   prev_hash does not match it (it was changed and re-hashed); position is that entry;
// - entry_missing: a seq is skipped (a deletion), or a checkpoint names a seq past the end
//   (truncation); position is where the gap is;
// - entry_reordered: a seq is lower than expected, or higher while the expected one comes
//   later in the span (entries swapped); position is the first out-of-place entry.
struct ChainFault {
  std::size_t position = 0;  // index into the span
  std::uint64_t seq = 0;     // the seq expected at that position
  std::string rule;
  std::string reason;
  friend bool operator==(const ChainFault&, const ChainFault&) = default;
};

// Checks `entries` as the continuation of `start` (default: the whole chain from seq 1).
std::optional<ChainFault> find_fault(std::span<const AuditEntry> entries,
                                     const ChainHead& start = {});

// find_fault as a Result: Errc::conflict with the rule, field "entries/<position>" and
// a message giving the seq and why.
Result<void> verify_chain(std::span<const AuditEntry> entries, const ChainHead& start = {});

// A signed statement that the chain had `hash` at `seq` at `time`. The signer is injected
// so the service can plug libs/auth's keys; the signature is opaque text.
struct Checkpoint {
  std::uint64_t seq = 0;
  std::string hash;
  Clock::time_point time{};
  std::string signature;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

using Sign = std::function<std::string(std::string_view payload)>;
using CheckSignature = std::function<bool(std::string_view payload, std::string_view signature)>;

// What is signed: "<seq>|<hash>|<time RFC 3339 ms>".
std::string checkpoint_payload(std::uint64_t seq, std::string_view hash, Clock::time_point time);

Checkpoint make_checkpoint(const ChainHead& head, Clock::time_point time, const Sign& sign);

// The signature checks (else rule `checkpoint_signature`), the entry at cp.seq is in
// `entries` (else `entry_missing`: truncated or deleted) and has cp.hash (else
// `entry_changed`). `entries` are the stored chain from seq 1 (or any span containing
// cp.seq); the chain itself is checked with verify_chain.
Result<void> verify_checkpoint(const Checkpoint& cp, std::span<const AuditEntry> entries,
                               const CheckSignature& check);

}  // namespace tongban::datahub

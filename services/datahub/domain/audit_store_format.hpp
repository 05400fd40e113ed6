// How audit entries and checkpoints are stored and exported (one JSON object each), and
// the verification of a whole stored chain read window by window — shared by the
// service's verify endpoint and the offline `tongban-audit-verify` command.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/audit_chain.hpp"

namespace tongban::datahub {

// {"seq":1,"time":"...","caller":"...",...,"fields":[...],"prev_hash":"...","hash":"..."}
// with times as RFC 3339 UTC milliseconds (the canonical form's text).
boost::json::object to_json(const AuditEntry& e);
// Strict: every member present with its type; errors name the member.
Result<AuditEntry> audit_entry_from_json(const boost::json::object& o);
Result<AuditEntry> parse_audit_entry(std::string_view text);

// {"seq":N,"hash":"...","time":"...","signature":"<kid>.<base64url signature>"}
boost::json::object to_json(const Checkpoint& cp);
Result<Checkpoint> parse_checkpoint(std::string_view text);

// Reads up to `count` stored entries (JSON texts) from storage position `offset`, in
// storage order; fewer (or none) at the end.
using EntryReader =
    std::function<Result<std::vector<std::string>>(std::size_t offset, std::size_t count)>;

struct ChainReport {
  std::uint64_t entries = 0;        // entries read
  std::size_t checkpoints = 0;      // checkpoints checked
  ChainHead head;                   // of the last entry read
  std::optional<ChainFault> fault;  // the first fault, if any
  std::string fault_field;          // "entries/<position>", "checkpoints/<i>" or "head"
  bool intact() const { return !fault; }
};

// {"intact", "entries", "checkpoints", "head": {seq, hash}, "fault": null | {rule, field,
// position, seq, reason}}: what the verify endpoint and the offline command print.
boost::json::object to_json(const ChainReport& r);

// Verifies the stored chain from seq 1, `window` entries at a time (memory stays bounded
// whatever the length), then the checkpoints (each signature, and the entry at its seq
// has its hash), then `recorded_head` (the head the writer keeps) against the last entry —
// which catches a truncated tail even between checkpoints. Reordering is classified as
// such when the displaced entry is within one window; further away it is reported as
// entry_missing: detected either way. An entry that does not parse is entry_changed.
// Errors are only the reader's (storage unreachable), never the chain's.
Result<ChainReport> verify_stored_chain(const EntryReader& read,
                                        std::span<const Checkpoint> checkpoints,
                                        const CheckSignature& check,
                                        const std::optional<ChainHead>& recorded_head,
                                        std::size_t window = 4096);

}  // namespace tongban::datahub

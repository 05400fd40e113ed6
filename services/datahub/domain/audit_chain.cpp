#include "domain/audit_chain.hpp"

#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <memory>

namespace tongban::datahub {
namespace {

void put(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.push_back('=');
  out.append(std::to_string(value.size()));
  out.push_back(':');
  out.append(value);
  out.push_back('\n');
}

Clock::time_point to_ms(Clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

ChainFault fault(std::size_t position, std::uint64_t seq, std::string rule, std::string reason) {
  return ChainFault{position, seq, std::move(rule), std::move(reason)};
}

Error to_error(const ChainFault& f, std::string field) {
  Error e = Error::conflict("audit chain broken at seq " + std::to_string(f.seq) + ": " + f.reason);
  e.field = std::move(field);
  e.rule = f.rule;
  return e;
}

}  // namespace

std::string_view to_string(Decision d) { return d == Decision::allowed ? "allowed" : "denied"; }

std::optional<Decision> parse_decision(std::string_view text) {
  if (text == "allowed") return Decision::allowed;
  if (text == "denied") return Decision::denied;
  return std::nullopt;
}

ChainHead head_of(const AuditEntry& e) { return ChainHead{e.seq, e.hash}; }

std::string canonical(const AuditEntry& e) {
  std::string out;
  out.reserve(512);
  put(out, "seq", std::to_string(e.seq));
  put(out, "time", to_rfc3339(e.time));
  put(out, "caller", e.caller);
  put(out, "caller_city", e.caller_city);
  put(out, "caller_department", e.caller_department);
  put(out, "represented_party", e.represented_party);
  put(out, "resource", e.resource);
  out.append("fields=").append(std::to_string(e.fields.size())).push_back('\n');
  for (const auto& f : e.fields) put(out, "field", f);
  put(out, "purpose", e.purpose);
  put(out, "decision", to_string(e.decision));
  put(out, "reason", e.reason);
  put(out, "requested_at", to_rfc3339(e.requested_at));
  put(out, "authorised_at", to_rfc3339(e.authorised_at));
  put(out, "read_at", to_rfc3339(e.read_at));
  put(out, "responded_at", to_rfc3339(e.responded_at));
  put(out, "prev_hash", e.prev_hash);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // EVP_Digest is one-shot and allocates nothing we must free.
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0x0f]);
  }
  return out;
}

std::string compute_hash(const AuditEntry& e) { return sha256_hex(e.prev_hash + canonical(e)); }

AuditEntry append(const ChainHead& head, AuditEntry e) {
  e.seq = head.seq + 1;
  e.prev_hash = head.hash;
  e.time = to_ms(e.time);
  e.requested_at = to_ms(e.requested_at);
  e.authorised_at = to_ms(e.authorised_at);
  e.read_at = to_ms(e.read_at);
  e.responded_at = to_ms(e.responded_at);
  e.hash = compute_hash(e);
  return e;
}

std::optional<ChainFault> find_fault(std::span<const AuditEntry> entries, const ChainHead& start) {
  std::uint64_t expected_seq = start.seq + 1;
  std::string_view expected_prev = start.hash;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const AuditEntry& e = entries[i];
    if (compute_hash(e) != e.hash) {
      return fault(i, expected_seq, "entry_changed", "the entry's hash does not match its content");
    }
    if (e.seq < expected_seq) {
      return fault(
          i, expected_seq, "entry_reordered",
          "found seq " + std::to_string(e.seq) + " after seq " + std::to_string(expected_seq - 1));
    }
    if (e.seq > expected_seq) {
      // Swapped entries leave the expected seq (or a lower one) further on; a deletion
      // does not.
      for (std::size_t j = i + 1; j < entries.size(); ++j) {
        if (entries[j].seq < e.seq) {
          return fault(i, expected_seq, "entry_reordered",
                       "found seq " + std::to_string(e.seq) + " before seq " +
                           std::to_string(entries[j].seq));
        }
      }
      return fault(
          i, expected_seq, "entry_missing",
          "seq " + std::to_string(expected_seq) + " to " + std::to_string(e.seq - 1) + " missing");
    }
    if (e.prev_hash != expected_prev) {
      // The seq is in order, so the link is what broke: the previous entry was changed
      // and re-hashed (or, for the first, the start of the span is not what it claims).
      const std::size_t at = i == 0 ? 0 : i - 1;
      return fault(
          at, i == 0 ? expected_seq : expected_seq - 1, "entry_changed",
          "the prev_hash of seq " + std::to_string(e.seq) + " does not match the hash before it");
    }
    expected_seq = e.seq + 1;
    expected_prev = e.hash;
  }
  return std::nullopt;
}

Result<void> verify_chain(std::span<const AuditEntry> entries, const ChainHead& start) {
  if (auto f = find_fault(entries, start)) {
    return fail(to_error(*f, "entries/" + std::to_string(f->position)));
  }
  return {};
}

std::string checkpoint_payload(std::uint64_t seq, std::string_view hash, Clock::time_point time) {
  std::string out = std::to_string(seq);
  out.push_back('|');
  out.append(hash);
  out.push_back('|');
  out.append(to_rfc3339(time));
  return out;
}

Checkpoint make_checkpoint(const ChainHead& head, Clock::time_point time, const Sign& sign) {
  Checkpoint cp{head.seq, head.hash, to_ms(time), {}};
  cp.signature = sign(checkpoint_payload(cp.seq, cp.hash, cp.time));
  return cp;
}

Result<void> verify_checkpoint(const Checkpoint& cp, std::span<const AuditEntry> entries,
                               const CheckSignature& check) {
  if (!check(checkpoint_payload(cp.seq, cp.hash, cp.time), cp.signature)) {
    Error e =
        Error::conflict("checkpoint at seq " + std::to_string(cp.seq) + " has a bad signature");
    e.field = "checkpoint";
    e.rule = "checkpoint_signature";
    return fail(std::move(e));
  }
  if (cp.seq == 0) return {};  // a checkpoint of the empty chain
  for (const AuditEntry& e : entries) {
    if (e.seq != cp.seq) continue;
    if (e.hash != cp.hash) {
      return fail(to_error(
          fault(0, cp.seq, "entry_changed", "the entry's hash differs from the signed checkpoint"),
          "checkpoint"));
    }
    return {};
  }
  const bool truncated = entries.empty() || entries.back().seq < cp.seq;
  return fail(to_error(fault(0, cp.seq, "entry_missing",
                             truncated ? "the chain ends before the signed checkpoint"
                                       : "the checkpointed entry is missing"),
                       "checkpoint"));
}

}  // namespace tongban::datahub

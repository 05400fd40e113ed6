#include "domain/audit_store_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <map>

namespace tongban::datahub {
namespace {

Error bad(std::string member, std::string why) {
  return Error::invalid(std::move(member), "malformed_entry", std::move(why));
}

Result<std::string> str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return fail(bad(key, std::string(key) + " must be a string"));
  return std::string(v->get_string());
}

Result<Clock::time_point> time(const boost::json::object& o, const char* key) {
  auto s = str(o, key);
  if (!s) return fail(std::move(s.error()));
  Clock::time_point t;
  if (!parse_rfc3339(*s, t)) return fail(bad(key, std::string(key) + " must be an RFC 3339 time"));
  return t;
}

Result<std::uint64_t> seq(const boost::json::object& o) {
  const auto* v = o.if_contains("seq");
  if (v && v->is_uint64()) return v->get_uint64();
  if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return fail(bad("seq", "seq must be a non-negative integer"));
}

Result<boost::json::object> object_of(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return fail(bad("entry", "not a JSON object"));
  return std::move(v.as_object());
}

ChainFault fault(std::size_t position, std::uint64_t seq, std::string rule, std::string reason) {
  return ChainFault{position, seq, std::move(rule), std::move(reason)};
}

}  // namespace

boost::json::object to_json(const AuditEntry& e) {
  boost::json::array fields;
  for (const auto& f : e.fields) fields.emplace_back(f);
  return {{"seq", e.seq},
          {"time", to_rfc3339(e.time)},
          {"caller", e.caller},
          {"caller_city", e.caller_city},
          {"caller_department", e.caller_department},
          {"represented_party", e.represented_party},
          {"resource", e.resource},
          {"fields", std::move(fields)},
          {"purpose", e.purpose},
          {"decision", to_string(e.decision)},
          {"reason", e.reason},
          {"requested_at", to_rfc3339(e.requested_at)},
          {"authorised_at", to_rfc3339(e.authorised_at)},
          {"read_at", to_rfc3339(e.read_at)},
          {"responded_at", to_rfc3339(e.responded_at)},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

Result<AuditEntry> audit_entry_from_json(const boost::json::object& o) {
  AuditEntry e;
  auto s = seq(o);
  if (!s) return fail(std::move(s.error()));
  e.seq = *s;
  for (auto [key, out] : {std::pair{"caller", &e.caller},
                          {"caller_city", &e.caller_city},
                          {"caller_department", &e.caller_department},
                          {"represented_party", &e.represented_party},
                          {"resource", &e.resource},
                          {"purpose", &e.purpose},
                          {"reason", &e.reason},
                          {"prev_hash", &e.prev_hash},
                          {"hash", &e.hash}}) {
    auto v = str(o, key);
    if (!v) return fail(std::move(v.error()));
    *out = std::move(*v);
  }
  for (auto [key, out] : {std::pair{"time", &e.time},
                          {"requested_at", &e.requested_at},
                          {"authorised_at", &e.authorised_at},
                          {"read_at", &e.read_at},
                          {"responded_at", &e.responded_at}}) {
    auto v = time(o, key);
    if (!v) return fail(std::move(v.error()));
    *out = *v;
  }
  const auto* fields = o.if_contains("fields");
  if (!fields || !fields->is_array()) return fail(bad("fields", "fields must be an array"));
  for (const auto& f : fields->get_array()) {
    if (!f.is_string()) return fail(bad("fields", "fields must be strings"));
    e.fields.emplace_back(f.get_string());
  }
  auto d = str(o, "decision");
  if (!d) return fail(std::move(d.error()));
  auto decision = parse_decision(*d);
  if (!decision) return fail(bad("decision", "decision must be allowed or denied"));
  e.decision = *decision;
  return e;
}

Result<AuditEntry> parse_audit_entry(std::string_view text) {
  auto o = object_of(text);
  if (!o) return fail(std::move(o.error()));
  return audit_entry_from_json(*o);
}

boost::json::object to_json(const Checkpoint& cp) {
  return {{"seq", cp.seq},
          {"hash", cp.hash},
          {"time", to_rfc3339(cp.time)},
          {"signature", cp.signature}};
}

Result<Checkpoint> parse_checkpoint(std::string_view text) {
  auto o = object_of(text);
  if (!o) return fail(std::move(o.error()));
  Checkpoint cp;
  auto s = seq(*o);
  if (!s) return fail(std::move(s.error()));
  cp.seq = *s;
  auto h = str(*o, "hash");
  auto sig = str(*o, "signature");
  auto t = time(*o, "time");
  if (!h) return fail(std::move(h.error()));
  if (!sig) return fail(std::move(sig.error()));
  if (!t) return fail(std::move(t.error()));
  cp.hash = std::move(*h);
  cp.signature = std::move(*sig);
  cp.time = *t;
  return cp;
}

boost::json::object to_json(const ChainReport& r) {
  boost::json::object out{{"intact", r.intact()},
                          {"entries", r.entries},
                          {"checkpoints", r.checkpoints},
                          {"head", {{"seq", r.head.seq}, {"hash", r.head.hash}}},
                          {"fault", nullptr}};
  if (r.fault) {
    out["fault"] = {{"rule", r.fault->rule},
                    {"field", r.fault_field},
                    {"position", r.fault->position},
                    {"seq", r.fault->seq},
                    {"reason", r.fault->reason}};
  }
  return out;
}

Result<ChainReport> verify_stored_chain(const EntryReader& read,
                                        std::span<const Checkpoint> checkpoints,
                                        const CheckSignature& check,
                                        const std::optional<ChainHead>& recorded_head,
                                        std::size_t window) {
  if (window == 0) window = 1;
  ChainReport report;
  // seq -> index of the checkpoints naming it, checked as the walk passes that seq.
  std::multimap<std::uint64_t, std::size_t> pending;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const auto& cp = checkpoints[i];
    if (!check(checkpoint_payload(cp.seq, cp.hash, cp.time), cp.signature)) {
      report.fault = fault(i, cp.seq, "checkpoint_signature",
                           "checkpoint " + std::to_string(i) + " has a bad signature");
      report.fault_field = "checkpoints/" + std::to_string(i);
      return report;
    }
    if (cp.seq > 0) pending.emplace(cp.seq, i);
  }
  report.checkpoints = checkpoints.size();

  // A parse failure becomes an entry that cannot hash right: entry_changed at its place.
  auto decode = [](const std::vector<std::string>& texts, std::vector<AuditEntry>& out) {
    for (const auto& t : texts) {
      auto e = parse_audit_entry(t);
      if (e) {
        out.push_back(std::move(*e));
      } else {
        AuditEntry broken;
        broken.hash = "unparseable";
        out.push_back(std::move(broken));
      }
    }
  };

  std::size_t offset = 0;
  std::vector<AuditEntry> current;
  {
    auto first = read(0, window);
    if (!first) return fail(std::move(first.error()));
    decode(*first, current);
  }
  while (!current.empty()) {
    auto more = read(offset + current.size(), window);
    if (!more) return fail(std::move(more.error()));
    std::vector<AuditEntry> next;
    decode(*more, next);
    // The window plus the next one: a swap across the boundary is still seen as a swap.
    std::vector<AuditEntry> both = current;
    both.insert(both.end(), next.begin(), next.end());
    if (auto f = find_fault(both, report.head); f && f->position < current.size()) {
      f->position += offset;
      report.fault_field = "entries/" + std::to_string(f->position);
      report.fault = std::move(*f);
      report.entries = offset + current.size();
      return report;
    }
    for (std::size_t i = 0; i < current.size(); ++i) {
      const auto& e = current[i];
      auto [lo, hi] = pending.equal_range(e.seq);
      for (auto it = lo; it != hi; ++it) {
        if (checkpoints[it->second].hash != e.hash) {
          report.fault = fault(offset + i, e.seq, "entry_changed",
                               "seq " + std::to_string(e.seq) +
                                   " differs from its signed checkpoint: the chain was rewritten");
          report.fault_field = "checkpoints/" + std::to_string(it->second);
          report.entries = offset + current.size();
          return report;
        }
      }
      pending.erase(lo, hi);
    }
    report.head = head_of(current.back());
    offset += current.size();
    current = std::move(next);
  }
  report.entries = offset;
  if (!pending.empty()) {
    const auto& [s, i] = *pending.begin();
    report.fault = fault(offset, s, "entry_missing",
                         s > report.head.seq ? "the chain ends before a signed checkpoint"
                                             : "a checkpointed entry is missing");
    report.fault_field = "checkpoints/" + std::to_string(i);
    return report;
  }
  if (recorded_head && *recorded_head != report.head) {
    const bool truncated = recorded_head->seq > report.head.seq;
    report.fault = fault(offset, recorded_head->seq, truncated ? "entry_missing" : "entry_changed",
                         truncated ? "the chain ends before the recorded head"
                                   : "the last entry is not the recorded head");
    report.fault_field = "head";
  }
  return report;
}

}  // namespace tongban::datahub

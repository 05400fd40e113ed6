#include "repo/audit_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tongban/auth/base64url.hpp"
#include "tongban/auth/verifier.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::datahub {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("datahub");
  return k;
}

// KEYS: head, entries, party log, outbox. ARGV: expected seq, seq, hash, entry json,
// party json, topic, key, event, traceparent. 0 when the head moved since it was read.
const store::Script kAppend(R"lua(
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
if seq ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'hash', ARGV[3])
if KEYS[3] ~= KEYS[1] then redis.call('RPUSH', KEYS[3], ARGV[5]) end
local entry = {'topic', ARGV[6], 'key', ARGV[7], 'event', ARGV[8]}
if ARGV[9] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[9] end
redis.call('XADD', KEYS[4], '*', unpack(entry))
return 1
)lua");

// KEYS: checkpoints. ARGV: seq, json. Pushed only past the last checkpoint's seq.
const store::Script kCheckpoint(R"lua(
local last = redis.call('LINDEX', KEYS[1], -1)
if last and tonumber(cjson.decode(last)['seq']) >= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
)lua");

constexpr int kAppendAttempts = 8;

Error redis_error(const store::Reply& r) { return Error::unavailable("redis: " + r.str()); }

}  // namespace

std::string AuditKeys::entries() { return ks().key("audit", "entries"); }
std::string AuditKeys::head() { return ks().key("audit", "head"); }
std::string AuditKeys::checkpoints() { return ks().key("audit", "checkpoints"); }
std::string AuditKeys::chain() { return ks().key("audit", "chain"); }
std::string AuditKeys::party(std::string_view subject) {
  return ks().key("audit", "party", subject);
}

CheckpointSigner::CheckpointSigner(auth::Signer signer)
    : signer_(std::make_shared<const auth::Signer>(std::move(signer))) {
  jwks_.add(signer_->public_jwk());
}

namespace {

// The stored key: one field "<kid>\n<PKCS#8 PEM>", so kid and key are written together.
Result<auth::Signer> parse_stored_key(const std::string& text) {
  const auto nl = text.find('\n');
  if (nl == std::string::npos) return fail(Error::internal("stored audit key is corrupt"));
  return auth::Signer::from_pem(text.substr(nl + 1), text.substr(0, nl));
}

Result<std::optional<auth::Signer>> read_stored_key(store::Redis& redis) {
  auto r = redis.command({"HGET", ks().key("audit", "key"), "signer"});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<auth::Signer>{};
  auto s = parse_stored_key(r->str());
  if (!s) return fail(std::move(s.error()));
  return std::optional<auth::Signer>{std::move(*s)};
}

}  // namespace

Result<CheckpointSigner> CheckpointSigner::load(store::Redis& redis, const std::string& pem) {
  if (!pem.empty()) {
    auto s = auth::Signer::from_pem(pem, "audit-configured");
    if (!s) return fail(std::move(s.error()));
    return CheckpointSigner(std::move(*s));
  }
  auto stored = read_stored_key(redis);
  if (!stored) return fail(std::move(stored.error()));
  if (*stored) return CheckpointSigner(std::move(**stored));
  // First start: create a key; HSETNX lets exactly one replica's key win.
  const auto kid = "audit-" + ids::uuid_v7();
  auto fresh = auth::Signer::generate(auth::Alg::EdDSA, kid);
  if (!fresh) return fail(std::move(fresh.error()));
  auto set = redis.command(
      {"HSETNX", ks().key("audit", "key"), "signer", kid + "\n" + fresh->private_pem()});
  if (!set) return fail(std::move(set.error()));
  if (set->integer() == 1) return CheckpointSigner(std::move(*fresh));
  stored = read_stored_key(redis);
  if (!stored) return fail(std::move(stored.error()));
  if (!*stored) return fail(Error::internal("audit key vanished while starting"));
  return CheckpointSigner(std::move(**stored));
}

Result<auth::Jwks> stored_checkpoint_keys(store::Redis& redis) {
  auto stored = read_stored_key(redis);
  if (!stored) return fail(std::move(stored.error()));
  if (!*stored) return fail(Error::not_found("no audit key in Redis"));
  auth::Jwks keys;
  keys.add((*stored)->public_jwk());
  return keys;
}

std::string CheckpointSigner::sign(std::string_view payload) const {
  auto sig = signer_->sign_bytes(payload);
  // An Ed25519 signature over bytes in memory does not fail; an empty one never verifies.
  return signer_->kid() + "." + (sig ? auth::base64url::encode(*sig) : std::string());
}

bool check_checkpoint_signature(const auth::Jwks& keys, std::string_view payload,
                                std::string_view signature) {
  const auto dot = signature.rfind('.');
  if (dot == std::string_view::npos) return false;
  const auto* key = keys.find(signature.substr(0, dot));
  if (!key) return false;
  auto raw = auth::base64url::decode(signature.substr(dot + 1));
  return raw && auth::verify_signature(*key, payload, *raw);
}

EntryReader redis_entry_reader(store::Redis& redis) {
  return [&redis](std::size_t offset, std::size_t count) -> Result<std::vector<std::string>> {
    auto r = redis.command({"LRANGE", AuditKeys::entries(), std::to_string(offset),
                            std::to_string(offset + count - 1)});
    if (!r) return fail(std::move(r.error()));
    if (r->is_error()) return fail(redis_error(*r));
    std::vector<std::string> out;
    out.reserve(r->array().size());
    for (const auto& e : r->array()) out.push_back(e.str());
    return out;
  };
}

Result<std::vector<Checkpoint>> read_checkpoints(store::Redis& redis) {
  auto r = redis.command({"LRANGE", AuditKeys::checkpoints(), "0", "-1"});
  if (!r) return fail(std::move(r.error()));
  std::vector<Checkpoint> out;
  for (const auto& text : r->array()) {
    auto cp = parse_checkpoint(text.str());
    if (!cp) {
      // A checkpoint that does not parse was tampered with: keep it so its (absent)
      // signature fails verification at its index.
      out.push_back(Checkpoint{0, "", {}, "unparseable"});
      continue;
    }
    out.push_back(std::move(*cp));
  }
  return out;
}

Result<std::optional<ChainHead>> read_head(store::Redis& redis) {
  auto r = redis.command({"HMGET", AuditKeys::head(), "seq", "hash"});
  if (!r) return fail(std::move(r.error()));
  const auto& f = r->array();
  if (f.size() != 2 || f[0].is_nil()) return std::optional<ChainHead>{};
  return std::optional<ChainHead>{
      ChainHead{std::strtoull(f[0].str().c_str(), nullptr, 10), f[1].str()}};
}

AuditLog::AuditLog(store::Redis& redis, CheckpointSigner signer)
    : redis_(redis), signer_(std::move(signer)) {}

Result<ChainHead> AuditLog::load_head() {
  auto h = read_head(redis_);
  if (!h) return fail(std::move(h.error()));
  return h->value_or(ChainHead{});
}

Result<std::string> AuditLog::load_chain_id() {
  // SET NX: replicas sharing the Redis agree on the first one's id.
  auto set = redis_.command({"SET", AuditKeys::chain(), ids::uuid_v7(), "NX"});
  if (!set) return fail(std::move(set.error()));
  auto got = redis_.command({"GET", AuditKeys::chain()});
  if (!got) return fail(std::move(got.error()));
  if (got->is_nil()) return fail(Error::internal("audit chain id vanished"));
  return got->str();
}

Result<AuditEntry> AuditLog::append(AuditEntry e, const EventMaker& make_event) {
  std::lock_guard lock(mu_);
  if (chain_.empty()) {
    auto id = load_chain_id();
    if (!id) return fail(std::move(id.error()));
    chain_ = std::move(*id);
  }
  for (int attempt = 0; attempt < kAppendAttempts; ++attempt) {
    if (!head_) {
      auto h = load_head();
      if (!h) return fail(std::move(h.error()));
      head_ = *h;
    }
    AuditEntry linked = datahub::append(*head_, e);
    boost::json::object line{{"seq", linked.seq},
                             {"time", to_rfc3339(linked.time)},
                             {"caller", linked.caller},
                             {"caller_city", linked.caller_city},
                             {"caller_department", linked.caller_department},
                             {"resource", linked.resource},
                             {"fields", to_json(linked).at("fields")},
                             {"purpose", linked.purpose},
                             {"decision", to_string(linked.decision)},
                             {"reason", linked.reason}};
    const auto event = make_event(linked, chain_);
    const std::string party_key = linked.represented_party.empty()
                                      ? AuditKeys::head()
                                      : AuditKeys::party(linked.represented_party);
    auto r =
        kAppend.run(redis_, {AuditKeys::head(), AuditKeys::entries(), party_key, ks().outbox()},
                    {std::to_string(head_->seq), std::to_string(linked.seq), linked.hash,
                     boost::json::serialize(to_json(linked)), boost::json::serialize(line),
                     event.topic, event.key, event.event, event.traceparent});
    if (!r) {
      head_.reset();  // unknown whether it was written: read the head again next time
      return fail(std::move(r.error()));
    }
    if (r->is_error()) {
      head_.reset();
      return fail(redis_error(*r));
    }
    if (r->integer() == 1) {
      head_ = head_of(linked);
      return linked;
    }
    head_.reset();  // another replica appended first
  }
  return fail(Error::unavailable("audit chain is contended; try again"));
}

Result<std::optional<Checkpoint>> AuditLog::checkpoint(Clock::time_point now) {
  auto h = load_head();
  if (!h) return fail(std::move(h.error()));
  if (h->seq == 0) return std::optional<Checkpoint>{};
  auto cp = make_checkpoint(*h, now, [this](std::string_view p) { return signer_.sign(p); });
  auto r = kCheckpoint.run(redis_, {AuditKeys::checkpoints()},
                           {std::to_string(cp.seq), boost::json::serialize(to_json(cp))});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(redis_error(*r));
  if (r->integer() == 0) return std::optional<Checkpoint>{};
  return std::optional<Checkpoint>{std::move(cp)};
}

Result<ChainReport> AuditLog::verify(std::size_t window) {
  // Checkpoints, then the head, then the walk up to that head: whatever is appended or
  // checkpointed meanwhile lies past what is checked, and is not taken for a fault.
  auto cps = read_checkpoints(redis_);
  if (!cps) return fail(std::move(cps.error()));
  auto head = read_head(redis_);
  if (!head) return fail(std::move(head.error()));
  const auto& keys = signer_.jwks();
  auto check = [&keys](std::string_view p, std::string_view s) {
    return check_checkpoint_signature(keys, p, s);
  };
  auto reader = redis_entry_reader(redis_);
  // Stop the walk at the head read above.
  const std::uint64_t limit = head->value_or(ChainHead{}).seq;
  EntryReader bounded = [&reader, limit](std::size_t offset,
                                         std::size_t count) -> Result<std::vector<std::string>> {
    if (offset >= limit) return std::vector<std::string>{};
    return reader(offset, std::min<std::size_t>(count, limit - offset));
  };
  return verify_stored_chain(bounded, *cps, check, *head, window);
}

Result<std::pair<std::vector<boost::json::object>, long long>> AuditLog::access_log(
    const std::string& subject, std::size_t offset, std::size_t limit) {
  const auto key = AuditKeys::party(subject);
  auto r = redis_.pipeline(
      {{"LLEN", key},
       {"LRANGE", key, "-" + std::to_string(offset + limit), "-" + std::to_string(offset + 1)}});
  if (!r) return fail(std::move(r.error()));
  std::vector<boost::json::object> out;
  const auto& lines = (*r)[1].array();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    boost::system::error_code ec;
    auto v = boost::json::parse(it->str(), ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return std::pair{std::move(out), (*r)[0].integer()};
}

}  // namespace tongban::datahub

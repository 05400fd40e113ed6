// The audit log in Redis (tb:datahub:audit:*): the hash chain as a list of JSON entries,
// its head, signed checkpoints, and each represented party's access log. Appends are a
// compare-and-set on the head (Lua), so replicas sharing one Redis keep one chain.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/audit_store_format.hpp"
#include "tongban/auth/jwk.hpp"
#include "tongban/auth/signer.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::datahub {

// Signs checkpoints with an Ed25519 key and checks them against a key set. A signature
// is "<kid>.<base64url signature>", so a rotated key's checkpoints still verify.
class CheckpointSigner {
 public:
  // The key from TONGBAN_DATAHUB_AUDIT_KEY (a PEM) when given; else the one kept in Redis,
  // created by the first replica to start (the others read it).
  static Result<CheckpointSigner> load(store::Redis& redis, const std::string& pem);
  explicit CheckpointSigner(auth::Signer signer);

  std::string sign(std::string_view payload) const;
  const auth::Jwks& jwks() const { return jwks_; }

 private:
  std::shared_ptr<const auth::Signer> signer_;
  auth::Jwks jwks_;
};

// The public key of the checkpoint key kept in Redis (read-only; fails when there is none).
Result<auth::Jwks> stored_checkpoint_keys(store::Redis& redis);

// Checks a "<kid>.<signature>" against `keys`.
bool check_checkpoint_signature(const auth::Jwks& keys, std::string_view payload,
                                std::string_view signature);

// The audit keys, shared by the service and the offline verify command.
struct AuditKeys {
  static std::string entries();
  static std::string head();
  static std::string checkpoints();
  static std::string chain();  // the chain's identity, a uuid set by the first append
  static std::string party(std::string_view subject);
};

// Reads the stored chain straight from Redis (the offline command uses this too).
EntryReader redis_entry_reader(store::Redis& redis);
Result<std::vector<Checkpoint>> read_checkpoints(store::Redis& redis);
Result<std::optional<ChainHead>> read_head(store::Redis& redis);

class AuditLog {
 public:
  AuditLog(store::Redis& redis, CheckpointSigner signer);

  // Builds the event of a linked entry; `chain` names the chain (every chain numbers its
  // entries from 1, so consumers key entries by chain and seq).
  using EventMaker =
      std::function<store::OutboxMessage(const AuditEntry& linked, const std::string& chain)>;

  // Links `e` after the current head and stores it with its access-log line and the
  // event `make_event` builds from the linked entry, all in one script. Retries (a few
  // times) when another writer moved the head; fails rather than ever storing unlinked.
  Result<AuditEntry> append(AuditEntry e, const EventMaker& make_event);

  // Signs the head as a checkpoint unless the last checkpoint already covers it.
  Result<std::optional<Checkpoint>> checkpoint(Clock::time_point now);
  Result<ChainReport> verify(std::size_t window = 4096);

  // The party's access log, newest first: {seq, time, caller, caller_city,
  // caller_department, resource, fields, purpose, decision, reason} objects.
  Result<std::pair<std::vector<boost::json::object>, long long>> access_log(
      const std::string& subject, std::size_t offset, std::size_t limit);

  const CheckpointSigner& signer() const { return signer_; }

 private:
  Result<ChainHead> load_head();
  Result<std::string> load_chain_id();

  store::Redis& redis_;
  CheckpointSigner signer_;
  std::mutex mu_;  // one append at a time per process: the head below is its cache
  std::optional<ChainHead> head_;
  std::string chain_;  // cached once read
};

}  // namespace tongban::datahub

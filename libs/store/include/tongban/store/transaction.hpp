// MULTI/EXEC as one pipeline: state changes and their outbox entries are applied all
// together or not at all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::store {

// Usage:
//   Transaction tx;
//   tx.add({"HSET", ks.key("case", id), "state", "forwarded"});
//   tx.add_outbox(ks.outbox(), {topic, id, tongban::bus::encode(event), traceparent});
//   auto replies = tx.exec(redis);
//
// For compare-and-set, either write a Lua Script (preferred: one round trip), or WATCH
// on a session: session->command({"WATCH", key}); read; decide; tx.exec(*session).
// If a watched key changed, exec writes nothing and returns Errc::conflict
// (retryable: read again and retry).
//
// Redis does not roll back: a command that fails at run time (e.g. WRONGTYPE) inside
// EXEC leaves the others applied. exec reports that as Errc::internal naming the
// command, since it is a programming error, not a condition to handle.
class Transaction {
 public:
  Transaction& add(Command command);
  Transaction& add_outbox(std::string_view outbox, const OutboxMessage& message);

  bool empty() const { return commands_.empty(); }
  std::size_t size() const { return commands_.size(); }
  const std::vector<Command>& commands() const { return commands_; }

  // MULTI, the commands, EXEC in one pipeline; the replies of the commands.
  Result<std::vector<Reply>> exec(Redis& redis) const;
  // The same on a session, honouring the session's WATCHes.
  Result<std::vector<Reply>> exec(RedisSession& session) const;

 private:
  std::vector<Command> commands_;
};

// Interprets the replies of [MULTI, c1..cn, EXEC]; exposed for unit tests.
Result<std::vector<Reply>> transaction_result(const std::vector<Reply>& replies);

}  // namespace tongban::store

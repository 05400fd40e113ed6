#include "tongban/store/transaction.hpp"

#include <utility>

namespace tongban::store {

std::string outbox_key(std::string_view service) {
  return "tb:" + std::string(service) + ":outbox";
}

Command outbox_xadd(std::string_view outbox, const OutboxMessage& message) {
  Command cmd{"XADD", std::string(outbox), "*",     "topic",      message.topic,
              "key",  message.key,         "event", message.event};
  if (!message.traceparent.empty()) {
    cmd.push_back("traceparent");
    cmd.push_back(message.traceparent);
  }
  return cmd;
}

Transaction& Transaction::add(Command command) {
  commands_.push_back(std::move(command));
  return *this;
}

Transaction& Transaction::add_outbox(std::string_view outbox, const OutboxMessage& message) {
  return add(outbox_xadd(outbox, message));
}

namespace {

std::vector<Command> wrapped(const std::vector<Command>& commands) {
  std::vector<Command> out;
  out.reserve(commands.size() + 2);
  out.push_back({"MULTI"});
  out.insert(out.end(), commands.begin(), commands.end());
  out.push_back({"EXEC"});
  return out;
}

}  // namespace

Result<std::vector<Reply>> transaction_result(const std::vector<Reply>& replies) {
  if (replies.size() < 2) return fail(Error::internal("MULTI/EXEC: missing replies"));
  if (replies.front().is_error()) {
    return fail(Error::internal("MULTI failed: " + replies.front().str()));
  }
  // A command rejected while queueing (syntax, arity, unknown command) makes EXEC fail
  // with EXECABORT: nothing was applied.
  for (std::size_t i = 1; i + 1 < replies.size(); ++i) {
    if (replies[i].is_error()) {
      return fail(Error::internal("command " + std::to_string(i) +
                                  " of the transaction was rejected: " + replies[i].str() +
                                  " (nothing applied)"));
    }
  }
  const Reply& exec = replies.back();
  if (exec.is_nil()) {
    return fail(Error{Errc::conflict,
                      "a watched key changed; the transaction applied nothing",
                      {},
                      "watch_aborted",
                      true});
  }
  if (exec.is_error()) {
    return fail(Error::internal("EXEC failed: " + exec.str() + " (nothing applied)"));
  }
  if (!exec.is_array()) return fail(Error::internal("EXEC: unexpected " + exec.debug_string()));
  for (std::size_t i = 0; i < exec.array().size(); ++i) {
    if (exec.array()[i].is_error()) {
      // Redis has no rollback: the other commands were applied.
      return fail(
          Error::internal("command " + std::to_string(i + 1) +
                          " of the transaction failed inside EXEC: " + exec.array()[i].str()));
    }
  }
  return exec.array();
}

Result<std::vector<Reply>> Transaction::exec(Redis& redis) const {
  if (commands_.empty()) return std::vector<Reply>{};
  auto replies = redis.pipeline(wrapped(commands_));
  if (!replies) return fail(std::move(replies.error()));
  return transaction_result(*replies);
}

Result<std::vector<Reply>> Transaction::exec(RedisSession& session) const {
  if (commands_.empty()) return std::vector<Reply>{};
  auto replies = session.pipeline(wrapped(commands_));
  if (!replies) return fail(std::move(replies.error()));
  return transaction_result(*replies);
}

}  // namespace tongban::store

// A Redis client for service code: a few multiplexed hiredis connections driven by the
// client's own I/O thread, shared by every caller thread, with pipelining, a deadline on
// every command and reconnection in the background.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/store/reply.hpp"

namespace boost::asio {
class io_context;
}

namespace tongban::store {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  // AUTH on every (re)connect when set; never logged
  int pool_size = 2;     // multiplexed connections; each pipelines many callers
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{2000};
};

// Parses "host:port" (e.g. TONGBAN_REDIS or TONGBAN_TEST_REDIS) into options.
Result<RedisOptions> parse_redis_address(std::string_view host_port, RedisOptions base = {});

using Command = std::vector<std::string>;
using ReplyCallback = std::function<void(Result<Reply>)>;

class RedisSession;

// Error model: a Redis error reply ("WRONGTYPE ...", a script's error) is a Reply of
// kind error; an Error means the command did not get a reply: unavailable (no
// connection, connection lost with the command in flight) or timeout, both retryable.
// A command that timed out may still have been executed by the server.
class Redis {
 public:
  // Returns once every connection is up or connect_timeout has passed; a client whose
  // server is down is still returned and keeps reconnecting (100 ms doubling to 5 s),
  // so a service can start before Redis and report it through ping() on /readyz.
  static Result<std::unique_ptr<Redis>> connect(RedisOptions options);
  ~Redis();  // close()s
  // Tells every command still queued or in flight that it failed (unavailable, "redis client
  // closed"), each callback on the caller's thread or the I/O thread before this returns, and
  // stops the I/O thread; later commands fail at once. So an owner that closes the client
  // before destroying what the callbacks refer to never has one run after. Idempotent; not
  // from the I/O thread.
  void close();
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  // Synchronous facade for handler threads: blocks until the reply or the deadline.
  Result<Reply> command(std::initializer_list<std::string_view> args);
  Result<Reply> command(const Command& args);  // binary-safe
  Result<Reply> command(const Command& args, std::chrono::milliseconds timeout);
  // Sends every command back to back on one connection, in order, and waits once.
  // The outer Error is a transport failure; per-command Redis errors are error Replies.
  Result<std::vector<Reply>> pipeline(const std::vector<Command>& commands);

  // `done` runs on the client's I/O thread: it must be quick and must not block. Called
  // on that thread (from another command's `done`, or a handler of a server sharing the
  // loop), the command is written at once, without a hop through the submission queue.
  void async_command(Command args, ReplyCallback done);

  // The event loop the client's I/O thread runs, for a server that wants its handlers'
  // replies without a thread crossing (ServerOptions::io_context). Whatever else runs on
  // it must not block, and synchronous commands from it are refused. The thread runs
  // until this client is destroyed: stop what shares the loop first.
  std::shared_ptr<boost::asio::io_context> io_context() const;

  // PING within `timeout` (for /readyz).
  Result<void> ping(std::chrono::milliseconds timeout);

  // A connection of the caller's own, for what needs connection state across round
  // trips: WATCH ... MULTI/EXEC, XREAD BLOCK. Shared connections must never carry those.
  Result<std::unique_ptr<RedisSession>> session();

  const RedisOptions& options() const;
  // Connections of the pool currently up (metrics, tests).
  int connected() const;

  struct Impl;

 private:
  explicit Redis(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// An exclusive connection from Redis::session(). Not thread-safe: one caller at a time.
// A lost connection is not replaced: the session's commands fail with unavailable.
class RedisSession {
 public:
  ~RedisSession();
  RedisSession(const RedisSession&) = delete;
  RedisSession& operator=(const RedisSession&) = delete;

  Result<Reply> command(std::initializer_list<std::string_view> args);
  Result<Reply> command(const Command& args);
  Result<Reply> command(const Command& args, std::chrono::milliseconds timeout);
  Result<std::vector<Reply>> pipeline(const std::vector<Command>& commands);

  struct State;

 private:
  friend class Redis;
  RedisSession(std::shared_ptr<Redis::Impl> impl, std::shared_ptr<State> state);
  std::shared_ptr<Redis::Impl> impl_;
  std::shared_ptr<State> state_;
};

}  // namespace tongban::store

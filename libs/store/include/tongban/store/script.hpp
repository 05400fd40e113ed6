// A Lua script run by SHA (EVALSHA) that falls back to EVAL when the server does not
// know it (restarted or SCRIPT FLUSH): how services make compare-and-set state changes.
#pragma once

#include <string>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/store/reply.hpp"

namespace tongban::store {

class Script {
 public:
  explicit Script(std::string source);

  const std::string& source() const { return source_; }
  // Lower-case hex SHA-1 of the source, as SCRIPT LOAD returns it.
  const std::string& sha() const { return sha_; }

  // A script's own error (redis.error_reply, a failing redis.call) is an error Reply.
  Result<Reply> run(Redis& redis, const std::vector<std::string>& keys,
                    const std::vector<std::string>& args) const;
  Result<Reply> run(RedisSession& session, const std::vector<std::string>& keys,
                    const std::vector<std::string>& args) const;
  // The same without waiting: `done` runs on the client's I/O thread, so it must be quick and
  // must not block. A NOSCRIPT answer is sent again by source from there. The Script must
  // outlive the reply (scripts are constants).
  void async_run(Redis& redis, std::vector<std::string> keys, std::vector<std::string> args,
                 ReplyCallback done) const;
  // Several runs in one round trip (a pipeline of EVALSHA); a run the server had no script
  // for is sent again by source. One reply per run, in order; each run is atomic on its own,
  // the runs together are not (a transport error may come after some of them ran).
  struct Call {
    std::vector<std::string> keys;
    std::vector<std::string> args;
  };
  Result<std::vector<Reply>> run_all(Redis& redis, const std::vector<Call>& calls) const;
  // SCRIPT LOAD, e.g. at start-up so the first run is already an EVALSHA hit.
  Result<void> load(Redis& redis) const;

  // The EVALSHA / EVAL commands, for pipelines and transactions.
  Command evalsha_command(const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) const;
  Command eval_command(const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) const;

 private:
  std::string source_;
  std::string sha_;
};

// Lower-case hex SHA-1 (what Redis names scripts by).
std::string sha1_hex(std::string_view data);

}  // namespace tongban::store

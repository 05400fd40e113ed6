#include "tongban/store/script.hpp"

#include <openssl/evp.h>

#include <string>
#include <utility>

namespace tongban::store {

std::string sha1_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

Script::Script(std::string source) : source_(std::move(source)), sha_(sha1_hex(source_)) {}

namespace {

Command eval_like(std::string verb, const std::string& body, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args) {
  Command cmd;
  cmd.reserve(3 + keys.size() + args.size());
  cmd.push_back(std::move(verb));
  cmd.push_back(body);
  cmd.push_back(std::to_string(keys.size()));
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

bool is_noscript(const Reply& r) { return r.is_error() && r.str().starts_with("NOSCRIPT"); }

template <class Target>
Result<Reply> run_on(Target& target, const Script& script, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) {
  auto r = target.command(script.evalsha_command(keys, args));
  if (!r || !is_noscript(*r)) return r;
  // The server lost its script cache (restart, failover, SCRIPT FLUSH): EVAL sends the
  // source and caches it again, so the next run is an EVALSHA hit.
  return target.command(script.eval_command(keys, args));
}

}  // namespace

Command Script::evalsha_command(const std::vector<std::string>& keys,
                                const std::vector<std::string>& args) const {
  return eval_like("EVALSHA", sha_, keys, args);
}

Command Script::eval_command(const std::vector<std::string>& keys,
                             const std::vector<std::string>& args) const {
  return eval_like("EVAL", source_, keys, args);
}

Result<Reply> Script::run(Redis& redis, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) const {
  return run_on(redis, *this, keys, args);
}

void Script::async_run(Redis& redis, std::vector<std::string> keys, std::vector<std::string> args,
                       ReplyCallback done) const {
  auto evalsha = evalsha_command(keys, args);
  redis.async_command(std::move(evalsha),
                      [this, &redis, keys = std::move(keys), args = std::move(args),
                       done = std::move(done)](Result<Reply> r) mutable {
                        if (!r || !is_noscript(*r)) return done(std::move(r));
                        redis.async_command(eval_command(keys, args), std::move(done));
                      });
}

Result<std::vector<Reply>> Script::run_all(Redis& redis, const std::vector<Call>& calls) const {
  std::vector<Command> commands;
  commands.reserve(calls.size());
  for (const auto& c : calls) commands.push_back(evalsha_command(c.keys, c.args));
  auto replies = commands.empty() ? Result<std::vector<Reply>>{} : redis.pipeline(commands);
  if (!replies) return replies;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (!is_noscript((*replies)[i])) continue;
    auto again = redis.command(eval_command(calls[i].keys, calls[i].args));
    if (!again) return fail(std::move(again.error()));
    (*replies)[i] = std::move(*again);
  }
  return replies;
}

Result<Reply> Script::run(RedisSession& session, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args) const {
  return run_on(session, *this, keys, args);
}

Result<void> Script::load(Redis& redis) const {
  auto r = redis.command(Command{"SCRIPT", "LOAD", source_});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("SCRIPT LOAD failed: " + r->str()));
  if (r->str() != sha_) {
    return fail(Error::internal("SCRIPT LOAD returned " + r->str() + ", expected " + sha_));
  }
  return {};
}

}  // namespace tongban::store

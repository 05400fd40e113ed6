#include "repo/session_repo.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tongban/auth/base64url.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::identity {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("identity");
  return k;
}

// Only a hash of a refresh token is stored: a Redis dump does not hand out sessions.
std::string token_hash(const std::string& token) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr);
  return auth::base64url::encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string new_token() {
  unsigned char raw[32];
  RAND_bytes(raw, sizeof raw);
  return auth::base64url::encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

std::int64_t ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// KEYS: old token, new token, family. ARGV: now ms, new expiry ms, ttl s.
// Returns {code, subject, family}: 1 rotated, 0 unknown, 2 expired, 3 reused, 4 revoked.
const store::Script kRotate(R"lua(
local t = redis.call('HMGET', KEYS[1], 'subject', 'family', 'expires_ms', 'used')
if not t[1] then return {0, '', ''} end
local subject, family = t[1], t[2]
if redis.call('HGET', KEYS[3], 'revoked') == '1' then return {4, subject, family} end
if t[4] == '1' then
  redis.call('HSET', KEYS[3], 'revoked', '1')
  return {3, subject, family}
end
if tonumber(t[3]) < tonumber(ARGV[1]) then return {2, subject, family} end
redis.call('HSET', KEYS[1], 'used', '1')
redis.call('HSET', KEYS[2], 'subject', subject, 'family', family, 'expires_ms', ARGV[2], 'used', '0')
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return {1, subject, family}
)lua");

}  // namespace

SessionRepo::SessionRepo(store::Redis& redis, const Clock& clock, std::chrono::seconds refresh_ttl)
    : redis_(redis), clock_(clock), refresh_ttl_(refresh_ttl) {}

Result<RefreshGrant> SessionRepo::issue(const std::string& subject_id) {
  RefreshGrant g{new_token(), ids::uuid_v7()};
  const auto ttl = std::to_string(refresh_ttl_.count());
  const auto expires = std::to_string(ms(clock_.now() + refresh_ttl_));
  auto r = redis_.pipeline(
      {{"HSET", ks().key("refresh", token_hash(g.token)), "subject", subject_id, "family", g.family,
        "expires_ms", expires, "used", "0"},
       {"EXPIRE", ks().key("refresh", token_hash(g.token)), ttl},
       {"HSET", ks().key("family", g.family), "subject", subject_id, "revoked", "0"},
       {"EXPIRE", ks().key("family", g.family), ttl}});
  if (!r) return fail(std::move(r.error()));
  return g;
}

Result<Rotation> SessionRepo::rotate(const std::string& token) {
  if (token.empty() || token.size() > 256) return Rotation{};
  const std::string next = new_token();
  auto peek = redis_.command({"HGET", ks().key("refresh", token_hash(token)), "family"});
  if (!peek) return fail(std::move(peek.error()));
  if (peek->is_nil()) return Rotation{};
  const std::string family = peek->str();
  auto r = kRotate.run(
      redis_,
      {ks().key("refresh", token_hash(token)), ks().key("refresh", token_hash(next)),
       ks().key("family", family)},
      {std::to_string(ms(clock_.now())), std::to_string(ms(clock_.now() + refresh_ttl_)),
       std::to_string(refresh_ttl_.count())});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error() || r->array().size() != 3) {
    return fail(Error::internal("refresh rotation: " + r->str()));
  }
  Rotation out;
  out.subject_id = r->array()[1].str();
  out.family = r->array()[2].str();
  switch (r->array()[0].integer()) {
    case 1:
      out.outcome = RotateOutcome::rotated;
      out.next = RefreshGrant{next, out.family};
      break;
    case 2:
      out.outcome = RotateOutcome::expired;
      break;
    case 3:
      out.outcome = RotateOutcome::reused;
      break;
    case 4:
      out.outcome = RotateOutcome::family_revoked;
      break;
    default:
      out.outcome = RotateOutcome::unknown;
      break;
  }
  return out;
}

Result<std::optional<std::string>> SessionRepo::family_of(const std::string& token) {
  auto r = redis_.command({"HGET", ks().key("refresh", token_hash(token)), "family"});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<std::string>{};
  return std::optional<std::string>(r->str());
}

Result<void> SessionRepo::revoke_family(const std::string& family) {
  auto r = redis_.command({"HSET", ks().key("family", family), "revoked", "1"});
  if (!r) return fail(std::move(r.error()));
  return {};
}

Result<void> SessionRepo::record_failure(const std::string& account, const std::string& ip) {
  const auto now = std::to_string(ms(clock_.now()));
  const auto member = now + "-" + ids::random_hex(4);
  std::vector<store::Command> cmds;
  if (!account.empty()) {
    cmds.push_back({"ZADD", ks().key("failures", "account", account), now, member});
    cmds.push_back({"EXPIRE", ks().key("failures", "account", account), "86400"});
  }
  cmds.push_back({"ZADD", ks().key("failures", "ip", ip), now, member});
  cmds.push_back({"EXPIRE", ks().key("failures", "ip", ip), "86400"});
  auto r = redis_.pipeline(cmds);
  if (!r) return fail(std::move(r.error()));
  return {};
}

Result<std::vector<Clock::time_point>> SessionRepo::read_times(const std::string& key,
                                                               std::chrono::seconds within) {
  const auto from = std::to_string(ms(clock_.now() - within));
  auto r = redis_.command({"ZRANGEBYSCORE", key, from, "+inf", "WITHSCORES"});
  if (!r) return fail(std::move(r.error()));
  std::vector<Clock::time_point> out;
  const auto& items = r->array();
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    out.emplace_back(std::chrono::milliseconds(std::atoll(items[i + 1].str().c_str())));
  }
  return out;
}

Result<std::vector<Clock::time_point>> SessionRepo::failures(const std::string& account,
                                                             std::chrono::seconds within) {
  return read_times(ks().key("failures", "account", account), within);
}

Result<std::vector<Clock::time_point>> SessionRepo::ip_failures(const std::string& ip,
                                                                std::chrono::seconds within) {
  return read_times(ks().key("failures", "ip", ip), within);
}

Result<void> SessionRepo::clear_failures(const std::string& account) {
  auto r = redis_.command({"DEL", ks().key("failures", "account", account)});
  if (!r) return fail(std::move(r.error()));
  return {};
}

}  // namespace tongban::identity

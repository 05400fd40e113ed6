#include "tokens/key_ring.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/store/keyspace.hpp"

namespace tongban::identity {
namespace {

std::int64_t to_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
Clock::time_point from_ms(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

KeyRing::KeyRing(store::Redis& redis, const Clock& clock, KeyRingOptions options)
    : redis_(redis),
      clock_(clock),
      options_(options),
      hash_key_(store::Keyspace("identity").key("signing_keys")) {}

Result<KeyRing::Entry> KeyRing::parse_entry(const std::string& kid, const std::string& json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return fail(Error::internal("signing key " + kid + " is not JSON"));
  const auto& o = v.as_object();
  const auto* pem = o.if_contains("pem");
  const auto* created = o.if_contains("created_at_ms");
  const auto* activates = o.if_contains("activates_at_ms");
  if (!pem || !pem->is_string() || !created || !activates) {
    return fail(Error::internal("signing key " + kid + " lacks pem or times"));
  }
  auto signer = auth::Signer::from_pem(pem->as_string(), kid);
  if (!signer) return fail(std::move(signer.error()));
  return Entry{std::make_shared<const auth::Signer>(std::move(*signer)),
               from_ms(created->to_number<std::int64_t>()),
               from_ms(activates->to_number<std::int64_t>())};
}

Result<void> KeyRing::load() {
  auto reply = redis_.command({"HGETALL", hash_key_});
  if (!reply) return fail(std::move(reply.error()));
  if (reply->array().empty()) {
    auto created = add_key(clock_.now(), /*only_if_empty=*/true);
    if (!created) return fail(std::move(created.error()));
    reply = redis_.command({"HGETALL", hash_key_});
    if (!reply) return fail(std::move(reply.error()));
  }
  std::vector<Entry> entries;
  const auto& items = reply->array();
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    auto e = parse_entry(items[i].str(), items[i + 1].str());
    if (!e) {
      log::error("unusable signing key skipped", {{"detail", e.error().message}});
      continue;
    }
    entries.push_back(std::move(*e));
  }
  if (entries.empty()) return fail(Error::internal("no usable signing key in Redis"));
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.activates_at < b.activates_at; });
  std::lock_guard lock(mutex_);
  entries_ = std::move(entries);
  return {};
}

Result<std::string> KeyRing::add_key(Clock::time_point activates_at, bool only_if_empty) {
  // kid: creation time plus randomness, readable in logs and unique across replicas.
  const std::string kid = to_rfc3339(clock_.now()).substr(0, 10) + "-" + ids::random_hex(4);
  auto signer = auth::Signer::generate(options_.alg, kid);
  if (!signer) return fail(std::move(signer.error()));
  boost::json::object doc{{"alg", std::string(auth::to_string(options_.alg))},
                          {"pem", signer->private_pem()},
                          {"created_at_ms", to_ms(clock_.now())},
                          {"activates_at_ms", to_ms(activates_at)}};
  const auto json = boost::json::serialize(doc);
  if (only_if_empty) {
    // Several replicas may start at once: the first key is created exactly once.
    static const char* kScript =
        "if redis.call('HLEN', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
        "return 1 end return 0";
    auto r = redis_.command({"EVAL", kScript, "1", hash_key_, kid, json});
    if (!r) return fail(std::move(r.error()));
    if (r->is_error()) return fail(Error::internal("creating the first key: " + r->str()));
  } else {
    auto r = redis_.command({"HSET", hash_key_, kid, json});
    if (!r) return fail(std::move(r.error()));
  }
  return kid;
}

Result<std::string> KeyRing::rotate() {
  if (auto r = load(); !r) return fail(std::move(r.error()));
  const auto now = clock_.now();
  auto kid = add_key(now + options_.activation_delay, false);
  if (!kid) return kid;
  // Drop keys superseded long enough ago that no token they signed is still valid.
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i + 1 < entries_.size(); ++i) {
      if (entries_[i + 1].activates_at + options_.publish_after_superseded < now) {
        gone.push_back(entries_[i].signer->kid());
      }
    }
  }
  for (const auto& g : gone) (void)redis_.command({"HDEL", hash_key_, g});
  if (auto r = load(); !r) return fail(std::move(r.error()));
  log::info("signing key rotated", {{"kid", *kid}, {"dropped", gone.size()}});
  return kid;
}

const KeyRing::Entry* KeyRing::active_locked(Clock::time_point now) const {
  const Entry* active = nullptr;
  for (const auto& e : entries_) {
    if (e.activates_at <= now) active = &e;
  }
  return active ? active : (entries_.empty() ? nullptr : &entries_.front());
}

bool KeyRing::published_locked(const Entry& e, Clock::time_point now) const {
  // Published from creation (so verifiers learn it before it signs) until the next key
  // has been active for longer than any token lives.
  for (const auto& later : entries_) {
    if (later.activates_at > e.activates_at && later.activates_at <= now &&
        later.activates_at + options_.publish_after_superseded < now) {
      return false;
    }
  }
  return true;
}

Result<std::string> KeyRing::sign(const boost::json::object& claims) const {
  std::shared_ptr<const auth::Signer> signer;
  {
    std::lock_guard lock(mutex_);
    const auto* e = active_locked(clock_.now());
    if (!e) return fail(Error::unavailable("no signing key loaded"));
    signer = e->signer;
  }
  return signer->sign(claims);
}

std::string KeyRing::jwks_json() const {
  auth::Jwks jwks;
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  for (const auto& e : entries_) {
    if (published_locked(e, now)) jwks.add(e.signer->public_jwk());
  }
  return jwks.to_json();
}

std::string KeyRing::active_kid() const {
  std::lock_guard lock(mutex_);
  const auto* e = active_locked(clock_.now());
  return e ? e->signer->kid() : std::string();
}

}  // namespace tongban::identity

#include "repo/notify_repo.hpp"

#include <boost/json/serialize.hpp>
#include <map>

#include "tongban/core/clock.hpp"
#include "tongban/store/script.hpp"

namespace tongban::notify {
namespace {

// A new delivery, unless one with its id exists (the idempotency of (event, channel,
// recipient)). KEYS: delivery, due[, inbox]. ARGV: id, now, field/value pairs.
const store::Script kEnqueue(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
if KEYS[3] then
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
  -- an inbox keeps the newest 500
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -501)
end
return 1
)lua");

// Takes a due delivery: moves its due time to the end of the lease and records the claim.
// KEYS: delivery, due. ARGV: id, now, lease_until, token.
const store::Script kClaim(R"lua(
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return false
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'claim', ARGV[4])
return redis.call('HGETALL', KEYS[1])
)lua");

// The outcome of a claimed attempt, only from the claim's holder (a dispatcher whose lease
// ran out must not overwrite what the next one did).
// KEYS: delivery, due, dead. ARGV: id, token, outcome, now, next, error, retention_ms.
const store::Script kComplete(R"lua(
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'claim', '', 'last_attempt_at', ARGV[4])
if ARGV[3] == 'delivered' then
  redis.call('HSET', KEYS[1], 'status', 'delivered', 'delivered_at', ARGV[4], 'next_at', '0')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
elseif ARGV[3] == 'retry' then
  redis.call('HSET', KEYS[1], 'last_error', ARGV[6], 'next_at', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
else
  redis.call('HSET', KEYS[1], 'status', 'dead', 'dead_at', ARGV[4], 'last_error', ARGV[6],
             'next_at', '0')
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
return 1
)lua");

// KEYS: delivery, due, dead. ARGV: id, now.
const store::Script kRequeue(R"lua(
if redis.call('HGET', KEYS[1], 'status') ~= 'dead' then return 0 end
redis.call('PERSIST', KEYS[1])
redis.call('HSET', KEYS[1], 'status', 'pending', 'attempts', '0', 'next_at', ARGV[2],
           'dead_at', '0', 'claim', '')
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
)lua");

// KEYS: item. ARGV: version, zh, en.
const store::Script kSaveItem(R"lua(
local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if tonumber(ARGV[1]) < v then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'zh', ARGV[2], 'en', ARGV[3])
return 1
)lua");

Error script_error(const store::Reply& r) { return Error::internal("redis: " + r.str()); }

std::int64_t to_int(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::optional<Stored> from_fields(const std::vector<store::Reply>& a) {
  if (a.empty()) return std::nullopt;
  std::map<std::string, std::string, std::less<>> f;
  for (std::size_t i = 0; i + 1 < a.size(); i += 2) f[a[i].str()] = a[i + 1].str();
  auto get = [&f](std::string_view k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  Stored s;
  auto& d = s.delivery;
  d.id = get("id");
  if (d.id.empty()) return std::nullopt;
  d.event_id = get("event_id");
  d.event_kind = get("event");
  d.case_id = get("case_id");
  d.channel = parse_channel(get("channel")).value_or(Channel::email);
  d.audience = parse_audience(get("audience")).value_or(Audience::applicant);
  d.recipient = get("recipient");
  d.address = get("address");
  d.language = parse_language(get("language")).value_or(Language::zh);
  d.subject = get("subject");
  d.body = get("body");
  const auto status = get("status");
  s.status = status == "delivered" ? DeliveryStatus::delivered
             : status == "dead"    ? DeliveryStatus::dead
                                   : DeliveryStatus::pending;
  s.attempts = static_cast<int>(to_int(get("attempts")));
  s.created_ms = to_int(get("created_at"));
  s.next_ms = to_int(get("next_at"));
  s.delivered_ms = to_int(get("delivered_at"));
  s.dead_ms = to_int(get("dead_at"));
  s.last_error = get("last_error");
  s.claim = get("claim");
  return s;
}

boost::json::value time_or_null(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  return boost::json::value(to_rfc3339(Clock::time_point(
      std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::milliseconds(ms)))));
}

}  // namespace

std::string_view to_string(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::pending:
      return "pending";
    case DeliveryStatus::delivered:
      return "delivered";
    case DeliveryStatus::dead:
      return "dead";
  }
  return "pending";
}

boost::json::object to_json(const Stored& s) {
  const auto& d = s.delivery;
  return boost::json::object{
      {"id", d.id},
      {"event_id", d.event_id},
      {"event", d.event_kind},
      {"case_id", d.case_id},
      {"channel", to_string(d.channel)},
      {"audience", to_string(d.audience)},
      {"recipient", d.recipient},
      {"address", d.address.empty() ? boost::json::value(nullptr) : boost::json::value(d.address)},
      {"language", to_string(d.language)},
      {"subject", d.subject},
      {"body", d.body},
      {"status", to_string(s.status)},
      {"attempts", s.attempts},
      {"created_at", time_or_null(s.created_ms)},
      {"next_attempt_at",
       s.status == DeliveryStatus::pending ? time_or_null(s.next_ms) : boost::json::value(nullptr)},
      {"delivered_at", time_or_null(s.delivered_ms)},
      {"dead_at", time_or_null(s.dead_ms)},
      {"last_error",
       s.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(s.last_error)}};
}

NotifyRepo::NotifyRepo(store::Redis& redis) : redis_(redis), ks_("notify") {}

namespace {

// kEnqueue's ARGV for a delivery: its id, the time, then the hash's fields and values.
std::vector<std::string> enqueue_args(const Delivery& d, const std::string& now) {
  return {d.id,         now,
          "id",         d.id,
          "event_id",   d.event_id,
          "event",      d.event_kind,
          "case_id",    d.case_id,
          "channel",    std::string(to_string(d.channel)),
          "audience",   std::string(to_string(d.audience)),
          "recipient",  d.recipient,
          "address",    d.address,
          "language",   std::string(to_string(d.language)),
          "subject",    d.subject,
          "body",       d.body,
          "status",     "pending",
          "attempts",   "0",
          "created_at", now,
          "next_at",    now};
}

// The reply to GET tb:notify:prefs:<subject>.
Result<std::optional<Preferences>> preferences_from(const store::Reply& r) {
  if (r.is_nil()) return std::optional<Preferences>{};
  if (!r.is_string()) return fail(script_error(r));
  auto p = preferences_from_json(r.str());
  if (!p) return fail(std::move(p.error()));
  return std::optional<Preferences>(std::move(*p));
}

}  // namespace

Result<std::optional<Preferences>> NotifyRepo::preferences(const std::string& subject) {
  auto r = redis_.command({"GET", ks_.key("prefs", subject)});
  if (!r) return fail(std::move(r.error()));
  return preferences_from(*r);
}

Result<void> NotifyRepo::save_preferences(const std::string& subject, const Preferences& p) {
  auto r = redis_.command({"SET", ks_.key("prefs", subject), boost::json::serialize(to_json(p))});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(script_error(*r));
  return {};
}

Result<NotifyRepo::EventContext> NotifyRepo::event_context(const std::string& applicant,
                                                           const std::string& item_code) {
  auto r = redis_.pipeline(
      {{"GET", ks_.key("prefs", applicant)}, {"HMGET", ks_.key("item", item_code), "zh", "en"}});
  if (!r) return fail(std::move(r.error()));
  EventContext c;
  auto prefs = preferences_from((*r)[0]);
  if (!prefs) return fail(std::move(prefs.error()));
  c.preferences = std::move(*prefs);
  if (const auto& names = (*r)[1]; names.is_array() && names.array().size() == 2) {
    c.item.zh = names.array()[0].str();
    c.item.en = names.array()[1].str();
  }
  return c;
}

Result<void> NotifyRepo::save_item(const std::string& code, std::int64_t version,
                                   const std::string& zh, const std::string& en) {
  auto r = kSaveItem.run(redis_, {ks_.key("item", code)}, {std::to_string(version), zh, en});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(script_error(*r));
  return {};
}

Result<std::vector<bool>> NotifyRepo::enqueue(const std::vector<Delivery>& deliveries,
                                              std::int64_t now_ms) {
  const auto now = std::to_string(now_ms);
  std::vector<store::Script::Call> calls;
  for (const auto& d : deliveries) {
    store::Script::Call c{{ks_.key("d", d.id), ks_.key("due")}, enqueue_args(d, now)};
    if (d.audience == Audience::applicant) c.keys.push_back(ks_.key("inbox", d.recipient));
    calls.push_back(std::move(c));
  }
  auto replies = kEnqueue.run_all(redis_, calls);
  if (!replies) return fail(std::move(replies.error()));
  std::vector<bool> stored;
  for (const auto& r : *replies) {
    if (r.is_error()) return fail(script_error(r));
    stored.push_back(r.integer() == 1);
  }
  return stored;
}

Result<std::vector<std::string>> NotifyRepo::due(std::int64_t now_ms, std::size_t limit) {
  auto r = redis_.command({"ZRANGEBYSCORE", ks_.key("due"), "-inf", std::to_string(now_ms), "LIMIT",
                           "0", std::to_string(limit)});
  if (!r) return fail(std::move(r.error()));
  std::vector<std::string> ids;
  for (const auto& e : r->array()) ids.push_back(e.str());
  return ids;
}

Result<std::optional<Stored>> NotifyRepo::claim(const std::string& id, std::int64_t now_ms,
                                                std::int64_t lease_until_ms,
                                                const std::string& token) {
  auto r = kClaim.run(redis_, {ks_.key("d", id), ks_.key("due")},
                      {id, std::to_string(now_ms), std::to_string(lease_until_ms), token});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(script_error(*r));
  if (!r->is_array()) return std::optional<Stored>{};
  return from_fields(r->array());
}

Result<bool> NotifyRepo::complete(const std::string& id, const std::string& token, Outcome outcome,
                                  std::int64_t now_ms, std::int64_t next_ms,
                                  const std::string& error, std::chrono::milliseconds retention) {
  static constexpr std::string_view kNames[] = {"delivered", "retry", "dead"};
  auto r = kComplete.run(
      redis_, {ks_.key("d", id), ks_.key("due"), ks_.key("dead")},
      {id, token, std::string(kNames[static_cast<int>(outcome)]), std::to_string(now_ms),
       std::to_string(next_ms), error, std::to_string(retention.count())});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(script_error(*r));
  return r->integer() == 1;
}

Result<bool> NotifyRepo::requeue(const std::string& id, std::int64_t now_ms) {
  auto r = kRequeue.run(redis_, {ks_.key("d", id), ks_.key("due"), ks_.key("dead")},
                        {id, std::to_string(now_ms)});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(script_error(*r));
  return r->integer() == 1;
}

Result<std::optional<Stored>> NotifyRepo::get(const std::string& id) {
  auto r = redis_.command({"HGETALL", ks_.key("d", id)});
  if (!r) return fail(std::move(r.error()));
  return from_fields(r->array());
}

Result<std::vector<Stored>> NotifyRepo::load_all(const std::vector<std::string>& ids,
                                                 const std::string& index_key) {
  std::vector<store::Command> commands;
  for (const auto& id : ids) commands.push_back({"HGETALL", ks_.key("d", id)});
  if (commands.empty()) return std::vector<Stored>{};
  auto replies = redis_.pipeline(commands);
  if (!replies) return fail(std::move(replies.error()));
  std::vector<Stored> out;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (auto s = from_fields((*replies)[i].array())) {
      out.push_back(std::move(*s));
    } else {
      // Expired after its retention: drop it from the index too.
      (void)redis_.command({"ZREM", index_key, ids[i]});
    }
  }
  return out;
}

Result<std::vector<Stored>> NotifyRepo::inbox(const std::string& subject, std::size_t limit) {
  const auto key = ks_.key("inbox", subject);
  auto r = redis_.command({"ZREVRANGE", key, "0", std::to_string(limit - 1)});
  if (!r) return fail(std::move(r.error()));
  std::vector<std::string> ids;
  for (const auto& e : r->array()) ids.push_back(e.str());
  return load_all(ids, key);
}

Result<std::vector<Stored>> NotifyRepo::list(DeliveryStatus status, std::size_t limit) {
  const bool dead = status == DeliveryStatus::dead;
  const auto key = ks_.key(dead ? "dead" : "due");
  auto r = redis_.command({dead ? "ZREVRANGE" : "ZRANGE", key, "0", std::to_string(limit - 1)});
  if (!r) return fail(std::move(r.error()));
  std::vector<std::string> ids;
  for (const auto& e : r->array()) ids.push_back(e.str());
  return load_all(ids, key);
}

Result<std::pair<long long, long long>> NotifyRepo::counts() {
  auto r = redis_.pipeline({{"ZCARD", ks_.key("due")}, {"ZCARD", ks_.key("dead")}});
  if (!r) return fail(std::move(r.error()));
  return std::pair<long long, long long>{(*r)[0].integer(), (*r)[1].integer()};
}

}  // namespace tongban::notify

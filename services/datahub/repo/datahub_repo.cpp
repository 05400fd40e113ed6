#include "repo/datahub_repo.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::datahub {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("datahub");
  return k;
}

std::string dept_key(const Department& d) { return d.city + "|" + d.department; }

long long ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The last four ARGV of every writing script: the outbox entry. Appended to its source.
constexpr std::string_view kOutboxLua = R"lua(
local function outbox(key, n)
  local entry = {'topic', ARGV[n], 'key', ARGV[n + 1], 'event', ARGV[n + 2]}
  if ARGV[n + 3] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[n + 3] end
  redis.call('XADD', key, '*', unpack(entry))
end
)lua";

std::string with_outbox(std::string_view body) {
  return std::string(kOutboxLua) + std::string(body);
}

void add_event(std::vector<std::string>& args, const store::OutboxMessage& m) {
  args.insert(args.end(), {m.topic, m.key, m.event, m.traceparent});
}

// KEYS: resource, resources index, outbox. ARGV: json, id, then the event.
const store::Script kRegister(with_outbox(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
outbox(KEYS[3], 3)
return 1
)lua"));

// KEYS: grant, pair set, owner zset, consumer zset, expiry zset, outbox.
// ARGV: json, id, requested ms, expires ms ('' when not approved), then the event.
const store::Script kCreateGrant(with_outbox(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[5], ARGV[4], ARGV[2]) end
outbox(KEYS[6], 5)
return 1
)lua"));

// KEYS: grant, expiry zset, outbox. ARGV: expected status, json, id, expires ms ('' to
// leave the sweep), then the event. 0 when the stored status is not the expected one.
const store::Script kUpdateGrant(with_outbox(R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur or cjson.decode(cur)['status'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
else
  redis.call('ZREM', KEYS[2], ARGV[3])
end
outbox(KEYS[3], 5)
return 1
)lua"));

// KEYS: licence, subject's set, case index, outbox. ARGV: json, id, by case ('1'/'0'),
// then the event. Returns the licence id (the earlier one when the case issued already).
const store::Script kIssueLicence(with_outbox(R"lua(
if ARGV[3] == '1' then
  local existing = redis.call('GET', KEYS[3])
  if existing then return existing end
  redis.call('SET', KEYS[3], ARGV[2])
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
outbox(KEYS[4], 4)
return ARGV[2]
)lua"));

// KEYS: licence, outbox. ARGV: json, then the event. 0 unless it was valid.
const store::Script kRevokeLicence(with_outbox(R"lua(
local cur = redis.call('GET', KEYS[1])
if not cur or cjson.decode(cur)['status'] ~= 'valid' then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
outbox(KEYS[2], 2)
return 1
)lua"));

// KEYS: item. ARGV: version, json. Older or equal versions are ignored.
const store::Script kPutItem(R"lua(
local cur = redis.call('GET', KEYS[1])
if cur and tonumber(cjson.decode(cur)['version']) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
)lua");

Result<long long> integer_reply(const Result<store::Reply>& r) {
  if (!r) return fail(r.error());
  if (r->is_error()) return fail(Error::unavailable("redis: " + r->str()));
  return r->integer();
}

Result<std::optional<boost::json::object>> parse_stored(const store::Reply& r) {
  if (r.is_nil()) return std::optional<boost::json::object>{};
  boost::system::error_code ec;
  auto v = boost::json::parse(r.str(), ec);
  if (ec || !v.is_object()) return fail(Error::internal("stored datahub JSON is corrupt"));
  return std::optional<boost::json::object>{std::move(v.as_object())};
}

Result<std::optional<boost::json::object>> get_json(store::Redis& redis, const std::string& key) {
  auto r = redis.command({"GET", key});
  if (!r) return fail(std::move(r.error()));
  return parse_stored(*r);
}

Department dept_from(const boost::json::value& v) {
  const auto& o = v.as_object();
  return Department{std::string(o.at("city").as_string()),
                    std::string(o.at("department").as_string())};
}

boost::json::object dept_json(const Department& d) {
  return {{"city", d.city}, {"department", d.department}};
}

// MGETs the given keys and decodes each present value with `decode`.
template <class T, class Decode>
Result<std::vector<T>> mget(store::Redis& redis, const std::vector<std::string>& keys,
                            Decode decode) {
  std::vector<T> out;
  if (keys.empty()) return out;
  store::Command cmd{"MGET"};
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  auto r = redis.command(cmd);
  if (!r) return fail(std::move(r.error()));
  for (const auto& el : r->array()) {
    auto doc = parse_stored(el);
    if (!doc) return fail(std::move(doc.error()));
    if (!*doc) continue;
    auto v = decode(**doc);
    if (!v) return fail(std::move(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

boost::json::object to_json(const Grant& g) {
  boost::json::array fields;
  for (const auto& f : g.fields) fields.emplace_back(f);
  return {
      {"id", g.id},
      {"resource", g.resource},
      {"owner", dept_json(g.owner)},
      {"consumer", dept_json(g.consumer)},
      {"fields", std::move(fields)},
      {"purpose", g.purpose},
      {"duration_seconds", std::chrono::duration_cast<std::chrono::seconds>(g.duration).count()},
      {"status", to_string(g.status)},
      {"requested_at", to_rfc3339(g.requested_at)},
      {"expires_at", g.expires_at ? boost::json::value(to_rfc3339(*g.expires_at)) : nullptr}};
}

Result<Grant> grant_from_json(const boost::json::object& o) {
  try {
    Grant g;
    g.id = o.at("id").as_string();
    g.resource = o.at("resource").as_string();
    g.owner = dept_from(o.at("owner"));
    g.consumer = dept_from(o.at("consumer"));
    for (const auto& f : o.at("fields").as_array()) g.fields.emplace_back(f.as_string());
    g.purpose = o.at("purpose").as_string();
    g.duration = std::chrono::seconds(o.at("duration_seconds").to_number<long long>());
    auto status = parse_grant_status(o.at("status").as_string());
    if (!status) return fail(Error::internal("stored grant has an unknown status"));
    g.status = *status;
    if (!parse_rfc3339(o.at("requested_at").as_string(), g.requested_at)) {
      return fail(Error::internal("stored grant time is corrupt"));
    }
    if (const auto& e = o.at("expires_at"); !e.is_null()) {
      Clock::time_point t;
      if (!parse_rfc3339(e.as_string(), t)) return fail(Error::internal("stored grant is corrupt"));
      g.expires_at = t;
    }
    return g;
  } catch (const std::exception& e) {
    // boost::json's at()/as_*() throw on a shape mismatch: only a corrupt store gets here.
    return fail(Error::internal(std::string("stored grant is corrupt: ") + e.what()));
  }
}

DatahubRepo::DatahubRepo(store::Redis& redis) : redis_(redis) {}

Result<void> DatahubRepo::register_resource(const ResourceEntry& r,
                                            const store::OutboxMessage& event) {
  std::vector<std::string> args{boost::json::serialize(to_json(r)), r.core.id};
  add_event(args, event);
  auto n = integer_reply(kRegister.run(
      redis_, {ks().key("resource", r.core.id), ks().key("resources"), ks().outbox()}, args));
  if (!n) return fail(std::move(n.error()));
  if (*n == 0) {
    return fail(Error{Errc::conflict, "resource " + r.core.id + " is registered already", "id",
                      "resource_exists", false});
  }
  return {};
}

Result<std::optional<ResourceEntry>> DatahubRepo::resource(const std::string& id) {
  auto doc = get_json(redis_, ks().key("resource", id));
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<ResourceEntry>{};
  auto r = resource_from_json(**doc);
  if (!r) return fail(std::move(r.error()));
  return std::optional<ResourceEntry>{std::move(*r)};
}

Result<ResourcePage> DatahubRepo::search_resources(const ResourceQuery& q) {
  ResourcePage page;
  std::string from = q.cursor.empty() ? "-" : "(" + q.cursor;
  constexpr std::size_t kBatch = 200;
  auto matches = [&q](const ResourceEntry& r) {
    if (!q.city.empty() && r.core.owner.city != q.city) return false;
    if (!q.department.empty() && r.core.owner.department != q.department) return false;
    if (q.sharing && r.core.sharing != *q.sharing) return false;
    if (q.keyword.empty()) return true;
    auto has = [&q](const std::string& s) { return s.find(q.keyword) != std::string::npos; };
    if (has(r.core.id) || has(r.name) || has(r.description)) return true;
    for (const auto& f : r.fields) {
      if (has(f.name) || has(f.description)) return true;
    }
    return false;
  };
  for (;;) {
    auto ids = redis_.command(
        {"ZRANGEBYLEX", ks().key("resources"), from, "+", "LIMIT", "0", std::to_string(kBatch)});
    if (!ids) return fail(std::move(ids.error()));
    std::vector<std::string> keys;
    for (const auto& id : ids->array()) keys.push_back(ks().key("resource", id.str()));
    auto batch = mget<ResourceEntry>(redis_, keys, resource_from_json);
    if (!batch) return fail(std::move(batch.error()));
    for (auto& r : *batch) {
      if (!matches(r)) continue;
      if (page.resources.size() == q.page_size) {
        page.next_cursor = page.resources.back().core.id;
        return page;
      }
      page.resources.push_back(std::move(r));
    }
    if (ids->array().size() < kBatch) return page;
    from = "(" + ids->array().back().str();
  }
}

Result<void> DatahubRepo::put_record(const std::string& resource, const std::string& subject,
                                     const boost::json::object& values) {
  auto r = redis_.command(
      {"SET", ks().key("record", resource, subject), boost::json::serialize(values)});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::unavailable("redis: " + r->str()));
  return {};
}

Result<std::optional<boost::json::object>> DatahubRepo::record(const std::string& resource,
                                                               const std::string& subject) {
  return get_json(redis_, ks().key("record", resource, subject));
}

Result<void> DatahubRepo::create_grant(const Grant& g, const store::OutboxMessage& event) {
  std::vector<std::string> args{
      boost::json::serialize(to_json(g)), g.id, std::to_string(ms(g.requested_at)),
      g.status == GrantStatus::approved && g.expires_at ? std::to_string(ms(*g.expires_at)) : ""};
  add_event(args, event);
  auto n = integer_reply(kCreateGrant.run(
      redis_,
      {ks().key("grant", g.id), ks().key("grants", "pair", dept_key(g.consumer), g.resource),
       ks().key("grants", "owner", dept_key(g.owner)),
       ks().key("grants", "consumer", dept_key(g.consumer)), ks().key("grants", "expiry"),
       ks().outbox()},
      args));
  if (!n) return fail(std::move(n.error()));
  if (*n == 0) return fail(Error::internal("grant id collision"));
  return {};
}

Result<bool> DatahubRepo::update_grant(const Grant& g, GrantStatus expected,
                                       const store::OutboxMessage& event) {
  std::vector<std::string> args{
      std::string(to_string(expected)), boost::json::serialize(to_json(g)), g.id,
      g.status == GrantStatus::approved && g.expires_at ? std::to_string(ms(*g.expires_at)) : ""};
  add_event(args, event);
  auto n = integer_reply(kUpdateGrant.run(
      redis_, {ks().key("grant", g.id), ks().key("grants", "expiry"), ks().outbox()}, args));
  if (!n) return fail(std::move(n.error()));
  return *n == 1;
}

Result<std::optional<Grant>> DatahubRepo::grant(const std::string& id) {
  auto doc = get_json(redis_, ks().key("grant", id));
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<Grant>{};
  auto g = grant_from_json(**doc);
  if (!g) return fail(std::move(g.error()));
  return std::optional<Grant>{std::move(*g)};
}

Result<std::vector<Grant>> DatahubRepo::grants_for(const Department& consumer,
                                                   const std::string& resource) {
  auto ids = redis_.command({"SMEMBERS", ks().key("grants", "pair", dept_key(consumer), resource)});
  if (!ids) return fail(std::move(ids.error()));
  std::vector<std::string> keys;
  for (const auto& id : ids->array()) keys.push_back(ks().key("grant", id.str()));
  return mget<Grant>(redis_, keys, grant_from_json);
}

Result<std::vector<Grant>> DatahubRepo::grants_of(const Department& dept, bool as_owner,
                                                  std::size_t limit) {
  auto ids = redis_.command({"ZREVRANGE",
                             ks().key("grants", as_owner ? "owner" : "consumer", dept_key(dept)),
                             "0", std::to_string(limit == 0 ? 0 : limit - 1)});
  if (!ids) return fail(std::move(ids.error()));
  std::vector<std::string> keys;
  for (const auto& id : ids->array()) keys.push_back(ks().key("grant", id.str()));
  return mget<Grant>(redis_, keys, grant_from_json);
}

Result<std::vector<std::string>> DatahubRepo::due_expiries(long long now_ms, std::size_t limit) {
  auto ids = redis_.command({"ZRANGEBYSCORE", ks().key("grants", "expiry"), "-inf",
                             std::to_string(now_ms), "LIMIT", "0", std::to_string(limit)});
  if (!ids) return fail(std::move(ids.error()));
  std::vector<std::string> out;
  for (const auto& id : ids->array()) out.push_back(id.str());
  return out;
}

Result<std::string> DatahubRepo::issue_licence(const ELicence& l,
                                               const store::OutboxMessage& event) {
  const LicenceWithEvent one{l, event};
  auto ids = issue_licences({&one, 1});
  if (!ids) return fail(std::move(ids.error()));
  return std::move(ids->front());
}

Result<std::vector<std::string>> DatahubRepo::issue_licences(
    std::span<const LicenceWithEvent> licences) {
  std::vector<store::Script::Call> calls;
  calls.reserve(licences.size());
  for (const auto& [l, event] : licences) {
    std::vector<std::string> args{boost::json::serialize(to_json(l)), l.id,
                                  l.case_id.empty() ? "0" : "1"};
    add_event(args, event);
    calls.push_back({{ks().key("licence", l.id), ks().key("licences", l.subject),
                      ks().key("licence_case", l.case_id), ks().outbox()},
                     std::move(args)});
  }
  auto replies = kIssueLicence.run_all(redis_, calls);
  if (!replies) return fail(std::move(replies.error()));
  std::vector<std::string> ids;
  ids.reserve(replies->size());
  for (const auto& r : *replies) {
    if (r.is_error()) return fail(Error::unavailable("redis: " + r.str()));
    ids.push_back(r.str());
  }
  return ids;
}

Result<bool> DatahubRepo::revoke_licence(const ELicence& revoked,
                                         const store::OutboxMessage& event) {
  std::vector<std::string> args{boost::json::serialize(to_json(revoked))};
  add_event(args, event);
  auto n = integer_reply(
      kRevokeLicence.run(redis_, {ks().key("licence", revoked.id), ks().outbox()}, args));
  if (!n) return fail(std::move(n.error()));
  return *n == 1;
}

Result<std::optional<ELicence>> DatahubRepo::licence(const std::string& id) {
  auto doc = get_json(redis_, ks().key("licence", id));
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<ELicence>{};
  auto l = licence_from_json(**doc);
  if (!l) return fail(std::move(l.error()));
  return std::optional<ELicence>{std::move(*l)};
}

Result<std::vector<ELicence>> DatahubRepo::licences_of(const std::string& subject) {
  auto ids = redis_.command({"SMEMBERS", ks().key("licences", subject)});
  if (!ids) return fail(std::move(ids.error()));
  std::vector<std::string> keys;
  for (const auto& id : ids->array()) keys.push_back(ks().key("licence", id.str()));
  auto out = mget<ELicence>(redis_, keys, licence_from_json);
  if (!out) return out;
  // Oldest first, so "the first licence in force" is stable.
  std::sort(out->begin(), out->end(), [](const ELicence& a, const ELicence& b) {
    return std::tie(a.issued_at, a.id) < std::tie(b.issued_at, b.id);
  });
  return out;
}

Result<std::optional<std::string>> DatahubRepo::licence_for_case(const std::string& case_id) {
  auto r = redis_.command({"GET", ks().key("licence_case", case_id)});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<std::string>{};
  return std::optional<std::string>{r->str()};
}

Result<void> DatahubRepo::record_cases(std::span<const CaseWithPlaces> cases) {
  std::vector<store::Command> writes;
  writes.reserve(cases.size());
  for (const auto& [case_id, places] : cases) {
    writes.push_back({"HSET", ks().key("case", case_id), "receiving_city", places.receiving_city,
                      "accepting_city", places.accepting_city, "applicant", places.applicant});
  }
  auto r = redis_.pipeline(writes);
  if (!r) return fail(std::move(r.error()));
  for (const auto& reply : *r) {
    if (reply.is_error()) return fail(Error::unavailable("redis: " + reply.str()));
  }
  return {};
}

Result<std::optional<CasePlaces>> DatahubRepo::case_places(const std::string& case_id) {
  auto r = redis_.command(
      {"HMGET", ks().key("case", case_id), "receiving_city", "accepting_city", "applicant"});
  if (!r) return fail(std::move(r.error()));
  const auto& f = r->array();
  if (f.size() != 3 || f[0].is_nil()) return std::optional<CasePlaces>{};
  return std::optional<CasePlaces>{CasePlaces{f[0].str(), f[1].str(), f[2].str()}};
}

Result<void> DatahubRepo::put_item(const ItemMaterials& item) {
  boost::json::array materials;
  for (const auto& m : item.materials) {
    materials.push_back(boost::json::object{{"name_zh", m.name_zh},
                                            {"name_en", m.name_en},
                                            {"form", m.form},
                                            {"e_licence_type", m.e_licence_type}});
  }
  boost::json::object doc{{"code", item.code},
                          {"version", item.version},
                          {"withdrawn", item.withdrawn},
                          {"materials", std::move(materials)}};
  auto n = integer_reply(kPutItem.run(redis_, {ks().key("item", item.code)},
                                      {std::to_string(item.version), boost::json::serialize(doc)}));
  if (!n) return fail(std::move(n.error()));
  return {};
}

Result<std::optional<ItemMaterials>> DatahubRepo::item(const std::string& code) {
  auto doc = get_json(redis_, ks().key("item", code));
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<ItemMaterials>{};
  try {
    const auto& o = **doc;
    ItemMaterials item;
    item.code = o.at("code").as_string();
    item.version = static_cast<std::uint32_t>(o.at("version").to_number<std::int64_t>());
    item.withdrawn = o.at("withdrawn").as_bool();
    for (const auto& m : o.at("materials").as_array()) {
      const auto& mo = m.as_object();
      item.materials.push_back({std::string(mo.at("name_zh").as_string()),
                                std::string(mo.at("name_en").as_string()),
                                std::string(mo.at("form").as_string()),
                                std::string(mo.at("e_licence_type").as_string())});
    }
    return std::optional<ItemMaterials>{std::move(item)};
  } catch (const std::exception& e) {
    return fail(Error::internal(std::string("stored item is corrupt: ") + e.what()));
  }
}

}  // namespace tongban::datahub

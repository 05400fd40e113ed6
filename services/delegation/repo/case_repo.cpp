#include "repo/case_repo.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::delegation {
namespace {

// KEYS: case, timeline, outbox, idempotency, deadlines, then n_rm index keys to leave and
// n_add index keys to join. ARGV: mode, version arg, doc, new version, member, n_rm, n_add,
// idempotency response, its ttl, deadline member, due, case id, topic ('' for none), key,
// event, traceparent, then the timeline entries to append (JSON each).
// Returns {1} written, {0, stored} replayed, {-1} exists, {-2, version} stale.
const store::Script kWrite(R"lua(
local mode = ARGV[1]
if ARGV[8] ~= '' then
  local stored = redis.call('GET', KEYS[4])
  if stored then return {0, stored} end
end
local cur = redis.call('HGET', KEYS[1], 'version')
if mode == 'create' then
  if cur then return {-1} end
elseif mode == 'cas' then
  if cur ~= ARGV[2] then return {-2, cur or ''} end
elseif mode == 'newer' then
  if cur and tonumber(cur) >= tonumber(ARGV[2]) then return {-2, cur} end
elseif mode == 'handover' then
  if cur and tonumber(cur) > tonumber(ARGV[2]) then return {-2, cur} end
end
redis.call('HSET', KEYS[1], 'doc', ARGV[3], 'version', ARGV[4])
if #ARGV > 16 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 17)) end
local n_rm, n_add = tonumber(ARGV[6]), tonumber(ARGV[7])
for i = 6, 5 + n_rm do redis.call('ZREM', KEYS[i], ARGV[5]) end
for i = 6 + n_rm, 5 + n_rm + n_add do redis.call('ZADD', KEYS[i], 0, ARGV[5]) end
local id = ARGV[12]
redis.call('ZREM', KEYS[5], id .. '|forward', id .. '|accept', id .. '|decide')
if ARGV[10] ~= '' then redis.call('ZADD', KEYS[5], ARGV[11], ARGV[10]) end
if ARGV[13] ~= '' then
  local entry = {'topic', ARGV[13], 'key', ARGV[14], 'event', ARGV[15]}
  if ARGV[16] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[16] end
  redis.call('XADD', KEYS[3], '*', unpack(entry))
end
if ARGV[8] ~= '' then redis.call('SET', KEYS[4], ARGV[8], 'EX', ARGV[9]) end
return {1}
)lua");

// KEYS: agreement, pair index, all, outbox, the index of each of its two cities. ARGV: json,
// revision, id, topic ('' none), key, event, traceparent, open ('1': neither declined nor
// terminated). Applied only if the revision is newer. The pair index names the pair's open
// agreement: events of a pair's older agreements (a topic's history, partitions in any order) must
// not move it away, so an open agreement wins over an ended one and, between equals, the newer id
// (uuid v7).
const store::Script kPutAgreement(R"lua(
local cur = redis.call('HGET', KEYS[1], 'revision')
if cur and tonumber(cur) >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'revision', ARGV[2])
local pointed = redis.call('HMGET', KEYS[2], 'id', 'open')
local id, open = ARGV[3], ARGV[8]
if not pointed[1] or pointed[1] == id or (open == '1' and pointed[2] ~= '1') or
   (open == pointed[2] and id > pointed[1]) then
  redis.call('HSET', KEYS[2], 'id', id, 'open', open)
end
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('ZADD', KEYS[5], 0, ARGV[3])
redis.call('ZADD', KEYS[6], 0, ARGV[3])
if ARGV[4] ~= '' then
  local entry = {'topic', ARGV[4], 'key', ARGV[5], 'event', ARGV[6]}
  if ARGV[7] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[7] end
  redis.call('XADD', KEYS[4], '*', unpack(entry))
end
return 1
)lua");

// KEYS: item. ARGV: version, json. Keeps the newest version.
const store::Script kPutNewest(R"lua(
local cur = redis.call('HGET', KEYS[1], 'version')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'doc', ARGV[2])
return 1
)lua");

long long ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Result<std::optional<boost::json::object>> parse_doc(const store::Reply& r) {
  if (r.is_nil()) return std::optional<boost::json::object>{};
  boost::system::error_code ec;
  auto v = boost::json::parse(r.str(), ec);
  if (ec || !v.is_object()) return fail(Error::internal("stored delegation JSON is corrupt"));
  return std::optional<boost::json::object>{std::move(v.as_object())};
}

const char* mode_name(WriteMode m) {
  switch (m) {
    case WriteMode::create:
      return "create";
    case WriteMode::cas:
      return "cas";
    case WriteMode::newer:
      return "newer";
    case WriteMode::handover:
      return "handover";
  }
  return "cas";
}

}  // namespace

CaseRepo::CaseRepo(store::Redis& redis, std::string node, std::chrono::seconds idempotency_ttl,
                   std::size_t case_cache)
    : redis_(redis),
      node_(std::move(node)),
      idempotency_ttl_(idempotency_ttl),
      cache_(case_cache),
      prefix_(store::Keyspace("delegation").key(node_)) {}

std::string CaseRepo::key(std::string_view a) const { return prefix_ + ":" + std::string(a); }
std::string CaseRepo::key(std::string_view a, std::string_view b) const {
  return prefix_ + ":" + std::string(a) + ":" + std::string(b);
}

std::string CaseRepo::pair_key(const std::string& a, const std::string& b) const {
  return a < b ? key("agr:open:" + a, b) : key("agr:open:" + b, a);  // hash: id, open
}

std::vector<std::string> CaseRepo::index_keys(const CaseRecord& c) const {
  const std::string s(to_string(c.state));
  return {key("idx:applicant", c.applicant), key("idx:receiving:" + c.receiving_city, s),
          key("idx:accepting:" + c.accepting_city, s), key("idx:state", s)};
}

Result<WriteResult> CaseRepo::write(const CaseWrite& w) {
  auto call = write_call(w);
  auto written = write_result(kWrite.run(redis_, call.keys, call.args));
  if (cache_.enabled()) note_written(written, std::make_shared<const CaseRecord>(w.record));
  return written;
}

void CaseRepo::async_write(const CaseWrite& w, std::function<void(Result<WriteResult>)> done) {
  auto call = write_call(w);
  auto record = cache_.enabled() ? std::make_shared<const CaseRecord>(w.record) : nullptr;
  kWrite.async_run(
      redis_, std::move(call.keys), std::move(call.args),
      [this, record = std::move(record), done = std::move(done)](Result<store::Reply> r) mutable {
        auto written = write_result(std::move(r));
        note_written(written, std::move(record));
        done(std::move(written));
      });
}

void CaseRepo::note_written(const Result<WriteResult>& r,
                            std::shared_ptr<const CaseRecord> written) {
  if (r && r->outcome == WriteOutcome::written) cache_.put_written(std::move(written));
}

store::Script::Call CaseRepo::write_call(const CaseWrite& w) const {
  const auto& c = w.record;
  std::vector<std::string> keys{
      key("case", c.id), key("timeline", c.id), store::Keyspace("delegation").outbox(),
      key("idem", w.idempotency_key.empty() ? "-" : w.idempotency_key), key("deadlines")};
  std::vector<std::string> rm = w.previous ? index_keys(*w.previous) : std::vector<std::string>{};
  auto add = index_keys(c);
  // An index the case stays in (its applicant's always, its state's when it keeps it) is
  // neither left nor joined: a ZREM and a ZADD less per write, for nothing.
  for (std::size_t i = 0; i < rm.size();) {
    if (auto same = std::find(add.begin(), add.end(), rm[i]); same != add.end()) {
      add.erase(same);
      rm.erase(rm.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  keys.insert(keys.end(), rm.begin(), rm.end());
  keys.insert(keys.end(), add.begin(), add.end());
  boost::json::object response{{"status", w.response.status}, {"body", w.response.body}};
  std::vector<std::string> args{
      mode_name(w.mode),
      std::to_string(w.expected_version),
      w.record_json.empty() ? boost::json::serialize(to_json(c)) : w.record_json,
      std::to_string(c.version),
      c.id,
      std::to_string(rm.size()),
      std::to_string(add.size()),
      w.idempotency_key.empty() ? "" : boost::json::serialize(response),
      std::to_string(idempotency_ttl_.count()),
      w.deadline ? c.id + "|" + w.deadline->first : "",
      w.deadline ? std::to_string(ms(w.deadline->second)) : "0",
      c.id};
  if (w.event) {
    args.insert(args.end(), {w.event->topic, w.event->key, w.event->event, w.event->traceparent});
  } else {
    args.insert(args.end(), {"", "", "", ""});
  }
  // The timeline entries last, one argument each: the script pushes them as they are.
  for (const auto& e : w.timeline) args.push_back(boost::json::serialize(to_json(e)));
  return {std::move(keys), std::move(args)};
}

Result<WriteResult> CaseRepo::write_result(Result<store::Reply> r) {
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::unavailable("redis: " + r->str()));
  const auto& a = r->array();
  if (a.empty()) return fail(Error::internal("case write script answered nothing"));
  WriteResult out;
  switch (a[0].integer()) {
    case 1:
      out.outcome = WriteOutcome::written;
      break;
    case 0: {
      out.outcome = WriteOutcome::replayed;
      boost::system::error_code ec;
      auto v = boost::json::parse(a.size() > 1 ? a[1].str() : "", ec);
      if (ec || !v.is_object()) return fail(Error::internal("stored response is corrupt"));
      out.replay.status = static_cast<int>(v.at("status").to_number<std::int64_t>());
      out.replay.body = std::string(v.at("body").as_string());
      break;
    }
    case -1:
      out.outcome = WriteOutcome::exists;
      break;
    default:
      out.outcome = WriteOutcome::stale;
      out.stored_version = a.size() > 1 ? std::atoi(a[1].str().c_str()) : 0;
  }
  return out;
}

Result<std::optional<CaseRecord>> CaseRepo::load(const std::string& id) {
  return loaded_case(redis_.command({"HGET", key("case", id), "doc"}));
}

Result<std::vector<std::optional<CaseRecord>>> CaseRepo::load_many(
    const std::vector<std::string>& ids) {
  auto slots = doc_slots("case", ids);
  if (!slots) return fail(std::move(slots.error()));
  std::vector<std::optional<CaseRecord>> out;
  out.reserve(slots->size());
  for (auto& doc : *slots) {
    auto c = case_of(std::move(doc));
    if (!c) return fail(std::move(c.error()));
    out.push_back(std::move(*c));
  }
  return out;
}

Result<std::vector<WriteResult>> CaseRepo::write_many(const std::vector<CaseWrite>& writes) {
  std::vector<store::Script::Call> calls;
  calls.reserve(writes.size());
  for (const auto& w : writes) calls.push_back(write_call(w));
  std::vector<WriteResult> out;
  if (calls.empty()) return out;
  auto replies = kWrite.run_all(redis_, calls);
  if (!replies) return fail(std::move(replies.error()));
  for (std::size_t i = 0; i < replies->size(); ++i) {
    auto written = write_result(std::move((*replies)[i]));
    if (!written) return fail(std::move(written.error()));
    if (cache_.enabled())
      note_written(written, std::make_shared<const CaseRecord>(writes[i].record));
    out.push_back(std::move(*written));
  }
  return out;
}

void CaseRepo::async_load(const std::string& id,
                          std::function<void(Result<std::optional<CaseRecord>>)> done) {
  redis_.async_command({"HGET", key("case", id), "doc"},
                       [this, done = std::move(done)](Result<store::Reply> r) {
                         auto loaded = loaded_case(std::move(r));
                         if (cache_.enabled() && loaded && *loaded) {
                           cache_.put_read(std::make_shared<const CaseRecord>(**loaded));
                         }
                         done(std::move(loaded));
                       });
}

Result<std::optional<CaseRecord>> CaseRepo::loaded_case(Result<store::Reply> r) {
  if (!r) return fail(std::move(r.error()));
  auto doc = parse_doc(*r);
  if (!doc) return fail(std::move(doc.error()));
  return case_of(std::move(*doc));
}

Result<std::optional<CaseRecord>> CaseRepo::case_of(std::optional<boost::json::object> doc) {
  if (!doc) return std::optional<CaseRecord>{};
  auto c = case_from_json(*doc);
  if (!c) return fail(Error::internal(c.error().message));
  return std::optional<CaseRecord>{std::move(*c)};
}

Result<std::vector<boost::json::object>> CaseRepo::timeline(const std::string& id) {
  return timeline_entries(redis_.command({"LRANGE", key("timeline", id), "0", "-1"}));
}

void CaseRepo::async_timeline(const std::string& id,
                              std::function<void(Result<std::vector<boost::json::object>>)> done) {
  redis_.async_command(
      {"LRANGE", key("timeline", id), "0", "-1"},
      [done = std::move(done)](Result<store::Reply> r) { done(timeline_entries(std::move(r))); });
}

Result<std::vector<boost::json::object>> CaseRepo::timeline_entries(Result<store::Reply> r) {
  if (!r) return fail(std::move(r.error()));
  std::vector<boost::json::object> out;
  for (const auto& e : r->array()) {
    auto doc = parse_doc(e);
    if (!doc) return fail(std::move(doc.error()));
    if (*doc) out.push_back(std::move(**doc));
  }
  return out;
}

Result<std::optional<StoredResponse>> CaseRepo::stored_response(const std::string& k) {
  return stored_of(redis_.command({"GET", key("idem", k)}));
}

void CaseRepo::async_stored_response(
    const std::string& k, std::function<void(Result<std::optional<StoredResponse>>)> done) {
  redis_.async_command({"GET", key("idem", k)}, [done = std::move(done)](Result<store::Reply> r) {
    done(stored_of(std::move(r)));
  });
}

Result<std::optional<StoredResponse>> CaseRepo::stored_of(Result<store::Reply> r) {
  if (!r) return fail(std::move(r.error()));
  auto doc = parse_doc(*r);
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<StoredResponse>{};
  return std::optional<StoredResponse>{
      StoredResponse{static_cast<int>((**doc).at("status").to_number<std::int64_t>()),
                     std::string((**doc).at("body").as_string())}};
}

Result<CaseRepo::IdPage> CaseRepo::newest(const std::string& index, const std::string& cursor,
                                          std::size_t limit) {
  auto ids = redis_.command({"ZREVRANGEBYLEX", index, cursor.empty() ? "+" : "(" + cursor, "-",
                             "LIMIT", "0", std::to_string(limit + 1)});
  if (!ids) return fail(std::move(ids.error()));
  IdPage page;
  const auto& a = ids->array();
  for (std::size_t i = 0; i < a.size() && i < limit; ++i) page.ids.push_back(a[i].str());
  if (a.size() > limit && !page.ids.empty()) page.next_cursor = page.ids.back();
  return page;
}

Result<std::vector<boost::json::object>> CaseRepo::docs(std::string_view kind,
                                                        const std::vector<std::string>& ids) {
  auto slots = doc_slots(kind, ids);
  if (!slots) return fail(std::move(slots.error()));
  std::vector<boost::json::object> out;
  for (auto& doc : *slots) {
    if (doc) out.push_back(std::move(*doc));
  }
  return out;
}

Result<std::vector<std::optional<boost::json::object>>> CaseRepo::doc_slots(
    std::string_view kind, const std::vector<std::string>& ids) {
  std::vector<std::optional<boost::json::object>> out;
  if (ids.empty()) return out;
  std::vector<store::Command> reads;
  reads.reserve(ids.size());
  for (const auto& id : ids) reads.push_back({"HGET", key(kind, id), "doc"});
  auto replies = redis_.pipeline(reads);
  if (!replies) return fail(std::move(replies.error()));
  out.reserve(replies->size());
  for (const auto& r : *replies) {
    auto doc = parse_doc(r);
    if (!doc) return fail(std::move(doc.error()));
    out.push_back(std::move(*doc));
  }
  return out;
}

Result<CasePage> CaseRepo::page(const std::string& index, const std::string& cursor,
                                std::size_t limit) {
  auto ids = newest(index, cursor, limit);
  if (!ids) return fail(std::move(ids.error()));
  auto found = docs("case", ids->ids);
  if (!found) return fail(std::move(found.error()));
  CasePage page;
  for (const auto& doc : *found) {
    auto c = case_from_json(doc);
    if (c) page.cases.push_back(std::move(*c));
  }
  page.next_cursor = std::move(ids->next_cursor);
  return page;
}

Result<CasePage> CaseRepo::by_applicant(const std::string& subject, const std::string& cursor,
                                        std::size_t limit) {
  return page(key("idx:applicant", subject), cursor, limit);
}

Result<CasePage> CaseRepo::by_city(std::string_view place, const std::string& city, CaseState s,
                                   const std::string& cursor, std::size_t limit) {
  return page(key("idx:" + std::string(place) + ":" + city, to_string(s)), cursor, limit);
}

Result<CasePage> CaseRepo::by_state(CaseState s, const std::string& cursor, std::size_t limit) {
  return page(key("idx:state", to_string(s)), cursor, limit);
}

Result<std::vector<std::string>> CaseRepo::due_deadlines(long long now_ms, std::size_t limit) {
  auto r = redis_.command({"ZRANGEBYSCORE", key("deadlines"), "-inf", std::to_string(now_ms),
                           "LIMIT", "0", std::to_string(limit)});
  if (!r) return fail(std::move(r.error()));
  std::vector<std::string> out;
  for (const auto& m : r->array()) out.push_back(m.str());
  return out;
}

Result<bool> CaseRepo::put_agreement(const Agreement& a, long long revision,
                                     const std::optional<store::OutboxMessage>& event) {
  std::vector<std::string> args{boost::json::serialize(to_json(a)), std::to_string(revision), a.id};
  if (event) {
    args.insert(args.end(), {event->topic, event->key, event->event, event->traceparent});
  } else {
    args.insert(args.end(), {"", "", "", ""});
  }
  args.emplace_back(open(a) ? "1" : "0");
  auto r = kPutAgreement.run(redis_,
                             {key("agr", a.id), pair_key(a.city_a, a.city_b), key("agrs"),
                              store::Keyspace("delegation").outbox(), key("agrs:city", a.city_a),
                              key("agrs:city", a.city_b)},
                             args);
  ++reference_generation_;  // after the write: what a cache read before it is outdated
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::unavailable("redis: " + r->str()));
  return r->integer() == 1;
}

Result<std::optional<std::pair<Agreement, long long>>> CaseRepo::agreement(const std::string& id) {
  auto r = redis_.command({"HMGET", key("agr", id), "doc", "revision"});
  if (!r) return fail(std::move(r.error()));
  const auto& f = r->array();
  if (f.size() != 2 || f[0].is_nil()) return std::optional<std::pair<Agreement, long long>>{};
  auto doc = parse_doc(f[0]);
  if (!doc) return fail(std::move(doc.error()));
  auto a = agreement_from_json(**doc);
  if (!a) return fail(Error::internal(a.error().message));
  return std::optional<std::pair<Agreement, long long>>{
      std::pair{std::move(*a), std::atoll(f[1].str().c_str())}};
}

Result<std::optional<std::string>> CaseRepo::agreement_of_pair(const std::string& a,
                                                               const std::string& b) {
  auto r = redis_.command({"HGET", pair_key(a, b), "id"});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<std::string>{};
  return std::optional<std::string>{r->str()};
}

Result<AgreementPage> CaseRepo::agreements(const std::string& city, const std::string& cursor,
                                           std::size_t limit) {
  auto ids = newest(city.empty() ? key("agrs") : key("agrs:city", city), cursor, limit);
  if (!ids) return fail(std::move(ids.error()));
  auto found = docs("agr", ids->ids);
  if (!found) return fail(std::move(found.error()));
  AgreementPage page;
  for (const auto& doc : *found) {
    auto agreement = agreement_from_json(doc);
    if (!agreement) return fail(Error::internal(agreement.error().message));
    page.agreements.push_back(std::move(*agreement));
  }
  page.next_cursor = std::move(ids->next_cursor);
  return page;
}

Result<std::size_t> CaseRepo::index_agreements_by_city() {
  const auto done = key("agrs:city:indexed");
  auto marked = redis_.command({"EXISTS", done});
  if (!marked) return fail(std::move(marked.error()));
  if (marked->integer() == 1) return std::size_t{0};
  std::size_t indexed = 0;
  std::string after = "-";
  for (;;) {
    auto ids = redis_.command({"ZRANGEBYLEX", key("agrs"), after, "+", "LIMIT", "0", "500"});
    if (!ids) return fail(std::move(ids.error()));
    std::vector<std::string> page;
    for (const auto& id : ids->array()) page.push_back(id.str());
    if (page.empty()) break;
    auto found = docs("agr", page);
    if (!found) return fail(std::move(found.error()));
    std::vector<store::Command> adds;
    for (const auto& doc : *found) {
      auto agreement = agreement_from_json(doc);
      if (!agreement) return fail(Error::internal(agreement.error().message));
      for (const auto* city : {&agreement->city_a, &agreement->city_b}) {
        adds.push_back({"ZADD", key("agrs:city", *city), "0", agreement->id});
      }
      ++indexed;
    }
    if (!adds.empty()) {
      auto added = redis_.pipeline(adds);
      if (!added) return fail(std::move(added.error()));
    }
    after = "(" + page.back();
  }
  auto mark = redis_.command({"SET", done, "1"});
  if (!mark) return fail(std::move(mark.error()));
  return indexed;
}

Result<void> CaseRepo::put_item(const CatalogItem& item) {
  boost::json::array materials;
  for (const auto& [name, type] : item.materials) {
    materials.push_back(boost::json::object{{"name", name}, {"e_licence_type", type}});
  }
  boost::json::object doc{{"code", item.code},
                          {"version", item.version},
                          {"cross_city_eligible", item.cross_city_eligible},
                          {"min_assurance_level", item.min_assurance_level},
                          {"withdrawn", item.withdrawn},
                          {"materials", std::move(materials)}};
  auto r = kPutNewest.run(redis_, {key("item", item.code)},
                          {std::to_string(item.version), boost::json::serialize(doc)});
  ++reference_generation_;  // after the write: what a cache read before it is outdated
  if (!r) return fail(std::move(r.error()));
  return {};
}

Result<std::optional<CatalogItem>> CaseRepo::item(const std::string& code) {
  auto r = redis_.command({"HGET", key("item", code), "doc"});
  if (!r) return fail(std::move(r.error()));
  auto doc = parse_doc(*r);
  if (!doc) return fail(std::move(doc.error()));
  if (!*doc) return std::optional<CatalogItem>{};
  try {
    const auto& o = **doc;
    CatalogItem item;
    item.code = o.at("code").as_string();
    item.version = static_cast<int>(o.at("version").to_number<std::int64_t>());
    item.cross_city_eligible = o.at("cross_city_eligible").as_bool();
    item.min_assurance_level =
        static_cast<int>(o.at("min_assurance_level").to_number<std::int64_t>());
    item.withdrawn = o.at("withdrawn").as_bool();
    for (const auto& m : o.at("materials").as_array()) {
      item.materials.emplace_back(std::string(m.at("name").as_string()),
                                  std::string(m.at("e_licence_type").as_string()));
    }
    return std::optional<CatalogItem>{std::move(item)};
  } catch (const std::exception& e) {
    return fail(Error::internal(std::string("stored item is corrupt: ") + e.what()));
  }
}

Result<void> CaseRepo::put_implementation(const std::string& code, const std::string& city,
                                          int version, int promised_limit_days) {
  auto r = kPutNewest.run(redis_, {key("impl:" + code, city)},
                          {std::to_string(version), std::to_string(promised_limit_days)});
  ++reference_generation_;  // after the write: what a cache read before it is outdated
  if (!r) return fail(std::move(r.error()));
  return {};
}

Result<std::optional<int>> CaseRepo::implementation(const std::string& code,
                                                    const std::string& city) {
  auto r = redis_.command({"HGET", key("impl:" + code, city), "doc"});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<int>{};
  return std::optional<int>{std::atoi(r->str().c_str())};
}

CaseWrite CaseWrite::transition(const CaseRecord& previous, CaseRecord next, TimelineEntry entry) {
  CaseWrite w;
  w.mode = WriteMode::cas;
  w.expected_version = previous.version;
  w.record = std::move(next);
  w.previous = previous;
  w.timeline = {std::move(entry)};
  return w;
}

}  // namespace tongban::delegation

#include "repo/catalog_repo.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::catalog {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("catalog");
  return k;
}

std::string idx(std::string_view kind, std::string_view value) {
  return ks().key("idx", kind, value);
}

// KEYS: head. ARGV: expected etag, state, latest, has_draft, draft_base, draft json.
// Returns the new etag, or -1 when someone wrote since the caller read.
const store::Script kSaveDraft(R"lua(
local etag = redis.call('HGET', KEYS[1], 'etag') or '0'
if etag ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'latest', ARGV[3], 'has_draft', ARGV[4],
           'draft_base', ARGV[5], 'draft', ARGV[6])
return redis.call('HINCRBY', KEYS[1], 'etag', 1)
)lua");

// KEYS: head, version key, current key, outbox, member-index set, names hash, then the
// index sets the member belongs in now.
// ARGV: expected etag, state, latest, has_draft, draft_base, doc json, topic, key, event,
// traceparent, member, names ('' for implementations).
// Returns 1, -1 on an etag mismatch, -2 when the version exists already.
const store::Script kPublish(R"lua(
local etag = redis.call('HGET', KEYS[1], 'etag') or '0'
if etag ~= ARGV[1] then return -1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
redis.call('SET', KEYS[2], ARGV[6])
redis.call('SET', KEYS[3], ARGV[6])
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'latest', ARGV[3], 'has_draft', ARGV[4],
           'draft_base', ARGV[5], 'draft', '')
redis.call('HINCRBY', KEYS[1], 'etag', 1)
if #KEYS > 6 or ARGV[12] ~= '' then
  for _, old in ipairs(redis.call('SMEMBERS', KEYS[5])) do redis.call('SREM', old, ARGV[11]) end
  redis.call('DEL', KEYS[5])
  for i = 7, #KEYS do
    redis.call('SADD', KEYS[i], ARGV[11])
    redis.call('SADD', KEYS[5], KEYS[i])
  end
end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[6], ARGV[11], ARGV[12]) end
local entry = {'topic', ARGV[7], 'key', ARGV[8], 'event', ARGV[9]}
if ARGV[10] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[10] end
redis.call('XADD', KEYS[4], '*', unpack(entry))
return 1
)lua");

// KEYS: head, current, outbox, member-index set. ARGV: etag, state, latest, has_draft,
// draft_base, member, topic, key, event, traceparent.
const store::Script kWithdraw(R"lua(
local etag = redis.call('HGET', KEYS[1], 'etag') or '0'
if etag ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'latest', ARGV[3], 'has_draft', ARGV[4],
           'draft_base', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'etag', 1)
for _, old in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('SREM', old, ARGV[6]) end
redis.call('DEL', KEYS[4])
local cur = redis.call('GET', KEYS[2])
if cur then
  local doc = cjson.decode(cur)
  doc['state'] = 'withdrawn'
  redis.call('SET', KEYS[2], cjson.encode(doc))
end
local entry = {'topic', ARGV[7], 'key', ARGV[8], 'event', ARGV[9]}
if ARGV[10] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[10] end
redis.call('XADD', KEYS[3], '*', unpack(entry))
return 1
)lua");

Error stale() {
  return Error{Errc::conflict, "changed by someone else since it was read; read it again",
               "If-Match", "version_mismatch", true};
}

std::vector<std::string> head_args(long long etag, const Head& h) {
  return {std::to_string(etag), std::string(to_string(h.state)), std::to_string(h.latest_version),
          h.has_draft ? "1" : "0", std::to_string(h.draft_base)};
}

Result<boost::json::object> parse_doc(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return fail(Error::internal("stored catalog JSON is corrupt"));
  return std::move(v.as_object());
}

}  // namespace

CatalogRepo::CatalogRepo(store::Redis& redis, const Clock& clock) : redis_(redis), clock_(clock) {}

std::string CatalogRepo::item_entity(const std::string& code) { return ks().key("item", code); }

std::string CatalogRepo::impl_entity(const std::string& code, const std::string& city) {
  return ks().key("impl", code, city);
}

Result<std::optional<Entity>> CatalogRepo::load(const std::string& entity) {
  auto r = redis_.command(
      {"HMGET", entity + ":head", "state", "latest", "has_draft", "draft_base", "etag", "draft"});
  if (!r) return fail(std::move(r.error()));
  const auto& f = r->array();
  if (f.size() != 6 || f[0].is_nil()) return std::optional<Entity>{};
  Entity e;
  e.head.state = parse_state(f[0].str()).value_or(State::draft);
  e.head.latest_version = static_cast<std::uint32_t>(std::atoll(f[1].str().c_str()));
  e.head.has_draft = f[2].str() == "1";
  e.head.draft_base = static_cast<std::uint32_t>(std::atoll(f[3].str().c_str()));
  e.etag = std::atoll(f[4].str().c_str());
  e.draft = f[5].str();
  return std::optional<Entity>(std::move(e));
}

Result<long long> CatalogRepo::save_draft(const std::string& entity, long long etag,
                                          const Head& head, const std::string& draft_json) {
  auto args = head_args(etag, head);
  args.push_back(draft_json);
  auto r = kSaveDraft.run(redis_, {entity + ":head"}, args);
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("save draft: " + r->str()));
  if (r->integer() < 0) return fail(stale());
  return r->integer();
}

Result<void> CatalogRepo::publish(const std::string& entity, long long etag, const Head& head,
                                  std::uint32_t version, boost::json::object doc,
                                  const store::OutboxMessage& event,
                                  const std::vector<std::string>& index_keys,
                                  const std::string& member, const std::string& names) {
  doc["version"] = version;
  doc["state"] = "published";
  doc["published_at"] = to_rfc3339(clock_.now());
  std::vector<std::string> keys{entity + ":head",    entity + ":v:" + std::to_string(version),
                                entity + ":current", ks().outbox(),
                                entity + ":indexed", ks().key("names")};
  keys.insert(keys.end(), index_keys.begin(), index_keys.end());
  auto args = head_args(etag, head);
  args.push_back(boost::json::serialize(doc));
  args.push_back(event.topic);
  args.push_back(event.key);
  args.push_back(event.event);
  args.push_back(event.traceparent);
  args.push_back(member);
  args.push_back(names);
  auto r = kPublish.run(redis_, keys, args);
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("publish: " + r->str()));
  if (r->integer() == -1) return fail(stale());
  if (r->integer() == -2) {
    return fail(Error{Errc::conflict, "version " + std::to_string(version) + " exists already",
                      "version", "version_exists", true});
  }
  return {};
}

Result<void> CatalogRepo::publish_item(const BaseItem& item, long long etag, const Head& head,
                                       std::uint32_t version, const store::OutboxMessage& event) {
  std::vector<std::string> index{idx("all", "items"),
                                 idx("dept", to_string(item.department_category)),
                                 idx("power", to_string(item.power_type)),
                                 idx("cross", item.cross_city_eligible ? "true" : "false"),
                                 idx("visit", to_string(item.visit_level))};
  std::vector<std::string> grams = index_ngrams(item.name_zh);
  auto en = index_ngrams(item.name_en);
  grams.insert(grams.end(), en.begin(), en.end());
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  for (const auto& g : grams) index.push_back(idx("gram", g));
  return publish(item_entity(item.code), etag, head, version, to_json(item), event, index,
                 item.code, item.name_zh + "\t" + item.name_en);
}

Result<void> CatalogRepo::publish_implementation(const Implementation& impl, long long etag,
                                                 const Head& head, std::uint32_t version,
                                                 const store::OutboxMessage& event) {
  // The item becomes findable by city; the implementation's own index set holds just that.
  return publish(impl_entity(impl.item_code, impl.city), etag, head, version, to_json(impl), event,
                 {idx("city", impl.city)}, impl.item_code, "");
}

Result<void> CatalogRepo::withdraw_item(const std::string& code, long long etag, const Head& head,
                                        const store::OutboxMessage& event) {
  const auto entity = item_entity(code);
  auto args = head_args(etag, head);
  args.push_back(code);
  args.push_back(event.topic);
  args.push_back(event.key);
  args.push_back(event.event);
  args.push_back(event.traceparent);
  auto r = kWithdraw.run(
      redis_, {entity + ":head", entity + ":current", ks().outbox(), entity + ":indexed"}, args);
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("withdraw: " + r->str()));
  if (r->integer() < 0) return fail(stale());
  return {};
}

Result<std::optional<boost::json::object>> CatalogRepo::current(const std::string& entity) {
  auto r = redis_.command({"GET", entity + ":current"});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<boost::json::object>{};
  auto doc = parse_doc(r->str());
  if (!doc) return fail(std::move(doc.error()));
  return std::optional<boost::json::object>(std::move(*doc));
}

Result<std::optional<boost::json::object>> CatalogRepo::version(const std::string& entity,
                                                                std::uint32_t v) {
  auto r = redis_.command({"GET", entity + ":v:" + std::to_string(v)});
  if (!r) return fail(std::move(r.error()));
  if (r->is_nil()) return std::optional<boost::json::object>{};
  auto doc = parse_doc(r->str());
  if (!doc) return fail(std::move(doc.error()));
  return std::optional<boost::json::object>(std::move(*doc));
}

Result<long long> CatalogRepo::published_count() {
  auto r = redis_.command({"SCARD", idx("all", "items")});
  if (!r) return fail(std::move(r.error()));
  return r->integer();
}

Result<SearchPage> CatalogRepo::search(const SearchQuery& q) {
  // Intersect the index sets in Redis, never scan: every filter and every n-gram of the
  // keyword is a set of item codes.
  store::Command cmd{"SINTER", idx("all", "items")};
  if (q.department_category) cmd.push_back(idx("dept", to_string(*q.department_category)));
  if (q.power_type) cmd.push_back(idx("power", to_string(*q.power_type)));
  if (q.cross_city) cmd.push_back(idx("cross", *q.cross_city ? "true" : "false"));
  if (q.visit_level) cmd.push_back(idx("visit", to_string(*q.visit_level)));
  if (q.city) cmd.push_back(idx("city", *q.city));
  for (const auto& g : ngrams(q.q)) cmd.push_back(idx("gram", g));
  auto r = redis_.command(cmd);
  if (!r) return fail(std::move(r.error()));
  std::vector<std::string> codes;
  for (const auto& c : r->array()) {
    if (q.cursor.empty() || c.str() > q.cursor) codes.push_back(c.str());
  }
  std::sort(codes.begin(), codes.end());
  if (!q.q.empty() && !codes.empty()) {
    // n-grams over-approximate: confirm the substring on the names.
    store::Command names{"HMGET", ks().key("names")};
    names.insert(names.end(), codes.begin(), codes.end());
    auto nr = redis_.command(names);
    if (!nr) return fail(std::move(nr.error()));
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < codes.size() && i < nr->array().size(); ++i) {
      const auto& both = nr->array()[i].str();
      const auto tab = both.find('\t');
      if (contains_keyword(both.substr(0, tab), q.q) ||
          (tab != std::string::npos && contains_keyword(both.substr(tab + 1), q.q))) {
        kept.push_back(codes[i]);
      }
    }
    codes = std::move(kept);
  }
  SearchPage page;
  const auto n = std::min<std::size_t>(codes.size(), static_cast<std::size_t>(q.page_size));
  if (n == 0) return page;
  store::Command get{"MGET"};
  for (std::size_t i = 0; i < n; ++i) get.push_back(item_entity(codes[i]) + ":current");
  auto docs = redis_.command(get);
  if (!docs) return fail(std::move(docs.error()));
  for (const auto& d : docs->array()) {
    if (d.is_nil()) continue;
    auto doc = parse_doc(d.str());
    if (doc) page.items.push_back(std::move(*doc));
  }
  if (codes.size() > n) page.next_cursor = codes[n - 1];
  return page;
}

}  // namespace tongban::catalog

#include "repo/subject_repo.hpp"

#include <sstream>

#include "tongban/store/keyspace.hpp"
#include "tongban/store/script.hpp"

namespace tongban::identity {
namespace {

const store::Keyspace& ks() {
  static const store::Keyspace k("identity");
  return k;
}

// KEYS: login index, subject hash, outbox. ARGV: id, topic, event, traceparent, then
// field/value pairs. A taken login writes nothing.
const store::Script kCreate(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
local entry = {'topic', ARGV[2], 'key', ARGV[1], 'event', ARGV[3]}
if ARGV[4] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[4] end
redis.call('XADD', KEYS[3], '*', unpack(entry))
return 1
)lua");

// KEYS: subject hash, outbox. ARGV: expected version, topic, key, event, traceparent, then
// field/value pairs. Returns the new version, 0 when absent, -1 on a version mismatch.
const store::Script kUpdate(R"lua(
local current = redis.call('HGET', KEYS[1], 'version')
if not current then return 0 end
if ARGV[1] ~= '' and current ~= ARGV[1] then return -1 end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
local entry = {'topic', ARGV[2], 'key', ARGV[3], 'event', ARGV[4]}
if ARGV[5] ~= '' then entry[#entry + 1] = 'traceparent'; entry[#entry + 1] = ARGV[5] end
redis.call('XADD', KEYS[2], '*', unpack(entry))
return v
)lua");

constexpr std::string_view kExtraPrefix = "x_";

SubjectRecord from_hash(const std::vector<store::Reply>& items) {
  SubjectRecord s;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    const auto& k = items[i].str();
    const auto& v = items[i + 1].str();
    if (k == "id")
      s.id = v;
    else if (k == "type")
      s.type = v;
    else if (k == "login")
      s.login = v;
    else if (k == "name")
      s.name = v;
    else if (k == "city")
      s.city = v;
    else if (k == "department")
      s.department = v;
    else if (k == "supervisor_scope")
      s.supervisor_scope = v;
    else if (k == "phone")
      s.phone = v;
    else if (k == "roles")
      s.roles = split_words(v);
    else if (k == "scopes")
      s.scopes = split_words(v);
    else if (k == "assurance")
      s.assurance = std::atoi(v.c_str());
    else if (k == "status")
      s.status = v;
    else if (k == "secret_hash")
      s.secret_hash = v;
    else if (k == "version")
      s.version = std::atoll(v.c_str());
    else if (k == "created_at")
      s.created_at = v;
    else if (k == "updated_at")
      s.updated_at = v;
    else if (k.rfind(kExtraPrefix, 0) == 0)
      s.extra[k.substr(kExtraPrefix.size())] = v;
  }
  return s;
}

}  // namespace

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

boost::json::object SubjectRecord::to_json() const {
  boost::json::object o{{"id", id},
                        {"type", type},
                        {"login", login},
                        {"name", name},
                        {"city", city},
                        {"status", status},
                        {"assurance_level", assurance},
                        {"version", version},
                        {"created_at", created_at},
                        {"updated_at", updated_at}};
  if (!department.empty()) o["department"] = department;
  if (!supervisor_scope.empty()) o["supervisor_scope"] = supervisor_scope;
  if (!phone.empty()) o["phone"] = phone;
  boost::json::array r;
  for (const auto& role : roles) r.push_back(boost::json::string(role));
  o["roles"] = std::move(r);
  if (!scopes.empty()) {
    boost::json::array sc;
    for (const auto& x : scopes) sc.push_back(boost::json::string(x));
    o["scopes"] = std::move(sc);
  }
  for (const auto& [k, v] : extra) o[k] = v;
  return o;
}

SubjectRepo::SubjectRepo(store::Redis& redis) : redis_(redis) {}

std::string SubjectRepo::subject_key(const std::string& id) const {
  return ks().key("subject", id);
}

std::string SubjectRepo::login_key(const std::string& type, const std::string& login) const {
  return ks().key("login", type, login);
}

Result<void> SubjectRepo::create(const SubjectRecord& s, const store::OutboxMessage& event) {
  std::vector<std::string> args{s.id, event.topic, event.event, event.traceparent};
  auto add = [&](std::string k, std::string v) {
    args.push_back(std::move(k));
    args.push_back(std::move(v));
  };
  add("id", s.id);
  add("type", s.type);
  add("login", s.login);
  add("name", s.name);
  add("city", s.city);
  add("department", s.department);
  add("supervisor_scope", s.supervisor_scope);
  add("phone", s.phone);
  add("roles", join_words(s.roles));
  add("scopes", join_words(s.scopes));
  add("assurance", std::to_string(s.assurance));
  add("status", s.status);
  add("secret_hash", s.secret_hash);
  add("version", "1");
  add("created_at", s.created_at);
  add("updated_at", s.updated_at);
  for (const auto& [k, v] : s.extra) add(std::string(kExtraPrefix) + k, v);
  auto r =
      kCreate.run(redis_, {login_key(s.type, s.login), subject_key(s.id), ks().outbox()}, args);
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("create subject: " + r->str()));
  if (r->integer() == 0) {
    return fail(Error{Errc::conflict, "a " + s.type + " with this login is already registered",
                      "login", "duplicate_subject", false});
  }
  return {};
}

Result<std::optional<SubjectRecord>> SubjectRepo::find(const std::string& id) {
  auto r = redis_.command({"HGETALL", subject_key(id)});
  if (!r) return fail(std::move(r.error()));
  if (r->array().empty()) return std::optional<SubjectRecord>{};
  return std::optional<SubjectRecord>(from_hash(r->array()));
}

Result<std::optional<SubjectRecord>> SubjectRepo::find_by_login(const std::string& type,
                                                                const std::string& login) {
  auto id = redis_.command({"GET", login_key(type, login)});
  if (!id) return fail(std::move(id.error()));
  if (id->is_nil()) return std::optional<SubjectRecord>{};
  return find(id->str());
}

Result<long long> SubjectRepo::update(
    const std::string& id, long long expected_version,
    const std::vector<std::pair<std::string, std::string>>& fields,
    const store::OutboxMessage& event) {
  std::vector<std::string> args{expected_version > 0 ? std::to_string(expected_version) : "",
                                event.topic, event.key, event.event, event.traceparent};
  for (const auto& [k, v] : fields) {
    args.push_back(k);
    args.push_back(v);
  }
  auto r = kUpdate.run(redis_, {subject_key(id), ks().outbox()}, args);
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::internal("update subject: " + r->str()));
  if (r->integer() == 0) return fail(Error::not_found("no subject " + id));
  if (r->integer() < 0) {
    return fail(Error{Errc::conflict, "subject " + id + " was changed meanwhile; read it again",
                      "If-Match", "version_mismatch", true});
  }
  return r->integer();
}

}  // namespace tongban::identity

#include "domain/state.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "domain/seal.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"

namespace tongban::portal {

namespace {

using json::Reader;

constexpr std::int64_t kMaxVersion = 1'000'000'000;
constexpr std::int64_t kMaxSeq = std::int64_t{1} << 53;  // exact in any JSON reader
constexpr int kMaxLimitDays = 3650;
constexpr std::size_t kMaxReasonBytes = 8000;  // delegation allows 2,000 characters

// Times are kept to the millisecond, as RFC 3339 text carries them, so a state read back from
// its JSON equals the state it was written from.
Clock::time_point to_ms(Clock::time_point t) {
  return std::chrono::time_point_cast<Clock::time_point::duration>(
      std::chrono::floor<std::chrono::milliseconds>(t));
}

Result<std::optional<Clock::time_point>> optional_time(const Reader& r, std::string_view key) {
  auto text = r.optional_string(key, 64);
  if (!text) return fail(std::move(text.error()));
  if (!*text) return std::optional<Clock::time_point>{};
  Clock::time_point t;
  if (!parse_rfc3339(**text, t)) {
    const auto name = r.field_name(key);
    return fail(Error::invalid(name, "date_time", name + " must be an RFC 3339 date-time"));
  }
  return std::optional<Clock::time_point>(to_ms(t));
}

// The time the data names, else the envelope's time.
Result<Clock::time_point> time_or(const Reader& r, std::string_view key,
                                  Clock::time_point fallback) {
  auto t = optional_time(r, key);
  if (!t) return fail(std::move(t.error()));
  return t->value_or(to_ms(fallback));
}

Result<Clock::time_point> required_time(const Reader& r, std::string_view key) {
  auto t = optional_time(r, key);
  if (!t) return fail(std::move(t.error()));
  if (!*t) {
    const auto name = r.field_name(key);
    return fail(Error::invalid(name, "required", name + " is required"));
  }
  return **t;
}

Result<std::string> city_field(const Reader& r, std::string_view key) {
  auto code = r.string(key, 1, 16);
  if (!code) return code;
  if (!cities::directory().is_known_city(*code)) {
    const auto name = r.field_name(key);
    return fail(Error::invalid(name, "unknown_city", name + " is not one of the 155 cities"));
  }
  return code;
}

std::string optional_text(const Reader& r, std::string_view key, std::size_t max_len,
                          Result<void>& status) {
  auto v = r.optional_string(key, max_len);
  if (!v) {
    if (status) status = fail(std::move(v.error()));
    return {};
  }
  return v->value_or("");
}

Result<std::vector<std::string>> string_list(const Reader& r, std::string_view key) {
  auto arr = r.array(key, 0, 10000);
  if (!arr) return fail(std::move(arr.error()));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < (*arr)->size(); ++i) {
    const auto& v = (**arr)[i];
    if (!v.is_string()) {
      const auto name = r.field_name(key) + "[" + std::to_string(i) + "]";
      return fail(Error::invalid(name, "type", name + " must be a string"));
    }
    out.emplace_back(v.get_string());
  }
  return out;
}

template <class T>
bool keep_max(T& have, T got) {
  if (have < got) {
    have = std::move(got);
    return true;
  }
  return false;
}

// ---- agreements ----

bool countersigned(std::string_view status) {
  return status == "ACTIVE" || status == "SUSPENDED" || status == "TERMINATED";
}

Result<std::pair<std::string, AgreementFact>> read_agreement(const EventRef& e) {
  const Reader r(e.data, "data");
  auto revision = r.integer("revision", 0, kMaxVersion);
  if (!revision) return fail(std::move(revision.error()));
  auto obj = r.object("agreement");
  if (!obj) return fail(std::move(obj.error()));
  const Reader a(**obj, "data.agreement");
  auto id = a.string("id", 1, 200);
  if (!id) return fail(std::move(id.error()));
  auto city_a = city_field(a, "city_a");
  if (!city_a) return fail(std::move(city_a.error()));
  auto city_b = city_field(a, "city_b");
  if (!city_b) return fail(std::move(city_b.error()));
  if (*city_a == *city_b) {
    return fail(Error::invalid("data.agreement.city_b", "same_city",
                               "an agreement is between two different cities"));
  }
  auto status = a.one_of("status", {"PROPOSED", "ACTIVE", "DECLINED", "SUSPENDED", "TERMINATED"});
  if (!status) return fail(std::move(status.error()));
  auto versions = a.array("versions", 1, 10000);
  if (!versions) return fail(std::move(versions.error()));

  AgreementFact f;
  f.revision = *revision;
  f.city_a = std::min(*city_a, *city_b);
  f.city_b = std::max(*city_a, *city_b);
  f.status = *status;
  for (std::size_t i = 0; i < (*versions)->size(); ++i) {
    const auto path = "data.agreement.versions[" + std::to_string(i) + "]";
    const auto& vv = (**versions)[i];
    if (!vv.is_object()) return fail(Error::invalid(path, "type", path + " must be an object"));
    const Reader v(vv.get_object(), path);
    auto number = v.integer("version", 1, kMaxVersion);
    if (!number) return fail(std::move(number.error()));
    auto vstatus = v.one_of(
        "status", {"PROPOSED", "ACTIVE", "DECLINED", "SUSPENDED", "TERMINATED", "SUPERSEDED"});
    if (!vstatus) return fail(std::move(vstatus.error()));
    auto decided = optional_time(v, "decided_at");
    if (!decided) return fail(std::move(decided.error()));
    auto body = v.object("body");
    if (!body) return fail(std::move(body.error()));
    const Reader b(**body, path + ".body");
    auto items = b.object("items");
    if (!items) return fail(std::move(items.error()));
    auto from = required_time(b, "valid_from");
    if (!from) return fail(std::move(from.error()));
    auto until = required_time(b, "valid_until");
    if (!until) return fail(std::move(until.error()));

    const bool signed_version = countersigned(*vstatus) || *vstatus == "SUPERSEDED";
    if (signed_version && *decided && (!f.signed_at || **decided < *f.signed_at)) {
      f.signed_at = **decided;
    }
    if (countersigned(*vstatus) && *number > f.version) {
      f.version = *number;
      f.items.clear();
      for (const auto& kv : **items) f.items.emplace_back(kv.key());
      std::sort(f.items.begin(), f.items.end());
      f.valid_from = *from;
      f.valid_until = *until;
    }
  }
  return std::pair{std::move(*id), std::move(f)};
}

Result<Applied> apply_agreement(State& s, const EventRef& e) {
  auto got = read_agreement(e);
  if (!got) return fail(std::move(got.error()));
  auto& [id, fact] = *got;
  Applied out;
  auto [it, inserted] = s.agreements.try_emplace(id);
  // The newest revision wins (revision is the first member compared); equal revisions that
  // differ, which the producer never sends, resolve the same way whatever the order.
  out.changed = inserted ? (it->second = std::move(fact), true) : keep_max(it->second, fact);
  if (out.changed) out.touched.push_back({RecordKind::agreement, id});
  return out;
}

// ---- cases ----

Result<std::optional<CaseRating>> read_rating(const Reader& parent, std::string_view key,
                                              Clock::time_point fallback) {
  const auto* v = parent.object_ref().if_contains(key);
  if (!v || v->is_null()) return std::optional<CaseRating>{};
  const auto name = parent.field_name(key);
  if (!v->is_object()) return fail(Error::invalid(name, "type", name + " must be an object"));
  const Reader r(v->get_object(), name);
  auto grade = r.one_of("grade", {"good", "poor"});
  if (!grade) return fail(std::move(grade.error()));
  auto reason = r.optional_string("reason", 64);
  if (!reason) return fail(std::move(reason.error()));
  auto at = time_or(r, "rated_at", fallback);
  if (!at) return fail(std::move(at.error()));
  return std::optional<CaseRating>(CaseRating{*grade, reason->value_or(""), *at});
}

Result<Applied> apply_case(State& s, const EventRef& e, const FoldOptions& options) {
  const Reader r(e.data, "data");
  auto id = r.string("case_id", 1, 200);
  if (!id) return fail(std::move(id.error()));
  auto version = r.integer("version", 1, kMaxVersion);
  if (!version) return fail(std::move(version.error()));
  auto state_text = r.string("state", 1, 64);
  if (!state_text) return fail(std::move(state_text.error()));
  auto state = delegation::parse_case_state(*state_text);
  if (!state) {
    return fail(Error::invalid("data.state", "enum", "data.state is not a case state"));
  }
  auto at = required_time(r, "at");
  if (!at) return fail(std::move(at.error()));
  auto receiving = city_field(r, "receiving_city");
  if (!receiving) return fail(std::move(receiving.error()));
  auto accepting = city_field(r, "accepting_city");
  if (!accepting) return fail(std::move(accepting.error()));
  if (*receiving == *accepting) {
    return fail(Error::invalid("data.accepting_city", "same_city",
                               "a cross-city case has two different cities"));
  }
  auto item = r.string("item_code", 1, 64);
  if (!item) return fail(std::move(item.error()));
  Result<void> status;
  Transition t;
  t.state = *state;
  t.at = *at;
  t.action = optional_text(r, "action", 64, status);
  if (t.action == "reject" || t.action == "deny") {
    t.reason = optional_text(r, "reason", kMaxReasonBytes, status);
  }
  if (const auto* actor = e.data.if_contains("actor"); actor && actor->is_object()) {
    const Reader ar(actor->get_object(), "data.actor");
    t.city = optional_text(ar, "city", 16, status);
    t.department = optional_text(ar, "department", 400, status);
  }

  CaseSnapshot snap;
  snap.state = *state;
  snap.receiving_city = *receiving;
  snap.accepting_city = *accepting;
  snap.item_code = *item;
  snap.agreement_id = optional_text(r, "agreement_id", 200, status);
  if (!status) return fail(std::move(status.error()));
  if (const auto* cv = e.data.if_contains("case"); cv && !cv->is_null()) {
    if (!cv->is_object())
      return fail(Error::invalid("data.case", "type", "data.case must be an object"));
    const Reader c(cv->get_object(), "data.case");
    snap.delivery = optional_text(c, "delivery", 64, status);
    if (!status) return fail(std::move(status.error()));
    auto accept = c.optional_integer("accept_limit_days", 0, kMaxLimitDays);
    if (!accept) return fail(std::move(accept.error()));
    auto decide = c.optional_integer("decide_limit_days", 0, kMaxLimitDays);
    if (!decide) return fail(std::move(decide.error()));
    snap.accept_limit_days = static_cast<std::int16_t>(accept->value_or(0));
    snap.decide_limit_days = static_cast<std::int16_t>(decide->value_or(0));
    auto provided = string_list(c, "materials_provided");
    if (!provided) return fail(std::move(provided.error()));
    auto exempted = string_list(c, "exempted");
    if (!exempted) return fail(std::move(exempted.error()));
    const std::set<std::string> held(exempted->begin(), exempted->end());
    const std::set<std::string> uploaded(provided->begin(), provided->end());
    snap.exempted = static_cast<std::int16_t>(held.size());  // at most 10,000, as the lists
    for (const auto& m : uploaded) {
      if (held.contains(m)) {
        ++snap.redundant;
      } else {
        ++snap.uploaded;
      }
    }
    auto submitted = optional_time(c, "submitted_at");
    if (!submitted) return fail(std::move(submitted.error()));
    snap.submitted_at = *submitted;
    auto started = optional_time(c, "stage_started_at");
    if (!started) return fail(std::move(started.error()));
    snap.stage_started_at = *started;
    auto rating = read_rating(c, "rating", *at);
    if (!rating) return fail(std::move(rating.error()));
    snap.rating = *rating;
  }
  if (!snap.rating) {
    auto rating = read_rating(r, "rating", *at);  // case_rated carries it beside the case
    if (!rating) return fail(std::move(rating.error()));
    snap.rating = *rating;
  }
  if (!snap.submitted_at && *state == delegation::CaseState::submitted) snap.submitted_at = *at;

  Applied out;
  auto it = s.cases.find(*id);
  if (it == s.cases.end() && !s.sealed_cases.empty()) {
    const auto hash = id_hash(*id);
    if (auto m = s.sealed_cases.find(hash); m != s.sealed_cases.end()) {
      out.changed = fold_sealed_event(s, hash, m->second, *version, snap, out.touched);
      return out;
    }
  }
  if (it == s.cases.end()) it = s.cases.try_emplace(*id).first;
  auto& c = it->second;
  if (auto line = c.timeline.find(*version); line != c.timeline.end()) {
    out.changed = keep_max(line->second, t);
  } else {
    // One line more at a time: a case keeps a handful, and doubling would leave a third of
    // every case's timeline unused.
    c.timeline.reserve(c.timeline.size() + 1);
    c.timeline.emplace(*version, std::move(t));
    out.changed = true;
  }
  if (std::tie(*version, snap) > std::tie(c.version, c.snapshot)) {
    c.version = *version;
    c.snapshot = std::move(snap);
    out.changed = true;
  }
  if (!out.changed) return out;
  if (options.seal_with && sealable(c)) {
    seal_case(s, it, *options.seal_with, out.touched);
  } else {
    out.touched.push_back({RecordKind::case_record, *id});
  }
  return out;
}

// ---- catalog ----

Result<Applied> apply_item_published(State& s, const EventRef& e) {
  const Reader r(e.data, "data");
  auto code = r.string("code", 1, 64);
  if (!code) return fail(std::move(code.error()));
  auto version = r.integer("version", 1, kMaxVersion);
  if (!version) return fail(std::move(version.error()));
  auto item = r.object("item");
  if (!item) return fail(std::move(item.error()));
  const Reader i(**item, "data.item");
  auto online = i.one_of("online_level", {"full", "partial", "none"});
  if (!online) return fail(std::move(online.error()));
  auto visits = i.one_of("visit_level", {"zero", "once", "multiple"});
  if (!visits) return fail(std::move(visits.error()));
  auto eligible = i.optional_boolean("cross_city_eligible");
  if (!eligible) return fail(std::move(eligible.error()));
  Result<void> status;
  ItemFact got;
  got.version = *version;
  got.name_zh = optional_text(i, "name_zh", 400, status);
  if (!status) return fail(std::move(status.error()));
  got.online_level = *online;
  got.visit_level = *visits;
  got.cross_city_eligible = eligible->value_or(false);

  Applied out;
  auto& f = s.items[*code];
  got.withdrawn_version = f.withdrawn_version;  // a separate fact, merged on its own
  out.changed = keep_max(f, got);
  if (out.changed) out.touched.push_back({RecordKind::item, *code});
  return out;
}

Result<Applied> apply_item_withdrawn(State& s, const EventRef& e) {
  const Reader r(e.data, "data");
  auto code = r.string("code", 1, 64);
  if (!code) return fail(std::move(code.error()));
  auto version = r.integer("version", 1, kMaxVersion);
  if (!version) return fail(std::move(version.error()));
  Applied out;
  auto& f = s.items[*code];
  if (*version > f.withdrawn_version) {
    f.withdrawn_version = *version;
    out.changed = true;
    out.touched.push_back({RecordKind::item, *code});
  }
  return out;
}

Result<Applied> apply_implementation(State& s, const EventRef& e) {
  const Reader r(e.data, "data");
  auto code = r.string("item_code", 1, 64);
  if (!code) return fail(std::move(code.error()));
  auto city = city_field(r, "city");
  if (!city) return fail(std::move(city.error()));
  auto version = r.integer("version", 1, kMaxVersion);
  if (!version) return fail(std::move(version.error()));
  auto impl = r.object("implementation");
  if (!impl) return fail(std::move(impl.error()));
  const Reader i(**impl, "data.implementation");
  Result<void> status;
  ImplementationFact got{*version, optional_text(i, "department", 400, status)};
  if (!status) return fail(std::move(status.error()));
  const auto key = implementation_key(*code, *city);
  Applied out;
  auto [it, inserted] = s.implementations.try_emplace(key);
  out.changed = inserted ? (it->second = std::move(got), true) : keep_max(it->second, got);
  if (out.changed) out.touched.push_back({RecordKind::implementation, key});
  return out;
}

// ---- datahub ----

Result<Applied> apply_data_called(State& s, const EventRef& e) {
  const Reader r(e.data, "data");
  auto seq = r.integer("seq", 1, kMaxSeq);
  if (!seq) return fail(std::move(seq.error()));
  auto resource = r.string("resource", 1, 200);
  if (!resource) return fail(std::move(resource.error()));
  auto decision = r.one_of("decision", {"allowed", "denied"});
  if (!decision) return fail(std::move(decision.error()));
  auto at = time_or(r, "at", e.time);
  if (!at) return fail(std::move(at.error()));
  Result<void> status;
  CallKey key;
  key.day = local_day(*at);
  key.allowed = *decision == "allowed";
  key.resource = *resource;
  key.owner_city = optional_text(r, "owner_city", 16, status);
  key.consumer_city = optional_text(r, "consumer_city", 16, status);
  key.consumer_department = optional_text(r, "consumer_department", 400, status);
  auto chain = optional_text(r, "chain", 200, status);
  if (!status) return fail(std::move(status.error()));

  Applied out;
  // Counted before: the chain and its seq name the call.
  if (!s.call_seqs[chain].insert(*seq)) return out;
  ++s.calls[key];
  out.changed = true;
  out.touched.push_back({RecordKind::call, call_key_text(key)});
  out.touched.push_back({RecordKind::call_seqs, std::move(chain)});
  return out;
}

// A licence is counted once, on its issue day, and remembered by its id's hash: it never
// changes, so nothing else of it is kept. (Two events of one id with different content, which
// the producer never sends, count as the first that came.)
Result<Applied> apply_licence_issued(State& s, const EventRef& e) {
  const Reader r(e.data, "data");
  auto id = r.string("id", 1, 200);
  if (!id) return fail(std::move(id.error()));
  auto at = time_or(r, "issued_at", e.time);
  if (!at) return fail(std::move(at.error()));
  Result<void> status;
  LicenceKey key;
  key.day = local_day(*at);
  if (const auto* issuer = e.data.if_contains("issuer"); issuer && issuer->is_object()) {
    key.issuer_city =
        optional_text(Reader(issuer->get_object(), "data.issuer"), "city", 16, status);
  }
  key.from_case = !optional_text(r, "case_id", 200, status).empty();
  if (!status) return fail(std::move(status.error()));
  Applied out;
  out.changed = count_licence(s, *id, key, out.touched);
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace

bool in_force(const AgreementFact& a, Clock::time_point now) {
  return a.status == "ACTIVE" && a.version > 0 && a.valid_from <= now && now < a.valid_until;
}

bool is_mark(const Transition& t) {
  return t.action == "rate" || starts_with(t.action, "overdue:");
}

bool SeqSet::contains(std::int64_t n) const {
  auto it = ranges_.upper_bound(n);
  if (it == ranges_.begin()) return false;
  --it;
  return n <= it->second;
}

bool SeqSet::insert(std::int64_t n) {
  if (contains(n)) return false;
  insert_range(n, n);
  return true;
}

void SeqSet::insert_range(std::int64_t first, std::int64_t last) {
  if (last < first) return;
  // Swallow every interval that overlaps or touches [first, last].
  auto it = ranges_.upper_bound(first);
  if (it != ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second + 1 >= first) it = prev;
  }
  while (it != ranges_.end() && it->first <= last + 1) {
    first = std::min(first, it->first);
    last = std::max(last, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(first, last);
}

std::int64_t SeqSet::size() const {
  std::int64_t n = 0;
  for (const auto& [first, last] : ranges_) n += last - first + 1;
  return n;
}

std::string implementation_key(std::string_view item_code, std::string_view city) {
  std::string k(item_code);
  k += '|';
  k += city;
  return k;
}

std::string call_key_text(const CallKey& k) {
  const boost::json::array a{to_string(k.day), k.allowed ? "allowed" : "denied",
                             k.resource,       k.owner_city,
                             k.consumer_city,  k.consumer_department};
  return boost::json::serialize(a);
}

Result<CallKey> parse_call_key(std::string_view text) {
  auto bad = [] { return fail(Error::invalid("call", "call_key", "not a call counter key")); };
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array() || v.get_array().size() != 6) return bad();
  const auto& a = v.get_array();
  for (const auto& x : a) {
    if (!x.is_string()) return bad();
  }
  auto day = parse_day(a[0].get_string());
  const std::string_view decision = a[1].get_string();
  if (!day || (decision != "allowed" && decision != "denied")) return bad();
  return CallKey{*day,
                 decision == "allowed",
                 std::string(a[2].get_string()),
                 std::string(a[3].get_string()),
                 std::string(a[4].get_string()),
                 std::string(a[5].get_string())};
}

std::string_view to_string(RecordKind k) {
  switch (k) {
    case RecordKind::agreement:
      return "agreement";
    case RecordKind::case_record:
      return "case";
    case RecordKind::item:
      return "item";
    case RecordKind::implementation:
      return "implementation";
    case RecordKind::call:
      return "call";
    case RecordKind::call_seqs:
      return "call_seqs";
    case RecordKind::licence:
      return "licence";
    case RecordKind::sealed_case:
      return "sealed_case";
    case RecordKind::sealed_count:
      return "sealed_count";
  }
  return "agreement";
}

std::optional<RecordKind> parse_record_kind(std::string_view text) {
  for (auto k : {RecordKind::agreement, RecordKind::case_record, RecordKind::item,
                 RecordKind::implementation, RecordKind::call, RecordKind::call_seqs,
                 RecordKind::licence, RecordKind::sealed_case, RecordKind::sealed_count}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

EventKind classify(std::string_view type) {
  if (starts_with(type, "tongban.delegation.agreement_") && ends_with(type, ".v1")) {
    return EventKind::agreement;
  }
  if (starts_with(type, "tongban.delegation.case_") && ends_with(type, ".v1")) {
    return EventKind::case_event;
  }
  if (type == "tongban.catalog.item_published.v1") return EventKind::item_published;
  if (type == "tongban.catalog.item_withdrawn.v1") return EventKind::item_withdrawn;
  if (type == "tongban.catalog.implementation_published.v1") {
    return EventKind::implementation_published;
  }
  if (type == "tongban.datahub.data_called.v1") return EventKind::data_called;
  if (type == "tongban.datahub.licence_issued.v1") return EventKind::licence_issued;
  return EventKind::other;
}

Result<Applied> apply(State& state, const EventRef& event, const FoldOptions& options) {
  switch (classify(event.type)) {
    case EventKind::agreement:
      return apply_agreement(state, event);
    case EventKind::case_event:
      return apply_case(state, event, options);
    case EventKind::item_published:
      return apply_item_published(state, event);
    case EventKind::item_withdrawn:
      return apply_item_withdrawn(state, event);
    case EventKind::implementation_published:
      return apply_implementation(state, event);
    case EventKind::data_called:
      return apply_data_called(state, event);
    case EventKind::licence_issued:
      return apply_licence_issued(state, event);
    case EventKind::other:
      break;
  }
  return Applied{true, false, {}};
}

Result<Applied> apply(State& state, const Event& event, const FoldOptions& options) {
  return apply(state, EventRef{event.type, event.time, event.data}, options);
}

Result<State> fold(State state, std::span<const Event> events, const FoldOptions& options) {
  for (const auto& e : events) {
    auto r = apply(state, e, options);
    if (!r) return fail(std::move(r.error()));
  }
  return state;
}

}  // namespace tongban::portal

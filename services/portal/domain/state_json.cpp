#include "domain/state_json.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "domain/seal.hpp"
#include "tongban/core/json.hpp"

namespace tongban::portal {

namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;
using json::Reader;

value time_json(const std::optional<Clock::time_point>& t) {
  if (!t) return nullptr;
  return value(to_rfc3339(*t));
}

Result<std::optional<Clock::time_point>> read_time(const Reader& r, std::string_view key) {
  auto text = r.optional_string(key, 64);
  if (!text) return fail(std::move(text.error()));
  if (!*text) return std::optional<Clock::time_point>{};
  Clock::time_point t;
  if (!parse_rfc3339(**text, t)) {
    return fail(Error::invalid(r.field_name(key), "date_time", "not an RFC 3339 date-time"));
  }
  return std::optional<Clock::time_point>(t);
}

Result<Clock::time_point> read_required_time(const Reader& r, std::string_view key) {
  auto t = read_time(r, key);
  if (!t) return fail(std::move(t.error()));
  if (!*t) return fail(Error::invalid(r.field_name(key), "required", "a time is required"));
  return **t;
}

std::string text(const Reader& r, std::string_view key, Result<void>& status) {
  auto v = r.optional_string(key, 1 << 16);
  if (!v) {
    if (status) status = fail(std::move(v.error()));
    return {};
  }
  return v->value_or("");
}

std::int64_t integer(const Reader& r, std::string_view key, Result<void>& status) {
  auto v = r.optional_integer(key, 0, INT64_MAX);
  if (!v) {
    if (status) status = fail(std::move(v.error()));
    return 0;
  }
  return v->value_or(0);
}

// A limit or a materials count: what a case keeps in two bytes.
std::int16_t small(const Reader& r, std::string_view key, Result<void>& status) {
  auto v = r.optional_integer(key, 0, INT16_MAX);
  if (!v) {
    if (status) status = fail(std::move(v.error()));
    return 0;
  }
  return static_cast<std::int16_t>(v->value_or(0));
}

// ---- agreement ----

value agreement_json(const AgreementFact& a) {
  array items;
  for (const auto& i : a.items) items.emplace_back(i);
  return object{{"revision", a.revision},
                {"city_a", a.city_a},
                {"city_b", a.city_b},
                {"status", a.status},
                {"version", a.version},
                {"items", std::move(items)},
                {"valid_from", to_rfc3339(a.valid_from)},
                {"valid_until", to_rfc3339(a.valid_until)},
                {"signed_at", time_json(a.signed_at)}};
}

Result<AgreementFact> read_agreement(const object& o, const std::string& path) {
  const Reader r(o, path);
  Result<void> st;
  AgreementFact a;
  a.revision = integer(r, "revision", st);
  a.city_a = text(r, "city_a", st);
  a.city_b = text(r, "city_b", st);
  a.status = text(r, "status", st);
  a.version = integer(r, "version", st);
  if (!st) return fail(std::move(st.error()));
  auto items = r.array("items");
  if (!items) return fail(std::move(items.error()));
  for (const auto& i : **items) {
    if (!i.is_string()) return fail(Error::invalid(path + ".items", "type", "strings expected"));
    a.items.emplace_back(i.get_string());
  }
  auto from = read_required_time(r, "valid_from");
  if (!from) return fail(std::move(from.error()));
  auto until = read_required_time(r, "valid_until");
  if (!until) return fail(std::move(until.error()));
  auto signed_at = read_time(r, "signed_at");
  if (!signed_at) return fail(std::move(signed_at.error()));
  a.valid_from = *from;
  a.valid_until = *until;
  a.signed_at = *signed_at;
  return a;
}

// ---- case ----

value case_json(const CaseFact& c) {
  const auto& s = c.snapshot;
  value rating = nullptr;
  if (s.rating) {
    rating = object{{"grade", s.rating->grade},
                    {"reason", s.rating->reason},
                    {"rated_at", to_rfc3339(s.rating->rated_at)}};
  }
  array timeline;
  for (const auto& [version, t] : c.timeline) {
    timeline.emplace_back(object{{"version", version},
                                 {"state", delegation::to_string(t.state)},
                                 {"action", t.action},
                                 {"at", to_rfc3339(t.at)},
                                 {"city", t.city},
                                 {"department", t.department},
                                 {"reason", t.reason}});
  }
  return object{{"version", c.version},
                {"state", delegation::to_string(s.state)},
                {"receiving_city", s.receiving_city},
                {"accepting_city", s.accepting_city},
                {"item_code", s.item_code},
                {"agreement_id", s.agreement_id},
                {"delivery", s.delivery},
                {"accept_limit_days", s.accept_limit_days},
                {"decide_limit_days", s.decide_limit_days},
                {"exempted", s.exempted},
                {"uploaded", s.uploaded},
                {"redundant", s.redundant},
                {"submitted_at", time_json(s.submitted_at)},
                {"stage_started_at", time_json(s.stage_started_at)},
                {"rating", std::move(rating)},
                {"timeline", std::move(timeline)}};
}

Result<delegation::CaseState> read_state(const Reader& r, Result<void>& st) {
  const auto name = text(r, "state", st);
  if (!st) return fail(std::move(st.error()));
  auto s = delegation::parse_case_state(name);
  if (!s) return fail(Error::invalid(r.field_name("state"), "enum", "not a case state"));
  return *s;
}

Result<CaseFact> read_case(const object& o, const std::string& path) {
  const Reader r(o, path);
  Result<void> st;
  CaseFact c;
  auto& s = c.snapshot;
  c.version = integer(r, "version", st);
  auto state = read_state(r, st);
  if (!state) return fail(std::move(state.error()));
  s.state = *state;
  s.receiving_city = text(r, "receiving_city", st);
  s.accepting_city = text(r, "accepting_city", st);
  s.item_code = text(r, "item_code", st);
  s.agreement_id = text(r, "agreement_id", st);
  s.delivery = text(r, "delivery", st);
  s.accept_limit_days = small(r, "accept_limit_days", st);
  s.decide_limit_days = small(r, "decide_limit_days", st);
  s.exempted = small(r, "exempted", st);
  s.uploaded = small(r, "uploaded", st);
  s.redundant = small(r, "redundant", st);
  if (!st) return fail(std::move(st.error()));
  auto submitted = read_time(r, "submitted_at");
  if (!submitted) return fail(std::move(submitted.error()));
  s.submitted_at = *submitted;
  auto started = read_time(r, "stage_started_at");
  if (!started) return fail(std::move(started.error()));
  s.stage_started_at = *started;
  if (const auto* rv = o.if_contains("rating"); rv && rv->is_object()) {
    const Reader rr(rv->get_object(), path + ".rating");
    CaseRating rating;
    rating.grade = text(rr, "grade", st);
    rating.reason = text(rr, "reason", st);
    auto at = read_required_time(rr, "rated_at");
    if (!at) return fail(std::move(at.error()));
    rating.rated_at = *at;
    s.rating = rating;
  }
  auto timeline = r.array("timeline", 0, 100000);
  if (!timeline) return fail(std::move(timeline.error()));
  c.timeline.reserve((*timeline)->size());
  for (std::size_t i = 0; i < (*timeline)->size(); ++i) {
    const auto& tv = (**timeline)[i];
    const auto tpath = path + ".timeline[" + std::to_string(i) + "]";
    if (!tv.is_object()) return fail(Error::invalid(tpath, "type", "an object expected"));
    const Reader tr(tv.get_object(), tpath);
    Transition t;
    const auto version = integer(tr, "version", st);
    auto ts = read_state(tr, st);
    if (!ts) return fail(std::move(ts.error()));
    t.state = *ts;
    t.action = text(tr, "action", st);
    t.city = text(tr, "city", st);
    t.department = text(tr, "department", st);
    t.reason = text(tr, "reason", st);
    auto at = read_required_time(tr, "at");
    if (!at) return fail(std::move(at.error()));
    t.at = *at;
    c.timeline[version] = std::move(t);
  }
  if (!st) return fail(std::move(st.error()));
  return c;
}

// ---- the small ones ----

value item_json(const ItemFact& i) {
  return object{{"version", i.version},
                {"name_zh", i.name_zh},
                {"online_level", i.online_level},
                {"visit_level", i.visit_level},
                {"cross_city_eligible", i.cross_city_eligible},
                {"withdrawn_version", i.withdrawn_version}};
}

Result<ItemFact> read_item(const object& o, const std::string& path) {
  const Reader r(o, path);
  Result<void> st;
  ItemFact i;
  i.version = integer(r, "version", st);
  i.name_zh = text(r, "name_zh", st);
  i.online_level = text(r, "online_level", st);
  i.visit_level = text(r, "visit_level", st);
  i.withdrawn_version = integer(r, "withdrawn_version", st);
  auto eligible = r.optional_boolean("cross_city_eligible");
  if (!eligible) return fail(std::move(eligible.error()));
  i.cross_city_eligible = eligible->value_or(false);
  if (!st) return fail(std::move(st.error()));
  return i;
}

value implementation_json(const ImplementationFact& i) {
  return object{{"version", i.version}, {"department", i.department}};
}

Result<ImplementationFact> read_implementation(const object& o, const std::string& path) {
  const Reader r(o, path);
  Result<void> st;
  ImplementationFact i{integer(r, "version", st), text(r, "department", st)};
  if (!st) return fail(std::move(st.error()));
  return i;
}

// A licence record from before licences were counted on arrival: {"issued_at", "issuer_city",
// "from_case"} under the licence's id.
Result<LicenceKey> read_licence(const object& o, const std::string& path) {
  const Reader r(o, path);
  Result<void> st;
  LicenceKey k;
  auto at = read_required_time(r, "issued_at");
  if (!at) return fail(std::move(at.error()));
  k.day = local_day(*at);
  k.issuer_city = text(r, "issuer_city", st);
  auto from_case = r.optional_boolean("from_case");
  if (!from_case) return fail(std::move(from_case.error()));
  k.from_case = from_case->value_or(false);
  if (!st) return fail(std::move(st.error()));
  return k;
}

value seqs_json(const SeqSet& s) {
  array out;
  for (const auto& [first, last] : s.intervals()) out.emplace_back(array{first, last});
  return out;
}

Result<SeqSet> read_seqs(const value& v, const std::string& path) {
  auto bad = [&] { return fail(Error::invalid(path, "type", "[[first, last], ...] expected")); };
  if (!v.is_array()) return bad();
  SeqSet s;
  for (const auto& iv : v.get_array()) {
    if (!iv.is_array() || iv.get_array().size() != 2) return bad();
    const auto& pair = iv.get_array();
    if (!pair[0].is_int64() || !pair[1].is_int64()) return bad();
    s.insert_range(pair[0].get_int64(), pair[1].get_int64());
  }
  return s;
}

// ---- sealed cases ----

value mark_json(const SealMark& m) { return object{{"version", m.version}, {"rated", m.rated}}; }

Result<SealMark> read_mark(const object& o, const std::string& path) {
  const Reader r(o, path);
  SealMark m;
  auto version = r.integer("version", 0, 1'000'000'000);
  if (!version) return fail(std::move(version.error()));
  m.version = static_cast<std::int32_t>(*version);
  auto rated = r.optional_boolean("rated");
  if (!rated) return fail(std::move(rated.error()));
  m.rated = rated->value_or(false);
  return m;
}

// A count as stored: an array of its numbers, in the order of the struct's members.
value counts_json(std::int64_t n) { return array{n}; }
value counts_json(const SubmittedCounts& n) {
  return array{n.cases, n.with_exemption, n.exempted, n.uploaded, n.redundant};
}
value counts_json(const StageRunCounts& n) { return array{n.ended, n.on_time, n.late, n.ms}; }
value counts_json(const DurationCounts& n) { return array{n.count, n.ms}; }

// Counts are never negative; a duration (from `signed_from` on) is when the clocks of the two
// events it spans disagree.
template <std::size_t N>
Result<std::array<std::int64_t, N>> read_numbers(const value& v, const std::string& path,
                                                 std::size_t signed_from = N) {
  std::array<std::int64_t, N> out{};
  if (!v.is_array() || v.get_array().size() != N) {
    return fail(Error::invalid(path, "type", path + " must be " + std::to_string(N) + " counts"));
  }
  for (std::size_t i = 0; i < N; ++i) {
    const auto& x = v.get_array()[i];
    if (!x.is_int64() || (i < signed_from && x.get_int64() < 0)) {
      return fail(Error::invalid(path, "type", path + " must be " + std::to_string(N) + " counts"));
    }
    out[i] = x.get_int64();
  }
  return out;
}

Result<void> read_counts(std::int64_t& n, const value& v, const std::string& path) {
  auto a = read_numbers<1>(v, path);
  if (!a) return fail(std::move(a.error()));
  n = (*a)[0];
  return {};
}
Result<void> read_counts(SubmittedCounts& n, const value& v, const std::string& path) {
  auto a = read_numbers<5>(v, path);
  if (!a) return fail(std::move(a.error()));
  n = SubmittedCounts{(*a)[0], (*a)[1], (*a)[2], (*a)[3], (*a)[4]};
  return {};
}
Result<void> read_counts(StageRunCounts& n, const value& v, const std::string& path) {
  auto a = read_numbers<4>(v, path, 3);
  if (!a) return fail(std::move(a.error()));
  n = StageRunCounts{(*a)[0], (*a)[1], (*a)[2], (*a)[3]};
  return {};
}
Result<void> read_counts(DurationCounts& n, const value& v, const std::string& path) {
  auto a = read_numbers<2>(v, path, 1);
  if (!a) return fail(std::move(a.error()));
  n = DurationCounts{(*a)[0], (*a)[1]};
  return {};
}

// Calls f(the map of `sealed` the key's kind lives in, the key).
template <class Sealed, class F>
decltype(auto) with_counts(Sealed& sealed, const SealedCountKey& key, F&& f) {
  return std::visit(
      [&](const auto& k) -> decltype(auto) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, SubmittedKey>) {
          return f(sealed.submitted, k);
        } else if constexpr (std::is_same_v<K, StageRunKey>) {
          return f(sealed.stage_runs, k);
        } else if constexpr (std::is_same_v<K, CompletionKey>) {
          return f(sealed.completions, k);
        } else if constexpr (std::is_same_v<K, RefusalKey>) {
          return f(sealed.refusals, k);
        } else if constexpr (std::is_same_v<K, RatingKey>) {
          return f(sealed.ratings, k);
        } else if constexpr (std::is_same_v<K, OverdueKey>) {
          return f(sealed.overdue, k);
        } else {
          return f(sealed.licences, k);
        }
      },
      key);
}

const object* object_of(const value& v) { return v.is_object() ? &v.get_object() : nullptr; }

std::string path_of(const RecordKey& key) {
  return std::string(to_string(key.kind)) + ":" + key.key;
}

}  // namespace

std::optional<value> record_json(const State& state, const RecordKey& key) {
  switch (key.kind) {
    case RecordKind::agreement:
      if (auto it = state.agreements.find(key.key); it != state.agreements.end()) {
        return agreement_json(it->second);
      }
      break;
    case RecordKind::case_record:
      if (auto it = state.cases.find(key.key); it != state.cases.end()) {
        return case_json(it->second);
      }
      break;
    case RecordKind::item:
      if (auto it = state.items.find(key.key); it != state.items.end()) {
        return item_json(it->second);
      }
      break;
    case RecordKind::implementation:
      if (auto it = state.implementations.find(key.key); it != state.implementations.end()) {
        return implementation_json(it->second);
      }
      break;
    case RecordKind::call: {
      auto k = parse_call_key(key.key);
      if (!k) break;
      if (auto it = state.calls.find(*k); it != state.calls.end()) return value(it->second);
      break;
    }
    case RecordKind::call_seqs:
      if (auto it = state.call_seqs.find(key.key); it != state.call_seqs.end()) {
        return seqs_json(it->second);
      }
      break;
    case RecordKind::licence: {
      const auto hash = parse_id_hash(key.key);
      if (hash && state.licences.contains(*hash)) return value(true);
      break;
    }
    case RecordKind::sealed_case: {
      const auto hash = parse_id_hash(key.key);
      if (!hash) break;
      if (auto it = state.sealed_cases.find(*hash); it != state.sealed_cases.end()) {
        return mark_json(it->second);
      }
      break;
    }
    case RecordKind::sealed_count: {
      auto k = parse_sealed_count_key(key.key);
      if (!k) break;
      return with_counts(state.sealed, *k,
                         [](auto& counts, const auto& ck) -> std::optional<value> {
                           const auto it = counts.find(ck);
                           if (it == counts.end()) return std::nullopt;
                           return counts_json(it->second);
                         });
    }
  }
  return std::nullopt;
}

std::vector<RecordKey> record_keys(const State& state) {
  std::vector<RecordKey> keys;
  for (const auto& [k, _] : state.agreements) keys.push_back({RecordKind::agreement, k});
  for (const auto& [k, _] : state.cases) keys.push_back({RecordKind::case_record, k.str()});
  for (const auto& [k, _] : state.items) keys.push_back({RecordKind::item, k});
  for (const auto& [k, _] : state.implementations) {
    keys.push_back({RecordKind::implementation, k});
  }
  for (const auto& [k, _] : state.calls) keys.push_back({RecordKind::call, call_key_text(k)});
  for (const auto& [chain, _] : state.call_seqs) keys.push_back({RecordKind::call_seqs, chain});
  // In order, as the other kinds: the hash tables have none of their own.
  auto add_sorted = [&keys](RecordKind kind, const auto& table, auto hash_of) {
    std::vector<std::string> hex;
    hex.reserve(table.size());
    for (const auto& entry : table) hex.push_back(to_hex(hash_of(entry)));
    std::sort(hex.begin(), hex.end());
    for (auto& h : hex) keys.push_back({kind, std::move(h)});
  };
  add_sorted(RecordKind::licence, state.licences, [](const IdHash& h) { return h; });
  add_sorted(RecordKind::sealed_case, state.sealed_cases, [](const auto& e) { return e.first; });
  state.sealed.each([&keys](const auto& counts) {
    for (const auto& [k, _] : counts) {
      keys.push_back({RecordKind::sealed_count, sealed_count_text(SealedCountKey{k})});
    }
  });
  return keys;
}

Result<void> load_record(State& state, const RecordKey& key, const value& v) {
  const auto path = path_of(key);
  const auto* o = object_of(v);
  auto need_object = [&]() -> Result<void> {
    if (!o) return fail(Error::invalid(path, "type", path + " must be an object"));
    return {};
  };
  switch (key.kind) {
    case RecordKind::agreement: {
      if (auto r = need_object(); !r) return r;
      auto a = read_agreement(*o, path);
      if (!a) return fail(std::move(a.error()));
      state.agreements[key.key] = std::move(*a);
      return {};
    }
    case RecordKind::case_record: {
      if (auto r = need_object(); !r) return r;
      auto c = read_case(*o, path);
      if (!c) return fail(std::move(c.error()));
      state.cases[key.key] = std::move(*c);
      return {};
    }
    case RecordKind::item: {
      if (auto r = need_object(); !r) return r;
      auto i = read_item(*o, path);
      if (!i) return fail(std::move(i.error()));
      state.items[key.key] = std::move(*i);
      return {};
    }
    case RecordKind::implementation: {
      if (auto r = need_object(); !r) return r;
      auto i = read_implementation(*o, path);
      if (!i) return fail(std::move(i.error()));
      state.implementations[key.key] = std::move(*i);
      return {};
    }
    case RecordKind::call: {
      auto k = parse_call_key(key.key);
      if (!k) return fail(Error::invalid(path, "call_key", "not a call counter key"));
      if (!v.is_int64() || v.get_int64() < 0) {
        return fail(Error::invalid(path, "type", path + " must be a count"));
      }
      state.calls[*k] = v.get_int64();
      return {};
    }
    case RecordKind::call_seqs: {
      auto s = read_seqs(v, path);
      if (!s) return fail(std::move(s.error()));
      state.call_seqs[key.key] = std::move(*s);
      return {};
    }
    case RecordKind::licence: {
      if (const auto hash = parse_id_hash(key.key)) {
        if (!v.is_bool() || !v.get_bool()) {
          return fail(Error::invalid(path, "type", path + " must be true"));
        }
        state.licences.insert(*hash);
        return {};
      }
      // From before licences were counted as they came: counted now, as if it came now. Read
      // before the counts (the service loads this kind first), which replace what this adds
      // to any count that was written since.
      if (auto r = need_object(); !r) return r;
      auto k = read_licence(*o, path);
      if (!k) return fail(std::move(k.error()));
      std::vector<RecordKey> touched;
      count_licence(state, key.key, *k, touched);
      return {};
    }
    case RecordKind::sealed_case: {
      const auto hash = parse_id_hash(key.key);
      if (!hash) return fail(Error::invalid(path, "id_hash", "not a case hash"));
      if (auto r = need_object(); !r) return r;
      auto m = read_mark(*o, path);
      if (!m) return fail(std::move(m.error()));
      state.sealed_cases[*hash] = *m;
      return {};
    }
    case RecordKind::sealed_count: {
      auto k = parse_sealed_count_key(key.key);
      if (!k) return fail(Error::invalid(path, "sealed_count_key", "not a sealed count key"));
      return with_counts(state.sealed, *k, [&](auto& counts, const auto& ck) -> Result<void> {
        typename std::decay_t<decltype(counts)>::mapped_type n{};
        if (auto r = read_counts(n, v, path); !r) return r;
        counts[ck] = n;
        return {};
      });
    }
  }
  return {};
}

object to_json(const State& state) {
  object doc{{"format", kStateFormat}};
  for (const auto& key : record_keys(state)) {
    auto v = record_json(state, key);
    if (!v) continue;
    auto& bucket = doc[to_string(key.kind)];
    if (!bucket.is_object()) bucket = object{};
    bucket.get_object()[key.key] = std::move(*v);
  }
  return doc;
}

Result<State> state_from_json(const object& doc) {
  const Reader r(doc);
  auto format = r.integer("format", 0, INT64_MAX);
  if (!format) return fail(std::move(format.error()));
  // Format 2 is this one before sealing: the same records, none sealed yet.
  if (*format != kStateFormat && *format != 2) {
    return fail(Error::invalid("format", "format",
                               "state format " + std::to_string(*format) + " is not " +
                                   std::to_string(kStateFormat) + ": rebuild from the topics"));
  }
  State state;
  for (const auto& [name, v] : doc) {
    if (name == "format") continue;
    auto kind = parse_record_kind(name);
    if (!kind) {
      return fail(Error::invalid(std::string(name), "unknown_key", "not a record kind"));
    }
    if (!v.is_object()) {
      return fail(Error::invalid(std::string(name), "type", "an object of records expected"));
    }
    for (const auto& [key, rec] : v.get_object()) {
      if (auto loaded = load_record(state, {*kind, std::string(key)}, rec); !loaded) {
        return fail(loaded.error());
      }
    }
  }
  return state;
}

}  // namespace tongban::portal

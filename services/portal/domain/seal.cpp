#include "domain/seal.hpp"

#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstring>
#include <utility>

#include "domain/case_view.hpp"

namespace tongban::portal {

namespace {

using boost::json::array;
using delegation::CaseState;

template <class Key, class Counts>
void count(std::map<Key, Counts>& counts, const Key& key, const Counts& n,
           std::vector<RecordKey>& touched) {
  counts[key] += n;
  touched.push_back({RecordKind::sealed_count, sealed_count_text(key)});
}

Result<SealedCountKey> bad_key() {
  return fail(Error::invalid("sealed_count", "sealed_count_key", "not a sealed count key"));
}

}  // namespace

IdHash id_hash(std::string_view case_id) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(case_id.data(), case_id.size(), digest, &len, EVP_sha256(), nullptr);
  IdHash h{};
  std::memcpy(h.data(), digest, h.size());  // the first 128 bits
  return h;
}

std::string to_hex(const IdHash& h) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(h.size() * 2);
  for (auto b : h) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::optional<IdHash> parse_id_hash(std::string_view hex) {
  IdHash h{};
  if (hex.size() != h.size() * 2) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < h.size(); ++i) {
    const int hi = digit(hex[2 * i]);
    const int lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    h[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return h;
}

std::size_t IdHashHasher::operator()(const IdHash& h) const noexcept {
  std::size_t x = 0;  // already uniformly distributed: any eight bytes will do
  std::memcpy(&x, h.data(), sizeof x);
  return x;
}

std::string sealed_count_text(const SealedCountKey& key) {
  struct Text {
    array operator()(const SubmittedKey& k) const {
      return {"submitted",
              to_string(k.day),
              k.receiving_city.view(),
              k.accepting_city.view(),
              k.item_code.view(),
              delegation::to_string(k.state),
              k.reached};
    }
    array operator()(const StageRunKey& k) const {
      return {"stage_run", to_string(k.day), delegation::to_string(k.stage), k.city.view()};
    }
    array operator()(const CompletionKey& k) const {
      return {"completion", to_string(k.day), k.accepting_city.view()};
    }
    array operator()(const RefusalKey& k) const {
      return {"refusal", to_string(k.day), k.rejected ? "reject" : "deny", k.reason.view(),
              k.accepting_city.view()};
    }
    array operator()(const RatingKey& k) const {
      return {"rating",        to_string(k.day),        k.grade.view(),
              k.reason.view(), k.receiving_city.view(), k.accepting_city.view()};
    }
    array operator()(const OverdueKey& k) const {
      return {"overdue", to_string(k.day), k.city.view()};
    }
    array operator()(const LicenceKey& k) const {
      return {"licence", to_string(k.day), k.issuer_city.view(), k.from_case ? "case" : "direct"};
    }
  };
  return boost::json::serialize(std::visit(Text{}, key));
}

Result<SealedCountKey> parse_sealed_count_key(std::string_view text) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array() || v.get_array().size() < 3) return bad_key();
  const auto& a = v.get_array();
  // Every field is text but the reached states of `submitted`, the last.
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string() && !(i == 6 && a[i].is_int64())) return bad_key();
  }
  const std::string_view kind = a[0].get_string();
  const auto day = parse_day(a[1].get_string());
  if (!day) return bad_key();
  auto str = [&a](std::size_t i) { return std::string_view(a[i].get_string()); };
  if (kind == "submitted" && a.size() == 7 && a[6].is_int64()) {
    const auto state = delegation::parse_case_state(str(5));
    const auto reached = a[6].get_int64();
    if (!state || reached < 0 || reached >= (1 << delegation::kCaseStateCount)) return bad_key();
    return SealedCountKey{
        SubmittedKey{*day, str(2), str(3), str(4), *state, static_cast<std::uint16_t>(reached)}};
  }
  if (kind == "stage_run" && a.size() == 4) {
    const auto stage = delegation::parse_stage(str(2));
    if (!stage) return bad_key();
    return SealedCountKey{StageRunKey{*day, *stage, str(3)}};
  }
  if (kind == "completion" && a.size() == 3) return SealedCountKey{CompletionKey{*day, str(2)}};
  if (kind == "refusal" && a.size() == 5 && (str(2) == "reject" || str(2) == "deny")) {
    return SealedCountKey{RefusalKey{*day, str(2) == "reject", str(3), str(4)}};
  }
  if (kind == "rating" && a.size() == 6) {
    return SealedCountKey{RatingKey{*day, str(2), str(3), str(4), str(5)}};
  }
  if (kind == "overdue" && a.size() == 3) return SealedCountKey{OverdueKey{*day, str(2)}};
  if (kind == "licence" && a.size() == 4 && (str(3) == "case" || str(3) == "direct")) {
    return SealedCountKey{LicenceKey{*day, str(2), str(3) == "case"}};
  }
  return bad_key();
}

bool sealable(const CaseFact& c) {
  // Versions are numbered from 1 and the timeline holds each once, so 1..version are all
  // there exactly when there are `version` of them starting at 1.
  return delegation::is_terminal(c.snapshot.state) && !c.timeline.empty() &&
         c.timeline.begin()->first == 1 && c.timeline.size() == static_cast<std::size_t>(c.version);
}

void seal_case(State& state, std::map<CaseId, CaseFact>::iterator it,
               const delegation::Calendar& calendar, std::vector<RecordKey>& touched) {
  const auto& c = it->second;
  const auto f = facts_of(view_of(it->first, c), calendar);
  auto& sealed = state.sealed;
  if (f.submitted) count(sealed.submitted, f.submitted->first, f.submitted->second, touched);
  for (const auto& [k, n] : f.stage_runs) count(sealed.stage_runs, k, n, touched);
  if (f.completion) count(sealed.completions, f.completion->first, f.completion->second, touched);
  for (const auto& k : f.refusals) count(sealed.refusals, k, std::int64_t{1}, touched);
  if (f.rating) count(sealed.ratings, *f.rating, std::int64_t{1}, touched);
  for (const auto& k : f.overdue) count(sealed.overdue, k, std::int64_t{1}, touched);
  const auto hash = id_hash(it->first);
  state.sealed_cases[hash] =
      SealMark{static_cast<std::int32_t>(c.version), c.snapshot.rating.has_value()};
  touched.push_back({RecordKind::sealed_case, to_hex(hash)});
  touched.push_back({RecordKind::case_record, it->first.str()});  // written as a deletion
  state.cases.erase(it);
}

bool fold_sealed_event(State& state, const IdHash& hash, SealMark& mark, std::int64_t version,
                       const CaseSnapshot& snapshot, std::vector<RecordKey>& touched) {
  if (version <= mark.version) return false;
  mark.version = static_cast<std::int32_t>(version);
  touched.push_back({RecordKind::sealed_case, to_hex(hash)});
  if (snapshot.rating && !mark.rated) {
    mark.rated = true;
    count(state.sealed.ratings, rating_key(snapshot), std::int64_t{1}, touched);
  }
  return true;
}

bool count_licence(State& state, std::string_view id, const LicenceKey& key,
                   std::vector<RecordKey>& touched) {
  const auto hash = id_hash(id);
  if (!state.licences.insert(hash).second) return false;
  count(state.sealed.licences, key, std::int64_t{1}, touched);
  touched.push_back({RecordKind::licence, to_hex(hash)});
  return true;
}

std::vector<RecordKey> seal_finished(State& state, const delegation::Calendar& calendar,
                                     std::size_t max_cases) {
  std::vector<RecordKey> touched;
  std::size_t sealed = 0;
  for (auto it = state.cases.begin(); it != state.cases.end() && sealed < max_cases;) {
    const auto next = std::next(it);
    if (sealable(it->second)) {
      seal_case(state, it, calendar, touched);
      ++sealed;
    }
    it = next;
  }
  return touched;
}

}  // namespace tongban::portal

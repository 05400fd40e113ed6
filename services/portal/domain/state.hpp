// The portal's fold of the platform's events (SPEC §3.5): what the indicators need from
// agreements, cases, catalog items, data calls and e-licences, kept as records that merge
// idempotently and in any order, so a duplicated, redelivered or late event never changes
// the numbers and a rebuild from the topics yields the same state as the live fold.
#pragma once

#include <array>
#include <boost/container/flat_map.hpp>
#include <boost/json/object.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/calendar.hpp"
#include "domain/case_id.hpp"
#include "domain/case_state.hpp"
#include "domain/deadline.hpp"
#include "domain/symbol.hpp"
#include "domain/window.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::portal {

// One event as the consumer decoded it from its CloudEvents envelope (docs/events).
struct Event {
  std::string id;
  std::string type;          // "tongban.delegation.case_forwarded.v1"
  Clock::time_point time{};  // the envelope's time: used only where data has no time of its own
  boost::json::object data;
};

// What the fold reads of an event, borrowing the consumer's decoded envelope: the fold runs on
// every event the portal reads, and a copy of each event's document was a tenth of its CPU.
struct EventRef {
  std::string_view type;
  Clock::time_point time{};
  const boost::json::object& data;
};

// An agreement between two cities as of its newest revision (the delegation service bumps
// the revision with every change; the event carries the whole agreement).
struct AgreementFact {
  std::int64_t revision = 0;
  std::string city_a;  // city_a < city_b
  std::string city_b;
  std::string status;  // the agreement's: PROPOSED, ACTIVE, DECLINED, SUSPENDED, TERMINATED
  // The governing version: the latest countersigned one (ACTIVE, SUSPENDED or TERMINATED);
  // 0 while none was countersigned.
  std::int64_t version = 0;
  std::vector<std::string> items;  // base items it covers, sorted
  Clock::time_point valid_from{};
  Clock::time_point valid_until{};  // exclusive
  // The first countersignature of any version: since when the pair has had an agreement.
  std::optional<Clock::time_point> signed_at;
  auto operator<=>(const AgreementFact&) const = default;
};

// In force at `now`, by delegation's rule (in_force): ACTIVE, governing version within
// valid_from <= now < valid_until.
bool in_force(const AgreementFact& a, Clock::time_point now);

// One line of a case's timeline, as its event reported it.
struct Transition {
  delegation::CaseState state = delegation::CaseState::submitted;  // the state after it
  Symbol action;  // "receive", ..., or the marks "rate" and "overdue:<stage>"
  Clock::time_point at{};
  Symbol city;        // the actor's city ("" for the system)
  Symbol department;  // the actor's department
  Symbol reason;      // kept for reject and deny only (the refusal reasons indicator)
  auto operator<=>(const Transition&) const = default;
};
// Marks take a version but move no state: a rating, an overdue stage recorded.
bool is_mark(const Transition& t);

struct CaseRating {
  Symbol grade;   // good, poor
  Symbol reason;  // the poor reason, empty for good
  Clock::time_point rated_at{};
  auto operator<=>(const CaseRating&) const = default;
};

// What the newest version of a case says about it.
// Every open case holds one: its small members come first and fill 32 bytes, so a case's node
// in the map is 192 bytes, not 224 (jemalloc's size classes).
struct CaseSnapshot {
  Symbol receiving_city;  // 收件地
  Symbol accepting_city;  // 受理地
  Symbol item_code;
  Symbol agreement_id;
  Symbol delivery;
  std::int16_t accept_limit_days = 0;  // 0..3650 (kMaxLimitDays)
  std::int16_t decide_limit_days = 0;
  std::int16_t exempted = 0;   // materials held as e-licences, not submitted again (<= 10,000)
  std::int16_t uploaded = 0;   // materials uploaded that were not exempted
  std::int16_t redundant = 0;  // materials uploaded although exempted
  delegation::CaseState state = delegation::CaseState::submitted;
  std::optional<Clock::time_point> submitted_at;
  std::optional<Clock::time_point> stage_started_at;
  std::optional<CaseRating> rating;
  auto operator<=>(const CaseSnapshot&) const = default;
};

// A case's transitions by version: a sorted vector (a case has a handful), a third of a
// std::map's memory.
using Timeline = boost::container::flat_map<std::int64_t, Transition>;

// A case: the snapshot of the highest version seen (an older version arriving later never
// moves it back), and every transition seen by version (a late older event still adds its
// fact, e.g. when the case was forwarded).
struct CaseFact {
  std::int64_t version = 0;
  CaseSnapshot snapshot;
  Timeline timeline;
  friend bool operator==(const CaseFact&, const CaseFact&) = default;
};

// A base item of the catalog, as of its newest published version.
struct ItemFact {
  std::int64_t version = 0;  // newest published version, 0 when only a withdrawal was seen
  std::string name_zh;
  std::string online_level;  // full, partial, none
  std::string visit_level;   // zero, once (at most one visit), multiple
  bool cross_city_eligible = false;
  std::int64_t withdrawn_version = 0;  // newest version withdrawn; withdrawn when >= version
  auto operator<=>(const ItemFact&) const = default;
};

// A city's implementation of an item: who handles it there (supervision by department).
struct ImplementationFact {
  std::int64_t version = 0;
  std::string department;
  auto operator<=>(const ImplementationFact&) const = default;
};

// Data calls are counted, not kept: one counter per day and who called what with which
// decision.
struct CallKey {
  Day day{};
  bool allowed = false;
  std::string resource;
  std::string owner_city;
  std::string consumer_city;
  std::string consumer_department;
  auto operator<=>(const CallKey&) const = default;
};

// The audit sequence numbers of one chain's calls counted, as closed intervals: a call is
// counted once however often its event arrives, and the set stays a handful of intervals
// because a datahub chain numbers its calls 1, 2, 3, ...
class SeqSet {
 public:
  bool contains(std::int64_t n) const;
  // False when already present.
  bool insert(std::int64_t n);
  // Adds [first, last]; the store reads intervals back with it.
  void insert_range(std::int64_t first, std::int64_t last);
  const std::map<std::int64_t, std::int64_t>& intervals() const { return ranges_; }
  std::int64_t size() const;
  friend bool operator==(const SeqSet&, const SeqSet&) = default;

 private:
  std::map<std::int64_t, std::int64_t> ranges_;  // first -> last, disjoint, not adjacent
};

// ---- sealed cases (README "Sealed cases") ----
// A finished case leaves the case map: what it adds to the indicators is added to counters
// by China-time day, each fact dated as compute() dates it, so a window sums the days it
// covers and gets the numbers the case itself would give. The keys below are those facts.

// Submission (collaboration, levels, reuse, funnel), by the day the case was submitted.
struct SubmittedKey {
  Day day{};
  Symbol receiving_city;
  Symbol accepting_city;
  Symbol item_code;
  delegation::CaseState state = delegation::CaseState::submitted;  // its final state
  std::uint16_t reached = 0;  // the states it entered: bit n is CaseState n
  auto operator<=>(const SubmittedKey&) const = default;
};
struct SubmittedCounts {
  std::int64_t cases = 0;
  std::int64_t with_exemption = 0;  // cases with at least one material held as an e-licence
  std::int64_t exempted = 0;
  std::int64_t uploaded = 0;
  std::int64_t redundant = 0;
  SubmittedCounts& operator+=(const SubmittedCounts& n) {
    cases += n.cases;
    with_exemption += n.with_exemption;
    exempted += n.exempted;
    uploaded += n.uploaded;
    redundant += n.redundant;
    return *this;
  }
  friend bool operator==(const SubmittedCounts&, const SubmittedCounts&) = default;
};

// An ended stage run, by the day it ended, at the place whose clock it was.
struct StageRunKey {
  Day day{};
  delegation::Stage stage = delegation::Stage::forward;
  Symbol city;
  auto operator<=>(const StageRunKey&) const = default;
};
struct StageRunCounts {
  std::int64_t ended = 0;
  std::int64_t on_time = 0;  // judged with the calendar the case was sealed with
  std::int64_t late = 0;
  std::int64_t ms = 0;  // their durations, summed
  StageRunCounts& operator+=(const StageRunCounts& n) {
    ended += n.ended;
    on_time += n.on_time;
    late += n.late;
    ms += n.ms;
    return *this;
  }
  friend bool operator==(const StageRunCounts&, const StageRunCounts&) = default;
};

// A completion, by its day, at the accepting city: handling time from submission.
struct CompletionKey {
  Day day{};
  Symbol accepting_city;
  auto operator<=>(const CompletionKey&) const = default;
};
struct DurationCounts {
  std::int64_t count = 0;
  std::int64_t ms = 0;
  DurationCounts& operator+=(const DurationCounts& n) {
    count += n.count;
    ms += n.ms;
    return *this;
  }
  friend bool operator==(const DurationCounts&, const DurationCounts&) = default;
};

// A refusal (reject or deny), by its day, with its reason trimmed.
struct RefusalKey {
  Day day{};
  bool rejected = false;  // reject (不予受理), else deny (不予许可)
  Symbol reason;
  Symbol accepting_city;
  auto operator<=>(const RefusalKey&) const = default;
};

// A rating, by the day it was given.
struct RatingKey {
  Day day{};
  Symbol grade;
  Symbol reason;
  Symbol receiving_city;
  Symbol accepting_city;
  auto operator<=>(const RatingKey&) const = default;
};

// An e-licence issued, by its day: licences are counted as they arrive (they never change),
// each remembered only by its id's hash (State::licences).
struct LicenceKey {
  Day day{};
  Symbol issuer_city;
  bool from_case = false;  // the result of an approved case
  auto operator<=>(const LicenceKey&) const = default;
};

// An overdue stage delegation recorded, by its day, at the place whose clock it was.
struct OverdueKey {
  Day day{};
  Symbol city;
  auto operator<=>(const OverdueKey&) const = default;
};

struct SealedCounts {
  std::map<SubmittedKey, SubmittedCounts> submitted;
  std::map<StageRunKey, StageRunCounts> stage_runs;
  std::map<CompletionKey, DurationCounts> completions;
  std::map<RefusalKey, std::int64_t> refusals;
  std::map<RatingKey, std::int64_t> ratings;
  std::map<OverdueKey, std::int64_t> overdue;
  std::map<LicenceKey, std::int64_t> licences;
  // Calls f(map) for each of the maps above.
  template <class F>
  void each(F&& f) const {
    f(submitted);
    f(stage_runs);
    f(completions);
    f(refusals);
    f(ratings);
    f(overdue);
    f(licences);
  }
  friend bool operator==(const SealedCounts&, const SealedCounts&) = default;
};

// What is left of a sealed case or a counted licence: its id's hash, the first 128 bits of the
// id's SHA-256 (two of a billion ids collide with odds below 1e-20).
using IdHash = std::array<std::uint8_t, 16>;
IdHash id_hash(std::string_view id);
std::string to_hex(const IdHash& h);
std::optional<IdHash> parse_id_hash(std::string_view hex);
struct IdHashHasher {
  std::size_t operator()(const IdHash& h) const noexcept;
};
// A sealed case's mark: enough to know a redelivered event of it (its version or below) and
// to count a rating given after it was sealed, once.
struct SealMark {
  std::int32_t version = 0;  // the highest version folded (at most 1e9, as the fold allows)
  bool rated = false;        // its rating is counted
  friend bool operator==(const SealMark&, const SealMark&) = default;
};

struct State {
  std::map<std::string, AgreementFact> agreements;  // by agreement id
  std::map<CaseId, CaseFact> cases;                 // by case id: the open ones
  SealedCounts sealed;                              // what the sealed ones add
  boost::unordered_flat_map<IdHash, SealMark, IdHashHasher> sealed_cases;
  std::map<std::string, ItemFact> items;                      // by base item code
  std::map<std::string, ImplementationFact> implementations;  // by implementation_key()
  std::map<CallKey, std::int64_t> calls;
  // By audit chain: every datahub deployment keeps its own chain, numbered from 1, so a call
  // is named by (chain, seq). Events from before chains were named share the chain "".
  std::map<std::string, SeqSet> call_seqs;
  // The licences counted (in sealed.licences), by their id's hash.
  boost::unordered_flat_set<IdHash, IdHashHasher> licences;
  friend bool operator==(const State&, const State&) = default;
};

std::string implementation_key(std::string_view item_code,
                               std::string_view city);  // "PS-0001|320100"
// A call counter's key as text, a JSON array:
// ["2026-03-02","allowed","<resource>","<owner city>","<consumer city>","<department>"].
std::string call_key_text(const CallKey& k);
Result<CallKey> parse_call_key(std::string_view text);

// The records of the state, each stored under its own key (state_json.hpp).
enum class RecordKind : std::uint8_t {
  agreement,       // key: agreement id
  case_record,     // key: case id
  item,            // key: item code
  implementation,  // key: implementation_key
  call,            // key: call_key_text
  call_seqs,       // key: the audit chain id
  licence,         // key: to_hex(id_hash(licence id)); a key from before: the licence id
  sealed_case,     // key: to_hex(id_hash(case id))
  sealed_count,    // key: sealed_count_text
};
std::string_view to_string(RecordKind k);  // agreement, case, item, implementation, call, ...
std::optional<RecordKind> parse_record_kind(std::string_view text);

struct RecordKey {
  RecordKind kind = RecordKind::agreement;
  std::string key;
  auto operator<=>(const RecordKey&) const = default;
};

// A sealed count's key as text, a JSON array: its kind and day, then its key's fields, e.g.
// ["submitted","2026-03-02","320100","330100","PS-0001","COMPLETED",1563],
// ["stage_run","2026-03-03","forward","320100"], ["completion","2026-03-12","330100"],
// ["refusal","2026-03-17","reject","材料不全","330100"], ["rating","2026-03-12","good","",
// "320100","330100"], ["overdue","2026-03-05","320100"], ["licence","2026-03-10","330100",
// "case"] (or "direct": not from a case).
using SealedCountKey = std::variant<SubmittedKey, StageRunKey, CompletionKey, RefusalKey, RatingKey,
                                    OverdueKey, LicenceKey>;
std::string sealed_count_text(const SealedCountKey& k);
Result<SealedCountKey> parse_sealed_count_key(std::string_view text);

// The event types the portal folds; everything else is `other` (ignored).
enum class EventKind : std::uint8_t {
  agreement,                 // tongban.delegation.agreement_<change>.v1
  case_event,                // tongban.delegation.case_<state|rated|overdue>.v1
  item_published,            // tongban.catalog.item_published.v1
  item_withdrawn,            // tongban.catalog.item_withdrawn.v1
  implementation_published,  // tongban.catalog.implementation_published.v1
  data_called,               // tongban.datahub.data_called.v1
  licence_issued,            // tongban.datahub.licence_issued.v1
  other,
};
EventKind classify(std::string_view type);

struct Applied {
  bool ignored = false;            // not an event the portal folds
  bool changed = false;            // false: a duplicate or superseded: nothing to write
  std::vector<RecordKey> touched;  // the records to write back (empty unless changed)
};

struct FoldOptions {
  // Seal each case once it is finished and complete (a final state, every version from 1 to
  // its own folded), judging its stage runs on time or late with this calendar; null keeps
  // every case whole.
  const delegation::Calendar* seal_with = nullptr;
};

// Folds one event into `state`. Idempotent (applying an event twice changes nothing) and
// order-tolerant (any order of a set of events gives the same state). A malformed event is
// Errc::invalid_argument naming the field (`data.case_id`) and the rule (`required`, `type`,
// `range`, `enum`, `date_time`, `unknown_city`, `same_city`) and leaves `state` untouched;
// the consumer dead-letters it.
Result<Applied> apply(State& state, const EventRef& event, const FoldOptions& options = {});
Result<Applied> apply(State& state, const Event& event, const FoldOptions& options = {});

// apply() over `events` in order, from `state`: the fold as a value, for rebuilds and tests.
Result<State> fold(State state, std::span<const Event> events, const FoldOptions& options = {});

// Whether a case is finished and complete: in a final state with every version from 1 to its
// own folded, so no event can change what it counts except a rating.
bool sealable(const CaseFact& c);
// Seals the sealable cases (of a state read back from before sealing, or folded without it),
// at most `max_cases` of them; the records it changed, to write back. Several calls of a few
// each let the writes go in parts that are each whole: every count written includes only
// cases whose deletion and mark go in the same part or an earlier one.
std::vector<RecordKey> seal_finished(State& state, const delegation::Calendar& calendar,
                                     std::size_t max_cases = SIZE_MAX);

}  // namespace tongban::portal

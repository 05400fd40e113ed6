// Cases, timelines, work-queue indexes, deadlines, idempotency records, agreements and the
// catalog cache of one delegation node in Redis (tb:delegation:<node>:*). Every case write
// is one Lua script: the compare-and-set on the version, the timeline line, the index moves,
// the deadline, the idempotency record and the outbox event, together or not at all.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "repo/case_cache.hpp"
#include "repo/records.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/store/script.hpp"

namespace tongban::delegation {

inline constexpr std::string_view kCasesTopic = "tongban.delegation.cases.v1";
inline constexpr std::string_view kAgreementsTopic = "tongban.delegation.agreements.v1";
inline constexpr std::string_view kCatalogTopic = "tongban.catalog.items.v1";

// A stored answer to a command sent with an Idempotency-Key.
struct StoredResponse {
  int status = 0;
  std::string body;
};

enum class WriteMode : std::uint8_t {
  create,    // a new case: refused if it exists
  cas,       // a command: the stored version must be `expected_version`
  newer,     // an event from the other node: applied only if newer than what is stored
  handover,  // the FORWARDED event at the accepting side: newer or the same version
};

struct CaseWrite {
  WriteMode mode = WriteMode::cas;
  int expected_version = 0;             // cas; for newer/handover the incoming version
  CaseRecord record;                    // the new state, version included
  std::string record_json;              // record serialised, when the caller has it ("": here)
  std::optional<CaseRecord> previous;   // to move the indexes from (none on create)
  std::vector<TimelineEntry> timeline;  // appended
  std::optional<std::pair<std::string, Clock::time_point>> deadline;  // stage, due
  std::optional<store::OutboxMessage> event;
  std::string idempotency_key;  // "" for none
  StoredResponse response;      // stored under the key

  // A transition of `previous` to `next`, written only if no one moved the case meanwhile,
  // with its one timeline line.
  static CaseWrite transition(const CaseRecord& previous, CaseRecord next, TimelineEntry entry);
};

enum class WriteOutcome : std::uint8_t { written, replayed, exists, stale };

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::written;
  StoredResponse replay;   // the earlier answer, when replayed
  int stored_version = 0;  // on stale
};

struct CasePage {
  std::vector<CaseRecord> cases;
  std::optional<std::string> next_cursor;
};

struct AgreementPage {
  std::vector<Agreement> agreements;
  std::optional<std::string> next_cursor;
};

struct CatalogItem {
  std::string code;
  int version = 0;
  bool cross_city_eligible = false;
  int min_assurance_level = 1;
  std::vector<std::pair<std::string, std::string>> materials;  // name, e_licence_type ("" none)
  bool withdrawn = false;
};

// How long a keyed command's answer is kept for replay unless configured
// (TONGBAN_DELEGATION_IDEMPOTENCY_TTL).
inline constexpr std::chrono::seconds kDefaultIdempotencyTtl = std::chrono::hours(24);
// How many recently written or read cases a node keeps in memory unless configured
// (TONGBAN_DELEGATION_CASE_CACHE): ~1.2 KB each. Half of it must hold the cases in the middle of
// their life cycles under load: 4,096 let 5-42 % miss at 1,000 life cycles/s offered.
inline constexpr std::size_t kDefaultCaseCache = 16384;

class CaseRepo {
 public:
  // `idempotency_ttl`: how long a keyed command's answer is kept for replay; `case_cache`:
  // how many cases the cache holds (0: none).
  CaseRepo(store::Redis& redis, std::string node,
           std::chrono::seconds idempotency_ttl = kDefaultIdempotencyTtl,
           std::size_t case_cache = kDefaultCaseCache);

  const std::string& node() const { return node_; }

  Result<WriteResult> write(const CaseWrite& w);
  // The same write without waiting: `done` runs on the Redis client's I/O thread (quick,
  // non-blocking). For handlers on the HTTP I/O thread.
  void async_write(const CaseWrite& w, std::function<void(Result<WriteResult>)> done);
  Result<std::optional<CaseRecord>> load(const std::string& id);
  // Several cases in one round trip, in the order of `ids`.
  Result<std::vector<std::optional<CaseRecord>>> load_many(const std::vector<std::string>& ids);
  // Several writes in one round trip (each atomic on its own), one result per write.
  Result<std::vector<WriteResult>> write_many(const std::vector<CaseWrite>& writes);
  // The same without waiting: `done` runs on the Redis client's I/O thread.
  void async_load(const std::string& id,
                  std::function<void(Result<std::optional<CaseRecord>>)> done);
  // Cases written through this repo (any mode, when written) and read by async_load are
  // cached; only commands look there (their writes check the version). Null: not cached.
  std::shared_ptr<const CaseRecord> cached(const std::string& id) { return cache_.find(id); }
  void forget_cached(const std::string& id) { cache_.forget(id); }
  void age_cached() { cache_.age(); }
  Result<std::vector<boost::json::object>> timeline(const std::string& id);
  void async_timeline(const std::string& id,
                      std::function<void(Result<std::vector<boost::json::object>>)> done);
  Result<std::optional<StoredResponse>> stored_response(const std::string& key);
  void async_stored_response(const std::string& key,
                             std::function<void(Result<std::optional<StoredResponse>>)> done);

  // Pages of case ids, newest first (ids are UUIDv7: time-ordered), `cursor` exclusive.
  Result<CasePage> by_applicant(const std::string& subject, const std::string& cursor,
                                std::size_t limit);
  // place: "receiving" or "accepting".
  Result<CasePage> by_city(std::string_view place, const std::string& city, CaseState s,
                           const std::string& cursor, std::size_t limit);
  Result<CasePage> by_state(CaseState s, const std::string& cursor, std::size_t limit);
  // Deadline members "<case id>|<stage>" due at or before `now_ms`.
  Result<std::vector<std::string>> due_deadlines(long long now_ms, std::size_t limit);

  // Agreements: the full document and a revision that grows with every change, so events
  // from the owning node apply in order and only once.
  Result<bool> put_agreement(const Agreement& a, long long revision,
                             const std::optional<store::OutboxMessage>& event);
  Result<std::optional<std::pair<Agreement, long long>>> agreement(const std::string& id);
  Result<std::optional<std::string>> agreement_of_pair(const std::string& a, const std::string& b);
  // Newest first (ids are uuid v7), of one city or of all ('' city), `limit` after `cursor`.
  Result<AgreementPage> agreements(const std::string& city, const std::string& cursor,
                                   std::size_t limit);
  // Agreements stored before the per-city index existed join it; once per store (a marker
  // key), so later starts cost one EXISTS. Returns how many were indexed.
  Result<std::size_t> index_agreements_by_city();

  // The catalog as its events told it.
  Result<void> put_item(const CatalogItem& item);
  Result<std::optional<CatalogItem>> item(const std::string& code);
  Result<void> put_implementation(const std::string& code, const std::string& city, int version,
                                  int promised_limit_days);
  // promised_limit_days of the city's implementation, or nullopt when it has none.
  Result<std::optional<int>> implementation(const std::string& code, const std::string& city);

  std::string key(std::string_view a) const;
  std::string key(std::string_view a, std::string_view b) const;

  // Moves on every write of an item, implementation or agreement through this repo, so
  // what a ReferenceCache read before it is known to be outdated.
  std::uint64_t reference_generation() const { return reference_generation_.load(); }

 private:
  // The write script's keys and arguments, and what its answer means.
  store::Script::Call write_call(const CaseWrite& w) const;
  static Result<WriteResult> write_result(Result<store::Reply> r);
  // Caches `written` when the write's answer says it was written.
  void note_written(const Result<WriteResult>& r, std::shared_ptr<const CaseRecord> written);
  static Result<std::optional<CaseRecord>> loaded_case(Result<store::Reply> r);
  static Result<std::optional<CaseRecord>> case_of(std::optional<boost::json::object> doc);
  static Result<std::optional<StoredResponse>> stored_of(Result<store::Reply> r);
  static Result<std::vector<boost::json::object>> timeline_entries(Result<store::Reply> r);
  // Ids of a lexicographic index, newest (largest uuid v7) first, `limit` after `cursor`.
  struct IdPage {
    std::vector<std::string> ids;
    std::optional<std::string> next_cursor;
  };
  Result<IdPage> newest(const std::string& index, const std::string& cursor, std::size_t limit);
  // The stored documents of these records (`kind`: case, agr) in one pipeline; absent ones
  // are left out.
  // The docs of `ids` in order, an empty slot where none is stored; docs() skips those.
  Result<std::vector<std::optional<boost::json::object>>> doc_slots(
      std::string_view kind, const std::vector<std::string>& ids);
  Result<std::vector<boost::json::object>> docs(std::string_view kind,
                                                const std::vector<std::string>& ids);
  Result<CasePage> page(const std::string& index, const std::string& cursor, std::size_t limit);
  std::vector<std::string> index_keys(const CaseRecord& c) const;
  std::string pair_key(const std::string& a, const std::string& b) const;  // either order

  store::Redis& redis_;
  std::string node_;
  std::chrono::seconds idempotency_ttl_;
  CaseCache cache_;
  std::atomic<std::uint64_t> reference_generation_{0};
  std::string prefix_;
};

}  // namespace tongban::delegation

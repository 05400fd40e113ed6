// The delegation service (跨城通办): what its handlers, consumers and the overdue sweep
// share. A node serves a set of cities; the hand-off between the two places of a case
// always crosses Kafka (the accepting side builds its copy from the FORWARDED event).
#pragma once

#include <array>
#include <condition_variable>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include "consumer/case_events.hpp"
#include "domain/authority.hpp"
#include "domain/calendar.hpp"
#include "domain/deadline.hpp"
#include "repo/case_repo.hpp"
#include "repo/reference_cache.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/http/client.hpp"
#include "tongban/http/message.hpp"
#include "tongban/service/service.hpp"

namespace tongban::delegation {

struct DelegationOptions {
  std::string node = "node-1";
  std::set<std::string> cities;  // empty: every city
  std::string datahub_url = "http://127.0.0.1:8083";
  std::string catalog_url = "http://127.0.0.1:8082";
  Calendar calendar;
  std::chrono::milliseconds overdue_interval{30000};
  std::chrono::milliseconds peer_timeout{1500};
  std::chrono::milliseconds reference_ttl{1000};  // ReferenceCache
  // A keyed command's answer, kept for replay.
  std::chrono::seconds idempotency_ttl = kDefaultIdempotencyTtl;
  std::size_t case_cache = kDefaultCaseCache;  // cases kept in memory for commands (CaseCache)
};

// The CloudEvents source of every event a node produces; the consumer knows its own by it.
std::string event_source(std::string_view node);

// What builds the events of a case: shared by commands, the consumer and the sweep.
// `doc` is to_json(c): a command builds it once for the event, the stored record and its
// answer.
store::OutboxMessage case_event(std::string_view type_suffix, const CaseRecord& c,
                                boost::json::object doc, const TimelineEntry& entry,
                                boost::json::object extra, const std::string& traceparent,
                                const Clock& clock);

// Records the overdue stages of cases held here, once each (an event and a timeline line
// per stage). Separate from the service so tests drive it with a controllable clock.
class OverdueSweep {
 public:
  OverdueSweep(CaseRepo& repo, const Calendar& calendar, const Clock& clock);
  // Returns how many overdue stages were recorded.
  Result<int> run();

 private:
  CaseRepo& repo_;
  const Calendar& calendar_;
  const Clock& clock_;
};

// Which side writes a case in `state`: the receiving place before the hand-off, the
// accepting place after it.
Holder writer_of(CaseState state);

// A timeline line as an event carries it.
TimelineEntry timeline_entry_from_json(const boost::json::object& o);
// An event the consumer cannot use (dead-lettered, never retried).
Error unusable(const bus::Envelope& e, std::string why);
// o[key] when it is a string, else "".
std::string json_string(const boost::json::object& o, std::string_view key);

// The deadline of the stage a case is in, if it has a clock.
std::optional<StageDeadline> deadline_of(const CaseRecord& c, const Calendar& calendar);

class Delegation {
 public:
  Delegation(service::Service& svc, DelegationOptions options,
             const Clock& clock = Clock::system());
  ~Delegation();

  void add_routes();
  void add_consumers();
  void add_background_work();

  bool serves(std::string_view city) const;

 private:
  void add_agreement_routes();
  void add_case_routes();
  void add_query_routes();

  bool concerns(const bus::Envelope& e) const;
  Result<void> on_case_event(const bus::Envelope& e);
  Result<void> on_agreement_event(const bus::Envelope& e);
  Result<void> on_catalog_event(const bus::Envelope& e);

  // Submissions, transitions and case reads run on the HTTP I/O thread with asynchronous
  // Redis calls when everything else they need is in memory, else on a worker.
  void submit_async(http::Request& req, const http::Responder& respond);
  http::Response submit(http::Request& req);
  void transition_async(http::Request& req, const http::Responder& respond, CaseAction action);
  http::Response transition(http::Request& req, CaseAction action);
  void rate_case_async(http::Request& req, const http::Responder& respond);
  http::Response rate_case(http::Request& req);
  void read_case_async(http::Request& req, const http::Responder& respond);
  http::Response read_case(http::Request& req);
  http::Response case_answer(const Result<std::optional<CaseRecord>>& c, const Actor& actor) const;
  // Who sends a command, and its Idempotency-Key made theirs ("<subject>:<key>", "" without
  // one): what every command checks first, on either path.
  struct Caller {
    auth::Principal who;
    Actor actor;
    std::string idem;
  };
  static Result<Caller> caller_of(Result<auth::Principal> who, const http::Request& req);
  // A command up to its write: the refusal, or the write and the answer it stores.
  // `cached_only`: reads only what is in memory and calls no one (`missed` set when it
  // would have to).
  struct CommandWrite {
    CaseWrite write;
    std::string answer;
  };
  using Prepared = std::variant<http::Response, CommandWrite>;
  Prepared prepare_submission(http::Request& req, const Caller& caller,
                              ReferenceCache::CachedOnly* cached_only);
  Prepared prepare_transition(http::Request& req, const Caller& caller, CaseAction action,
                              const CaseRecord& c,
                              // a forward's timeline when already read (moved into its event);
                              // null: read here (or missed, cached_only)
                              std::vector<boost::json::object>* timeline,
                              ReferenceCache::CachedOnly* cached_only);
  Prepared prepare_rating(http::Request& req, const Actor& actor, const CaseRecord& c);
  // A command on one case (a transition, a rating) between its asynchronous steps, owned by
  // their callbacks.
  struct PendingCommand {
    std::string case_id;
    http::Responder respond;
    std::string idem;
    int request = 0;              // Paths::Request
    bool reads_timeline = false;  // a forward: its event carries the whole timeline
    // The command on the case (and its timeline when it reads one): see prepare_transition.
    std::function<Prepared(const CaseRecord&, std::vector<boost::json::object>*,
                           ReferenceCache::CachedOnly*)>
        prepare;
    http::Handler on_workers;
    bool counted = false;
  };
  // Prepares and writes `p` on its case: the one this node has cached when `use_cache`, else
  // the one read from Redis. A refusal or a stale write prepared from a cached case runs
  // again on the case read from Redis: the cache saves a read, never decides an answer.
  void run_command(std::shared_ptr<PendingCommand> p, bool use_cache);
  void run_command_on(std::shared_ptr<PendingCommand> p, const CaseRecord& c, bool from_cache,
                      std::vector<boost::json::object>* timeline);
  http::Handler transition_on_workers(CaseAction action);
  http::Response write_prepared(Prepared prepared, const std::string& idem);
  // `on_stale`, when given, runs instead of answering a write that lost to a newer version.
  void write_prepared_async(Prepared prepared, const std::string& idem,
                            const http::Responder& respond,
                            std::function<void()> on_stale = nullptr);
  http::Response answer_write(Result<WriteResult> written, CommandWrite& s);
  http::Response replay_if_refused(const std::string& idem, http::Response answer);
  void replay_if_refused_async(const std::string& idem, http::Response answer,
                               const http::Responder& respond);
  // The answer of an agreement command, stored with its event.
  http::Response agreement_command(
      http::Request& req, const std::string& id,
      const std::function<Result<Agreement>(Agreement, const Actor&, const boost::json::object&)>&
          op,
      std::string_view event_name);
  Result<CatalogChecks> catalog_checks(const AgreementBody& body, const std::string& city_a,
                                       const std::string& city_b, bool with_scores);
  boost::json::object case_view(const CaseRecord& c, const Actor& viewer) const;
  // The same from to_json(c) already built.
  boost::json::object case_view(boost::json::object doc, const CaseRecord& c,
                                const Actor& viewer) const;

  service::Service& svc_;
  DelegationOptions options_;
  const Clock& clock_;
  CaseRepo repo_;
  ReferenceCache reference_;
  OverdueSweep sweep_;
  http::Client peers_;
  CaseEventBatch case_events_;  // the cases consumer's, on its thread only
  // Where requests ran (tongban_delegation_requests_total{request, path}): a cold cache, a
  // new token, a datahub check or a forward sends them to the workers.
  class Paths {
   public:
    enum Request { submission, transition, case_read, rating };
    // What a command on the I/O thread found in the case cache
    // (tongban_delegation_case_cache_total).
    enum Cache { hit, miss, reread };
    explicit Paths(metrics::Registry& registry);
    void count(int r, bool io_thread) { counters_[r * 2 + (io_thread ? 1 : 0)]->Increment(); }
    void count(Cache c) { cache_[c]->Increment(); }

   private:
    std::array<prometheus::Counter*, 8> counters_{};
    std::array<prometheus::Counter*, 3> cache_{};
  } paths_;
  std::mutex wake_mu_;
  std::condition_variable_any wake_;
  std::jthread background_;
};

Actor actor_of(const auth::Principal& p);
std::string lower(std::string_view s);
// A list's `limit` query parameter: 1 to 200, 50 when absent.
Result<std::size_t> page_limit(const http::Request& req);

}  // namespace tongban::delegation

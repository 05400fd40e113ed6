#include "delegation.hpp"

#include <prometheus/registry.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"

namespace tongban::delegation {

Error unusable(const bus::Envelope& e, std::string why) {
  Error err = Error::invalid("data", "unusable_event", e.type + " " + e.id + ": " + why);
  err.retryable = false;
  return err;
}

std::string json_string(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

Holder writer_of(CaseState s) {
  switch (s) {
    case CaseState::submitted:
    case CaseState::received:
    case CaseState::supplement_requested:
    case CaseState::pre_examined:
      return Holder::receiving;
    default:
      return Holder::accepting;
  }
}

TimelineEntry timeline_entry_from_json(const boost::json::object& o) {
  TimelineEntry t;
  if (const auto* v = o.if_contains("version"); v && v->is_number()) {
    t.version = static_cast<int>(v->to_number<std::int64_t>());
  }
  t.action = json_string(o, "action");
  t.from = json_string(o, "from");
  t.to = json_string(o, "to");
  t.actor = json_string(o, "actor");
  t.actor_city = json_string(o, "actor_city");
  t.actor_department = json_string(o, "actor_department");
  t.reason = json_string(o, "reason");
  (void)parse_rfc3339(json_string(o, "at"), t.at);
  t.node = json_string(o, "node");
  return t;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

Actor actor_of(const auth::Principal& p) {
  Actor a;
  a.subject = p.subject();
  switch (p.subject_type()) {
    case auth::SubjectType::citizen:
      a.kind = ActorKind::citizen;
      break;
    case auth::SubjectType::enterprise:
      a.kind = ActorKind::enterprise;
      break;
    case auth::SubjectType::staff:
      a.kind = ActorKind::staff;
      break;
    case auth::SubjectType::service:
      a.kind = ActorKind::service;
      break;
  }
  a.roles = p->roles;
  a.city = p->city;
  a.province_scope = p.has_scope("supervision:province");
  return a;
}

std::string event_source(std::string_view node) {
  return "/tongban/delegation/" + std::string(node);
}

store::OutboxMessage case_event(std::string_view type_suffix, const CaseRecord& c,
                                boost::json::object doc, const TimelineEntry& entry,
                                boost::json::object extra, const std::string& traceparent,
                                const Clock& clock) {
  boost::json::object data{{"case_id", c.id},
                           {"receiving_city", c.receiving_city},
                           {"accepting_city", c.accepting_city},
                           {"applicant", c.applicant},
                           {"item_code", c.item_code},
                           {"item_version", c.item_version},
                           {"state", to_string(c.state)},
                           {"previous_state", entry.from.empty() ? boost::json::value(nullptr)
                                                                 : boost::json::value(entry.from)},
                           {"action", entry.action},
                           {"version", c.version},
                           {"agreement_id", c.agreement_id},
                           {"agreement_version", c.agreement_version},
                           {"actor",
                            {{"subject", entry.actor},
                             {"city", entry.actor_city},
                             {"department", entry.actor_department}}},
                           {"reason", entry.reason},
                           {"at", to_rfc3339(entry.at)},
                           {"node", entry.node},
                           {"case", std::move(doc)},
                           {"timeline_entry", to_json(entry)}};
  for (auto& [k, v] : extra) data[k] = v;
  auto e = bus::Envelope::make(event_source(entry.node),
                               "tongban.delegation.case_" + std::string(type_suffix) + ".v1", c.id,
                               std::move(data), clock);
  return store::OutboxMessage{std::string(kCasesTopic), c.id, bus::encode(e), traceparent};
}

std::optional<StageDeadline> deadline_of(const CaseRecord& c, const Calendar& calendar) {
  auto stage = stage_of(c.state);
  if (!stage) return std::nullopt;
  auto d = stage_deadline(*stage, c.stage_started_at,
                          StageLimits{c.accept_limit_days, c.decide_limit_days}, calendar);
  if (!d) return std::nullopt;
  return *d;
}

OverdueSweep::OverdueSweep(CaseRepo& repo, const Calendar& calendar, const Clock& clock)
    : repo_(repo), calendar_(calendar), clock_(clock) {}

Result<int> OverdueSweep::run() {
  const auto now = clock_.now();
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto due = repo_.due_deadlines(now_ms, 500);
  if (!due) return fail(std::move(due.error()));
  int recorded = 0;
  for (const auto& member : *due) {
    const auto bar = member.rfind('|');
    if (bar == std::string::npos) continue;
    const auto id = member.substr(0, bar);
    const auto stage_name = member.substr(bar + 1);
    auto loaded = repo_.load(id);
    if (!loaded) return fail(std::move(loaded.error()));
    if (!*loaded) continue;
    const auto& c = **loaded;
    auto stage = stage_of(c.state);
    const bool owner = c.holder == writer_of(c.state);
    if (!stage || to_string(*stage) != stage_name || !owner) continue;
    auto d = deadline_of(c, calendar_);
    if (!d || !overdue(*d, now)) continue;
    CaseRecord next = c;
    next.version = c.version + 1;
    next.updated_at = now;
    next.overdue_stages.push_back(stage_name);
    TimelineEntry entry{next.version,
                        "overdue:" + stage_name,
                        std::string(to_string(c.state)),
                        std::string(to_string(c.state)),
                        "system",
                        "",
                        "",
                        "",
                        now,
                        repo_.node()};
    auto w = CaseWrite::transition(c, next, entry);
    w.event = case_event("overdue", next, to_json(next), entry,
                         {{"stage", stage_name}, {"due", to_rfc3339(d->due)}, {"warning", "red"}},
                         "", clock_);
    auto r = repo_.write(w);
    if (!r) return fail(std::move(r.error()));
    if (r->outcome == WriteOutcome::written) ++recorded;
  }
  return recorded;
}

Delegation::Delegation(service::Service& svc, DelegationOptions options, const Clock& clock)
    : svc_(svc),
      options_(std::move(options)),
      clock_(clock),
      repo_(svc.redis(), options_.node, options_.idempotency_ttl, options_.case_cache),
      reference_(repo_, options_.reference_ttl),
      sweep_(repo_, options_.calendar, clock_),
      peers_(http::ClientOptions{options_.peer_timeout, options_.peer_timeout}),
      case_events_(repo_, options_.calendar,
                   [this](std::string_view city) { return serves(city); }),
      paths_(svc.metrics()) {}

Delegation::Paths::Paths(metrics::Registry& registry) {
  auto& family = prometheus::BuildCounter()
                     .Name("tongban_delegation_requests_total")
                     .Help(
                         "Submissions, transitions, case reads and ratings by where they ran: "
                         "io_thread (asynchronous Redis calls) or workers")
                     .Register(registry.prom());
  int i = 0;
  for (const char* request : {"submission", "transition", "case_read", "rating"}) {
    for (const char* path : {"workers", "io_thread"}) {
      counters_[static_cast<std::size_t>(i++)] =
          &family.Add({{"request", request}, {"path", path}});
    }
  }
  auto& cache = prometheus::BuildCounter()
                    .Name("tongban_delegation_case_cache_total")
                    .Help(
                        "Commands on the I/O thread by where their case came from: hit (this "
                        "node's cache), miss (read from Redis), reread (prepared from the cache, "
                        "refused or stale, so read from Redis and prepared again)")
                    .Register(registry.prom());
  i = 0;
  for (const char* outcome : {"hit", "miss", "reread"}) {
    cache_[static_cast<std::size_t>(i++)] = &cache.Add({{"outcome", outcome}});
  }
}

Delegation::~Delegation() = default;

bool Delegation::serves(std::string_view city) const {
  return options_.cities.empty() || options_.cities.contains(std::string(city));
}

void Delegation::add_routes() {
  add_agreement_routes();
  add_case_routes();
  add_query_routes();
}

void Delegation::add_consumers() {
  // One group per node: every node sees every event, and keeps what concerns its cities.
  const std::string group = "delegation." + options_.node;
  bus::ConsumerOptions cases;
  cases.group_id = group + ".cases";
  cases.topics = {std::string(kCasesTopic)};
  // Judged on the raw bytes where source and type tell (most of what a node reads is its
  // own events coming back); the cities need the decoded event (concerns).
  cases.passes_by = [source = event_source(options_.node)](const bus::EnvelopeHead& h) {
    return !h.type.starts_with("tongban.delegation.case_") ||
           (h.source == source && h.type != "tongban.delegation.case_forwarded.v1");
  };
  cases.concerns = [this](const bus::Envelope& e) { return concerns(e); };
  // Applying a case event twice changes nothing: the copy's version decides (handover and
  // newer writes), so the group needs no dedupe round trips.
  cases.dedupe = false;
  // One read and one pipeline of writes per fetch (CaseEventBatch).
  cases.flush = [this] { return case_events_.flush(); };
  cases.discard = [this] { case_events_.discard(); };
  svc_.consume(cases, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_case_event(e);
  });
  bus::ConsumerOptions agreements;
  agreements.group_id = group + ".agreements";
  agreements.topics = {std::string(kAgreementsTopic)};
  svc_.consume(agreements, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_agreement_event(e);
  });
  bus::ConsumerOptions catalog;
  catalog.group_id = group + ".catalog";
  catalog.topics = {std::string(kCatalogTopic)};
  svc_.consume(catalog, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_catalog_event(e);
  });
}

// Decided from the event alone, before reading the case (a Redis round trip per event was the
// consumer's pace, and it fell behind under load). This node's own events come back to it,
// and of those only a hand-off to itself concerns it; a case between two cities it does not
// serve is never kept here. An event it cannot judge goes to the handler (and its checks).
bool Delegation::concerns(const bus::Envelope& e) const {
  if (!e.type.starts_with("tongban.delegation.case_")) return false;
  if (!e.data.is_object()) return true;
  const auto& d = e.data.get_object();
  if (e.type != "tongban.delegation.case_forwarded.v1" && e.source == event_source(options_.node)) {
    return false;
  }
  const auto receiving = json_string(d, "receiving_city"),
             accepting = json_string(d, "accepting_city");
  if (receiving.empty() || accepting.empty()) return true;
  return serves(receiving) || serves(accepting);
}

Result<void> Delegation::on_case_event(const bus::Envelope& e) {
  // Other event types on the topic (added later within v1) pass by.
  if (!e.type.starts_with("tongban.delegation.case_")) return {};
  if (!concerns(e)) return {};
  return case_events_.add(e);  // written by the batch's flush
}

Result<void> Delegation::on_agreement_event(const bus::Envelope& e) {
  if (!e.type.starts_with("tongban.delegation.agreement_")) return {};
  if (!e.data.is_object()) return fail(unusable(e, "data is not an object"));
  const auto& d = e.data.get_object();
  const auto* doc = d.if_contains("agreement");
  const auto* revision = d.if_contains("revision");
  if (!doc || !doc->is_object() || !revision || !revision->is_number()) {
    return fail(unusable(e, "agreement and revision are required"));
  }
  auto a = agreement_from_json(doc->get_object());
  if (!a) return fail(unusable(e, a.error().message));
  auto ok = repo_.put_agreement(*a, revision->to_number<long long>(), std::nullopt);
  if (!ok) return fail(std::move(ok.error()));
  return {};
}

Result<void> Delegation::on_catalog_event(const bus::Envelope& e) {
  if (e.type != "tongban.catalog.implementation_published.v1" &&
      e.type != "tongban.catalog.item_published.v1" &&
      e.type != "tongban.catalog.item_withdrawn.v1") {
    return {};
  }
  if (!e.data.is_object()) return fail(unusable(e, "data is not an object"));
  const auto& d = e.data.get_object();
  const auto* version = d.if_contains("version");
  if (!version || !version->is_number()) return fail(unusable(e, "version is required"));
  const int v = static_cast<int>(version->to_number<std::int64_t>());
  if (e.type == "tongban.catalog.implementation_published.v1") {
    const auto* impl = d.if_contains("implementation");
    const auto* limit =
        impl && impl->is_object() ? impl->get_object().if_contains("promised_limit_days") : nullptr;
    if (!limit || !limit->is_number()) return fail(unusable(e, "implementation is required"));
    return repo_.put_implementation(json_string(d, "item_code"), json_string(d, "city"), v,
                                    static_cast<int>(limit->to_number<std::int64_t>()));
  }
  const bool withdrawn = e.type == "tongban.catalog.item_withdrawn.v1";
  if (e.type != "tongban.catalog.item_published.v1" && !withdrawn) return {};
  const auto code = json_string(d, "code");
  if (withdrawn) {
    auto known = repo_.item(code);
    if (!known) return fail(std::move(known.error()));
    if (!*known) return {};
    auto item = **known;
    item.withdrawn = true;
    item.version = v;
    return repo_.put_item(item);
  }
  const auto* body = d.if_contains("item");
  if (!body || !body->is_object()) return fail(unusable(e, "item is required"));
  const auto& o = body->get_object();
  CatalogItem item;
  item.code = code;
  item.version = v;
  if (const auto* x = o.if_contains("cross_city_eligible"); x && x->is_bool()) {
    item.cross_city_eligible = x->get_bool();
  }
  if (const auto* x = o.if_contains("min_assurance_level"); x && x->is_number()) {
    item.min_assurance_level = static_cast<int>(x->to_number<std::int64_t>());
  }
  if (const auto* m = o.if_contains("materials"); m && m->is_array()) {
    for (const auto& mat : m->get_array()) {
      if (!mat.is_object()) continue;
      item.materials.emplace_back(json_string(mat.get_object(), "name_zh"),
                                  json_string(mat.get_object(), "e_licence_type"));
    }
  }
  return repo_.put_item(item);
}

void Delegation::add_background_work() {
  svc_.on_start([this] {
    background_ = std::jthread([this](std::stop_token stop) {
      bool indexed = false;  // agreements by city: once per store, retried until done
      using SteadyClock = std::chrono::steady_clock;
      auto next_sweep = SteadyClock::now();
      auto next_aging = next_sweep + kCaseCacheAging;
      while (!stop.stop_requested()) {
        if (SteadyClock::now() >= next_aging) {
          repo_.age_cached();
          next_aging = SteadyClock::now() + kCaseCacheAging;
        }
        if (SteadyClock::now() < next_sweep) {
          std::unique_lock lock(wake_mu_);
          wake_.wait_until(lock, stop, std::min(next_sweep, next_aging), [] { return false; });
          continue;
        }
        next_sweep = SteadyClock::now() + options_.overdue_interval;
        if (!indexed) {
          if (auto n = repo_.index_agreements_by_city(); !n) {
            log::warn("indexing agreements by city failed", {{"detail", n.error().message}});
          } else {
            indexed = true;
            if (*n > 0) log::info("agreements indexed by city", {{"count", *n}});
          }
        }
        if (auto n = sweep_.run(); !n) {
          log::warn("overdue sweep failed", {{"detail", n.error().message}});
        } else if (*n > 0) {
          log::info("overdue stages recorded", {{"count", *n}});
        }
      }
    });
  });
  svc_.on_shutdown([this] {
    background_.request_stop();
    if (background_.joinable()) background_.join();
  });
}

}  // namespace tongban::delegation

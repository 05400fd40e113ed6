// Case commands: submission at the receiving place, every transition of the state machine
// (a compare-and-set on the case version), and the rating after completion. Each answers
// with the new state, which a read right after sees too: state is written synchronously,
// only the events travel asynchronously.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <span>

#include "delegation.hpp"
#include "domain/submission.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/json.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::delegation {
namespace {

constexpr std::size_t kMaxIdempotencyKey = 128;
const std::string kNoKey;  // a rating takes no Idempotency-Key

Result<std::string> idempotency_key(const http::Request& req, const std::string& subject) {
  const auto* h = req.header("Idempotency-Key");
  if (!h) return std::string();
  if (h->empty() || h->size() > kMaxIdempotencyKey) {
    return fail(
        Error::invalid("Idempotency-Key", "length", "Idempotency-Key must be 1 to 128 characters"));
  }
  return subject + ":" + *h;
}

http::Response replay(const StoredResponse& r) {
  auto res = http::Response::text(r.status, r.body, "application/json");
  res.set_header("Idempotent-Replayed", "true");
  return res;
}

// A refusal of a keyed command may be the retry of one that was written: its first answer
// then stands.
bool may_replay(const std::string& idem, const http::Response& answer) {
  return !idem.empty() && answer.status >= 400 && answer.status < 500;
}

http::Response replayed_or(const Result<std::optional<StoredResponse>>& stored,
                           http::Response answer) {
  if (stored && *stored) return replay(**stored);
  return answer;
}

std::vector<std::string> string_array(const boost::json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array()) {
    for (const auto& s : v->get_array()) {
      if (s.is_string()) out.emplace_back(s.get_string());
    }
  }
  return out;
}

}  // namespace

boost::json::object Delegation::case_view(const CaseRecord& c, const Actor& viewer) const {
  return case_view(to_json(c), c, viewer);
}

boost::json::object Delegation::case_view(boost::json::object o, const CaseRecord& c,
                                          const Actor& viewer) const {
  boost::json::array allowed;
  const CaseParties parties{c.applicant, c.receiving_city, c.accepting_city,
                            handover_place(c.delivery)};
  for (auto a : allowed_actions(c.state, c.rights)) {
    if (authorise(viewer, parties, a).allowed()) allowed.emplace_back(to_string(a));
  }
  o["your_actions"] = std::move(allowed);
  o["node"] = options_.node;
  if (auto d = deadline_of(c, options_.calendar)) {
    o["deadline"] = {{"stage", to_string(d->stage)},
                     {"due", to_rfc3339(d->due)},
                     {"warning", to_string(warning_level(*d, clock_.now(), options_.calendar))}};
  } else {
    o["deadline"] = nullptr;
  }
  return o;
}

void Delegation::add_case_routes() {
  auto& r = svc_.router();

  r.add_async(http::Method::post, "/v1/cases",
              [this](http::Request& req, http::Responder respond) { submit_async(req, respond); });

  for (auto action : all_case_actions()) {
    r.add_async(http::Method::post, "/v1/cases/{id}/" + std::string(to_string(action)),
                [this, action](http::Request& req, http::Responder respond) {
                  transition_async(req, respond, action);
                });
  }
  r.add_async(
      http::Method::post, "/v1/cases/{id}/rating",
      [this](http::Request& req, http::Responder respond) { rate_case_async(req, respond); });
}

// A retry of a command that was written is answered from the stored response by the write
// script itself; only a retry refused before the write (the state moved on, the agreement was
// suspended since) is looked up here: a success costs no extra round trip. Any refusal may be
// replayed: the key is the caller's own, so the answer is one they were given.
http::Response Delegation::replay_if_refused(const std::string& idem, http::Response answer) {
  if (!may_replay(idem, answer)) return answer;
  return replayed_or(repo_.stored_response(idem), std::move(answer));
}

void Delegation::replay_if_refused_async(const std::string& idem, http::Response answer,
                                         const http::Responder& respond) {
  if (!may_replay(idem, answer)) return respond(std::move(answer));
  repo_.async_stored_response(
      idem, [respond, answer = std::move(answer)](Result<std::optional<StoredResponse>> stored) {
        respond(replayed_or(stored, answer));
      });
}

Result<Delegation::Caller> Delegation::caller_of(Result<auth::Principal> who,
                                                 const http::Request& req) {
  if (!who) return fail(std::move(who.error()));
  auto actor = actor_of(*who);
  auto idem = idempotency_key(req, actor.subject);
  if (!idem) return fail(std::move(idem.error()));
  return Caller{std::move(*who), std::move(actor), std::move(*idem)};
}

http::Response Delegation::submit(http::Request& req) {
  paths_.count(Paths::submission, false);
  const auto caller = caller_of(svc_.authenticate(req), req);
  if (!caller) return http::problem(caller.error());
  return write_prepared(prepare_submission(req, *caller, nullptr), caller->idem);
}

// A submission whose token, item, agreement and implementation are cached, and which needs
// no data check, is prepared here on the I/O thread and written without a thread waiting
// for Redis: its answer (or a keyed refusal's replay) is sent from the Redis client's
// thread. Anything else — a cache miss, a datahub check — goes to the worker pool and starts
// again there: nothing was written.
void Delegation::submit_async(http::Request& req, const http::Responder& respond) {
  const auto on_workers = [this](http::Request& r) { return submit(r); };
  auto who = svc_.authenticate_if_cached(req);
  if (!who) return respond.to_workers(on_workers);
  const auto caller = caller_of(std::move(*who), req);
  if (!caller) return respond(http::problem(caller.error()));
  ReferenceCache::CachedOnly cached_only;
  auto prepared = prepare_submission(req, *caller, &cached_only);
  if (cached_only.missed) return respond.to_workers(on_workers);
  paths_.count(Paths::submission, true);
  write_prepared_async(std::move(prepared), caller->idem, respond);
}

// A prepared command: its refusal (or, for a keyed one, the first answer of a written retry),
// else its write and the answer that follows from it.
http::Response Delegation::write_prepared(Prepared prepared, const std::string& idem) {
  if (auto* refused = std::get_if<http::Response>(&prepared)) {
    return replay_if_refused(idem, std::move(*refused));
  }
  auto& s = std::get<CommandWrite>(prepared);
  return answer_write(repo_.write(s.write), s);
}

// The same without a thread waiting: the answer is sent from the Redis client's thread.
void Delegation::write_prepared_async(Prepared prepared, const std::string& idem,
                                      const http::Responder& respond,
                                      std::function<void()> on_stale) {
  if (auto* refused = std::get_if<http::Response>(&prepared)) {
    return replay_if_refused_async(idem, std::move(*refused), respond);
  }
  auto s = std::make_shared<CommandWrite>(std::get<CommandWrite>(std::move(prepared)));
  repo_.async_write(
      s->write, [this, s, respond, on_stale = std::move(on_stale)](Result<WriteResult> written) {
        if (on_stale && written && written->outcome == WriteOutcome::stale) return on_stale();
        respond(answer_write(std::move(written), *s));
      });
}

// What a command's client is told once its write is answered: the answer prepared with it,
// the first answer again for a repeated key, or the version conflict of a lost race.
http::Response Delegation::answer_write(Result<WriteResult> written, CommandWrite& s) {
  if (!written) return http::problem(written.error());
  switch (written->outcome) {
    case WriteOutcome::replayed:
      return replay(written->replay);
    case WriteOutcome::stale:
      return http::problem(Error{Errc::conflict,
                                 "someone else changed the case first (now version " +
                                     std::to_string(written->stored_version) + "); read it again",
                                 "version", "version_conflict", true});
    default:
      break;
  }
  auto res = http::Response::text(s.write.response.status, std::move(s.answer), "application/json");
  if (s.write.mode == WriteMode::create)
    res.set_header("Location", "/v1/cases/" + s.write.record.id);
  return res;
}

Delegation::Prepared Delegation::prepare_submission(http::Request& req, const Caller& caller,
                                                    ReferenceCache::CachedOnly* cached_only) {
  const auto& [who, actor, idem] = caller;
  auto body = http::json_body(req);
  if (!body) return http::problem(body.error());
  const json::Reader reader(*body);
  auto item_code = reader.string("item_code", 1, 32);
  if (!item_code) return http::problem(item_code.error());

  // The applicant: the caller, or (at the window) the person a clerk names. A clerk has
  // checked the applicant's ID in person, which is assurance level 3.
  Applicant applicant;
  std::string kind = "citizen";
  std::string receiving_city;
  if (actor.kind == ActorKind::citizen || actor.kind == ActorKind::enterprise) {
    applicant = Applicant{actor.subject, actor.city, who->assurance_level};
    kind = std::string(to_string(actor.kind));
    auto rc = reader.string("receiving_city", 6, 6);
    if (!rc) return http::problem(rc.error());
    receiving_city = *rc;
  } else {
    const auto* a = body->if_contains("applicant");
    if (!a || !a->is_object()) {
      return http::problem(Error::invalid("applicant", "required",
                                          "staff submit on behalf of an applicant: applicant "
                                          "{subject, registration_city} is required"));
    }
    const json::Reader ar(a->get_object(), "applicant");
    auto subject = ar.string("subject", 1, 64);
    if (!subject) return http::problem(subject.error());
    auto city = ar.string("registration_city", 6, 6);
    if (!city) return http::problem(city.error());
    applicant = Applicant{*subject, *city, 3};
    receiving_city = actor.city;
  }
  const CaseParties parties{applicant.subject, receiving_city, applicant.registration_city};
  if (auto ok = check(actor, parties, Operation::submit); !ok) return http::problem(ok.error());
  if (!serves(receiving_city)) {
    return http::problem(
        Error{Errc::conflict,
              "this node does not serve city " + receiving_city + "; submit at the node that does",
              "receiving_city", "wrong_node", false});
  }
  auto item = reference_.item(*item_code, cached_only);
  if (!item) return http::problem(item.error());
  if (!*item || (*item)->withdrawn) {
    return http::problem(Error::invalid(
        "item_code", "unknown_item",
        "no published item " + *item_code + " (as the catalog's events told this node)"));
  }
  SubmissionRequest sr;
  sr.applicant = applicant;
  sr.receiving_city = receiving_city;
  sr.item.code = (*item)->code;
  sr.item.cross_city_eligible = (*item)->cross_city_eligible;
  sr.item.min_assurance_level = (*item)->min_assurance_level;
  for (const auto& [name, type] : (*item)->materials) {
    sr.item.materials.push_back(
        {name, type.empty() ? std::nullopt : std::optional<std::string>(type)});
  }
  sr.materials_provided = string_array(*body, "materials");
  if (const auto* d = body->if_contains("delivery"); d && d->is_string()) {
    sr.delivery = parse_result_delivery(d->get_string());
    if (!sr.delivery) {
      return http::problem(Error::invalid(
          "delivery", "enum", "delivery must be mail, window_at_receiving_place or online"));
    }
  }
  // Which materials the applicant holds as e-licences: asked of datahub with the
  // caller's own token — only when a material not brought could be one, since the check
  // reads the applicant's data (and costs a call). Datahub down: nothing is exempted, and
  // the case says so.
  std::string materials_check = "not_needed";
  const bool licence_could_help =
      std::any_of(sr.item.materials.begin(), sr.item.materials.end(), [&](const auto& m) {
        return m.e_licence_type &&
               std::find(sr.materials_provided.begin(), sr.materials_provided.end(), m.name) ==
                   sr.materials_provided.end();
      });
  if (licence_could_help && cached_only) {
    cached_only->missed = true;  // a call to datahub: not on the I/O thread
    return http::Response{};
  }
  if (licence_could_help) {
    const auto* auth_header = req.header("Authorization");
    auto held = peers_.get(options_.datahub_url + "/v1/materials-check?item=" + *item_code +
                               "&subject=" + applicant.subject,
                           {{"Authorization", auth_header ? *auth_header : ""}});
    auto check_doc = held && held->status == 200
                         ? json::parse_object(held->body)
                         : Result<boost::json::object>(fail(Error::unavailable("")));
    if (check_doc) {
      materials_check = "datahub";
      if (const auto* mats = check_doc->if_contains("materials"); mats && mats->is_array()) {
        for (const auto& m : mats->get_array()) {
          const auto* h = m.is_object() ? m.get_object().if_contains("held") : nullptr;
          const auto* t = m.is_object() ? m.get_object().if_contains("e_licence_type") : nullptr;
          if (h && h->is_bool() && h->get_bool() && t && t->is_string()) {
            sr.e_licences_held.emplace_back(t->get_string());
          }
        }
      }
    } else {
      materials_check = "unavailable";
      log::warn("materials check unavailable; no exemptions",
                {{"item", *item_code}, {"status", held ? held->status : 0}});
    }
  }
  auto pair =
      reference_.agreement_of_pair(receiving_city, applicant.registration_city, cached_only);
  if (!pair) return http::problem(pair.error());
  std::span<const Agreement> agreements;
  if (*pair) agreements = {pair->get(), 1};
  const auto now = clock_.now();
  auto admitted = check_submission(sr, agreements, now);
  if (!admitted && admitted.error().rule == "materials_missing" &&
      materials_check == "unavailable") {
    // Say why nothing was exempted: bring the material, or try again once datahub answers.
    return http::problem(admitted.error(), {{"materials_check", materials_check}});
  }
  if (!admitted) return http::problem(admitted.error());
  auto decide_limit = reference_.implementation(*item_code, admitted->accepting_city, cached_only);
  if (!decide_limit) return http::problem(decide_limit.error());

  CaseRecord c;
  c.id = ids::uuid_v7();
  c.version = 1;
  c.state = CaseState::submitted;
  c.holder = Holder::receiving;
  c.applicant = applicant.subject;
  c.applicant_kind = kind;
  c.registration_city = applicant.registration_city;
  c.assurance_level = applicant.assurance_level;
  c.receiving_city = receiving_city;
  c.accepting_city = admitted->accepting_city;
  c.item_code = *item_code;
  c.item_version = (*item)->version;
  c.agreement_id = admitted->agreement_id;
  c.agreement_version = admitted->agreement_version;
  c.rights = admitted->rights;
  c.delivery = admitted->delivery;
  c.accept_limit_days = admitted->accept_limit_days;
  // The accepting city's promised limit; without one known, the default of 20 working days.
  c.decide_limit_days = decide_limit->value_or(20);
  c.materials_provided = sr.materials_provided;
  c.exempted = admitted->exempted;
  c.materials_check = materials_check;
  c.submitted_by = actor.subject;
  c.submitted_at = c.updated_at = c.stage_started_at = now;
  TimelineEntry entry{1,          "submit",        "", "SUBMITTED", actor.subject,
                      actor.city, who->department, "", now,         options_.node};
  // The case document is built once: stored, carried by the event, and answered.
  auto doc = to_json(c);
  CaseWrite w;
  w.mode = WriteMode::create;
  w.record = c;
  w.record_json = boost::json::serialize(doc);
  w.timeline = {entry};
  w.event = case_event("submitted", c, doc, entry, {}, req.trace.header(), clock_);
  auto answer = boost::json::serialize(case_view(std::move(doc), c, actor));
  w.idempotency_key = idem;
  w.response = StoredResponse{201, answer};
  return CommandWrite{std::move(w), std::move(answer)};
}

http::Response Delegation::transition(http::Request& req, CaseAction action) {
  paths_.count(Paths::transition, false);
  const auto caller = caller_of(svc_.authenticate(req), req);
  if (!caller) return http::problem(caller.error());
  auto loaded = repo_.load(std::string(req.param("id")));
  if (!loaded) return http::problem(loaded.error());
  if (!*loaded) {
    return replay_if_refused(caller->idem, http::problem(Error::not_found("case not found")));
  }
  return write_prepared(prepare_transition(req, *caller, action, **loaded, nullptr, nullptr),
                        caller->idem);
}

// As a submission: with the token cached, the case (and for a forward its timeline) is read
// and written asynchronously and the command prepared in between on the Redis client's
// thread (nothing there waits). The case is this node's cached copy when it has one.
void Delegation::transition_async(http::Request& req, const http::Responder& respond,
                                  CaseAction action) {
  auto who = svc_.authenticate_if_cached(req);
  if (!who) return respond.to_workers(transition_on_workers(action));
  auto caller = caller_of(std::move(*who), req);
  if (!caller) return respond(http::problem(caller.error()));
  auto idem = caller->idem;
  run_command(std::make_shared<PendingCommand>(PendingCommand{
                  .case_id = std::string(req.param("id")),
                  .respond = respond,
                  .idem = std::move(idem),
                  .request = Paths::transition,
                  .reads_timeline = action == CaseAction::forward,
                  .prepare =
                      [this, &req, action, caller = std::move(*caller)](
                          const CaseRecord& c, std::vector<boost::json::object>* timeline,
                          ReferenceCache::CachedOnly* cached_only) {
                        return prepare_transition(req, caller, action, c, timeline, cached_only);
                      },
                  .on_workers = transition_on_workers(action),
                  .counted = false}),
              true);
}

void Delegation::run_command(std::shared_ptr<PendingCommand> p, bool use_cache) {
  if (use_cache) {
    if (auto cached = repo_.cached(p->case_id)) {
      paths_.count(Paths::hit);
      if (!p->reads_timeline) return run_command_on(std::move(p), *cached, true, nullptr);
      return repo_.async_timeline(cached->id,
                                  [this, p, cached](Result<std::vector<boost::json::object>> tl) {
                                    // An error: the workers read it again and say why.
                                    run_command_on(p, *cached, true, tl ? &*tl : nullptr);
                                  });
    }
  }
  paths_.count(use_cache ? Paths::miss : Paths::reread);
  repo_.async_load(p->case_id, [this, p](Result<std::optional<CaseRecord>> loaded) {
    if (!loaded) return p->respond(http::problem(loaded.error()));
    if (!*loaded) {
      if (!std::exchange(p->counted, true)) paths_.count(p->request, true);
      return replay_if_refused_async(p->idem, http::problem(Error::not_found("case not found")),
                                     p->respond);
    }
    auto c = std::make_shared<const CaseRecord>(std::move(**loaded));
    if (!p->reads_timeline) return run_command_on(p, *c, false, nullptr);
    repo_.async_timeline(c->id, [this, p, c](Result<std::vector<boost::json::object>> tl) {
      run_command_on(p, *c, false, tl ? &*tl : nullptr);
    });
  });
}

void Delegation::run_command_on(std::shared_ptr<PendingCommand> p, const CaseRecord& c,
                                bool from_cache, std::vector<boost::json::object>* timeline) {
  ReferenceCache::CachedOnly cached_only;
  auto prepared = p->prepare(c, timeline, &cached_only);
  if (cached_only.missed) return p->respond.to_workers(p->on_workers);
  if (!std::exchange(p->counted, true)) paths_.count(p->request, true);
  if (from_cache && std::holds_alternative<http::Response>(prepared)) {
    // Refused on the cached copy: another replica may have moved the case since.
    repo_.forget_cached(p->case_id);
    return run_command(std::move(p), false);
  }
  std::function<void()> on_stale;
  if (from_cache) {
    on_stale = [this, p] {
      repo_.forget_cached(p->case_id);
      run_command(p, false);
    };
  }
  write_prepared_async(std::move(prepared), p->idem, p->respond, std::move(on_stale));
}

http::Handler Delegation::transition_on_workers(CaseAction action) {
  return [this, action](http::Request& r) { return transition(r, action); };
}

Delegation::Prepared Delegation::prepare_transition(http::Request& req, const Caller& caller,
                                                    CaseAction action, const CaseRecord& c,
                                                    std::vector<boost::json::object>* timeline,
                                                    ReferenceCache::CachedOnly* cached_only) {
  const auto& [who, actor, idem] = caller;
  const CaseParties parties{c.applicant, c.receiving_city, c.accepting_city,
                            handover_place(c.delivery)};
  if (auto d = authorise(actor, parties, action); !d.allowed()) return http::problem(d.error());
  auto body =
      req.body.empty() ? Result<boost::json::object>(boost::json::object{}) : http::json_body(req);
  if (!body) return http::problem(body.error());
  const json::Reader reader(*body);
  auto reason = reader.optional_string("reason", 8000);
  if (!reason) return http::problem(reason.error());
  auto version = reader.optional_integer("version", 1, 1'000'000);
  if (!version) return http::problem(version.error());

  // The state machine first: an illegal action is 409 with the allowed ones, wherever the
  // case is held.
  auto to = next_state(c.state, action, c.rights);
  if (!to) {
    boost::json::array allowed;
    for (auto a : allowed_actions(c.state, c.rights)) allowed.emplace_back(to_string(a));
    return http::problem(to.error(),
                         {{"allowed", std::move(allowed)}, {"state", to_string(c.state)}});
  }
  // Then where it may be written: the side that holds it for this state.
  const Holder owner = writer_of(c.state);
  if (c.holder != owner) {
    if (c.holder == Holder::forwarded && serves(c.accepting_city)) {
      return http::problem(Error{Errc::conflict,
                                 "the hand-off to the accepting place is in flight; retry", "",
                                 "handover_pending", true});
    }
    return http::problem(
        Error{Errc::conflict,
              "this node holds a read-only copy; the " +
                  std::string(owner == Holder::receiving ? "receiving" : "accepting") +
                  " place's node writes this case",
              "", "wrong_node", false});
  }
  if (*version && **version != c.version) {
    return http::problem(Error{Errc::conflict,
                               "the case is at version " + std::to_string(c.version) + ", not " +
                                   std::to_string(**version),
                               "version", "version_mismatch", true});
  }
  if (auto ok = check_reason(action, reason->value_or("")); !ok) return http::problem(ok.error());
  if (action == CaseAction::forward && !timeline && cached_only) {
    cached_only->missed = true;  // it reads the timeline: not on an I/O thread
    return http::Response{};
  }

  const auto now = clock_.now();
  CaseRecord next = c;
  next.version = c.version + 1;
  next.state = *to;
  next.updated_at = now;
  // A stage's clock starts when the case enters it (the forward stage: at each RECEIVED);
  // moving within a stage (RECEIVED → PRE_EXAMINED) keeps it running.
  const auto stage_before = stage_of(c.state), stage_after = stage_of(*to);
  if (!(stage_after && stage_before == stage_after && *to != CaseState::received)) {
    next.stage_started_at = now;
  }
  if (action == CaseAction::forward) next.holder = Holder::forwarded;
  boost::json::object extra;
  if (action == CaseAction::approve) {
    // What datahub issues as the applicant's e-licence; by default one derived from the item.
    if (const auto* result = body->if_contains("result"); result && result->is_object()) {
      next.result = result->get_object();
    }
    extra["result"] = next.result;
  }
  TimelineEntry entry{next.version,
                      std::string(to_string(action)),
                      std::string(to_string(c.state)),
                      std::string(to_string(*to)),
                      actor.subject,
                      actor.city,
                      who->department,
                      reason->value_or(""),
                      now,
                      options_.node};
  if (action == CaseAction::forward) {
    // The accepting place builds its copy from this event alone: it carries the timeline.
    std::vector<boost::json::object> read;
    if (!timeline) {
      auto tl = repo_.timeline(c.id);
      if (!tl) return http::problem(tl.error());
      read = std::move(*tl);
      timeline = &read;
    }
    boost::json::array all;
    for (auto& t : *timeline) all.push_back(std::move(t));
    all.push_back(to_json(entry));
    extra["timeline"] = std::move(all);
  }
  auto w = CaseWrite::transition(c, next, entry);
  // The stage clock runs at the side that holds the stage: the accepting side starts its own
  // when it takes the case over.
  if (action != CaseAction::forward) {
    if (auto d = deadline_of(next, options_.calendar)) {
      w.deadline = std::pair{std::string(to_string(d->stage)), d->due};
    }
  }
  auto doc = to_json(next);
  w.record_json = boost::json::serialize(doc);
  w.event = case_event(lower(to_string(*to)), next, doc, entry, std::move(extra),
                       req.trace.header(), clock_);
  auto answer = boost::json::serialize(case_view(std::move(doc), next, actor));
  w.idempotency_key = idem;
  w.response = StoredResponse{200, answer};
  return CommandWrite{std::move(w), std::move(answer)};
}

http::Response Delegation::rate_case(http::Request& req) {
  paths_.count(Paths::rating, false);
  auto who = svc_.authenticate(req);
  if (!who) return http::problem(who.error());
  auto loaded = repo_.load(std::string(req.param("id")));
  if (!loaded) return http::problem(loaded.error());
  if (!*loaded) return http::problem(Error::not_found("case not found"));
  return write_prepared(prepare_rating(req, actor_of(*who), **loaded), kNoKey);
}

// As a transition: with the token cached, the case is read (or found in the cache) and the
// rating written asynchronously, and the rating prepared in between on the Redis client's
// thread.
void Delegation::rate_case_async(http::Request& req, const http::Responder& respond) {
  auto who = svc_.authenticate_if_cached(req);
  if (!who) return respond.to_workers([this](http::Request& r) { return rate_case(r); });
  if (!*who) return respond(http::problem(who->error()));
  run_command(
      std::make_shared<PendingCommand>(PendingCommand{
          .case_id = std::string(req.param("id")),
          .respond = respond,
          .idem = kNoKey,
          .request = Paths::rating,
          .reads_timeline = false,
          .prepare = [this, &req, actor = actor_of(**who)](
                         const CaseRecord& c, std::vector<boost::json::object>*,
                         ReferenceCache::CachedOnly*) { return prepare_rating(req, actor, c); },
          .on_workers = [this](http::Request& r) { return rate_case(r); },
          .counted = false}),
      true);
}

// A rating up to its write; reads nothing.
Delegation::Prepared Delegation::prepare_rating(http::Request& req, const Actor& actor,
                                                const CaseRecord& c) {
  const CaseParties parties{c.applicant, c.receiving_city, c.accepting_city,
                            handover_place(c.delivery)};
  auto body = http::json_body(req);
  if (!body) return http::problem(body.error());
  auto request = read_rating(*body);
  if (!request) return http::problem(request.error());
  const auto now = clock_.now();
  auto rating = rate(actor, parties, c.state, c.rating.has_value(), *request, now);
  if (!rating) return http::problem(rating.error());
  if (c.holder != writer_of(c.state)) {
    return http::problem(Error{Errc::conflict, "rate the case at the accepting place's node", "",
                               "wrong_node", false});
  }
  CaseRecord next = c;
  next.version = c.version + 1;
  next.updated_at = now;
  next.rating = *rating;
  const std::string state(to_string(c.state));
  TimelineEntry entry{next.version,  "rate",       state, state,
                      actor.subject, actor.city,   "",    std::string(to_string(rating->grade)),
                      now,           options_.node};
  auto w = CaseWrite::transition(c, next, entry);
  w.event = case_event("rated", next, to_json(next), entry, {{"rating", to_json(*rating)}},
                       req.trace.header(), clock_);
  auto answer = boost::json::serialize(case_view(next, actor));
  w.response = StoredResponse{200, answer};
  return CommandWrite{std::move(w), std::move(answer)};
}

}  // namespace tongban::delegation

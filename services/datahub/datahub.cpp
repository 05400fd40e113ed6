#include "datahub.hpp"

#include <prometheus/registry.h>

#include <boost/json/serialize.hpp>

#include "tongban/bus/envelope.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"

namespace tongban::datahub {
namespace {

std::string json_string(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A consumed event we cannot use is not retryable: to the DLQ with the reason.
Error unusable(const bus::Envelope& e, std::string why) {
  Error err = Error::invalid("data", "unusable_event", e.type + " " + e.id + ": " + why);
  err.retryable = false;
  return err;
}

}  // namespace

Datahub::Datahub(service::Service& svc, CheckpointSigner signer, DatahubOptions options,
                 const Clock& clock)
    : svc_(svc),
      clock_(clock),
      options_(options),
      repo_(svc.redis()),
      audit_(svc.redis(), std::move(signer)),
      calls_(prometheus::BuildCounter()
                 .Name("tongban_datahub_calls_total")
                 .Help("Data-sharing calls by resource, consumer department and decision")
                 .Register(svc.metrics().prom())),
      grant_changes_(prometheus::BuildCounter()
                         .Name("tongban_datahub_grant_changes_total")
                         .Help("Sharing grant changes by action (requested, approved, ...)")
                         .Register(svc.metrics().prom())),
      licences_issued_(prometheus::BuildCounter()
                           .Name("tongban_datahub_licences_issued_total")
                           .Help("E-licences issued, by source (api, case)")
                           .Register(svc.metrics().prom())) {}

Datahub::~Datahub() = default;

void Datahub::add_routes() {
  add_directory_routes();
  add_grant_routes();
  add_call_routes();
  add_licence_routes();
  add_audit_routes();
}

store::OutboxMessage Datahub::event(std::string_view topic, std::string_view type,
                                    const std::string& key, boost::json::object data,
                                    const std::string& traceparent) const {
  auto e = bus::Envelope::make("/tongban/datahub", std::string(type), key, std::move(data), clock_);
  return store::OutboxMessage{std::string(topic), key, bus::encode(e), traceparent};
}

store::OutboxMessage Datahub::grant_event(const Grant& g, std::string_view action,
                                          const std::string& actor,
                                          const std::string& traceparent) const {
  auto data = to_json(g);
  data["actor"] = actor;
  return event(kDirectoryTopic, "tongban.datahub.grant_" + std::string(action) + ".v1", g.id,
               std::move(data), traceparent);
}

void Datahub::count_grant_change(std::string_view action) {
  grant_changes_.Add({{"action", std::string(action)}}).Increment();
}

Result<AuditEntry> Datahub::audit(AuditEntry e, const std::string& owner_city,
                                  const std::string& owner_department,
                                  const std::string& traceparent) {
  auto stored =
      audit_.append(std::move(e), [&](const AuditEntry& linked, const std::string& chain) {
        return event(kCallsTopic, "tongban.datahub.data_called.v1", linked.resource,
                     {{"chain", chain},
                      {"seq", linked.seq},
                      {"resource", linked.resource},
                      {"owner_city", owner_city},
                      {"owner_department", owner_department},
                      {"consumer_city", linked.caller_city},
                      {"consumer_department", linked.caller_department},
                      {"caller", linked.caller},
                      {"purpose", linked.purpose},
                      {"decision", to_string(linked.decision)},
                      {"reason", linked.reason},
                      {"fields", linked.fields.size()},
                      {"at", to_rfc3339(linked.time)}},
                     traceparent);
      });
  if (!stored) return stored;
  calls_
      .Add({{"resource", stored->resource},
            {"consumer_city", stored->caller_city},
            {"consumer_department", stored->caller_department},
            {"decision", std::string(to_string(stored->decision))}})
      .Increment();
  return stored;
}

bool Datahub::city_handles_case(std::string_view case_id, std::string_view city) {
  auto places = repo_.case_places(std::string(case_id));
  if (!places || !*places) return false;  // unknown (or unreadable): not handled, refused
  return (*places)->receiving_city == city || (*places)->accepting_city == city;
}

void Datahub::add_consumers() {
  bus::ConsumerOptions cases;
  cases.group_id = options_.group + ".cases";
  cases.topics = {std::string(kCasesTopic)};
  // A case's places are set at submission and never change, and only an approval issues an
  // e-licence: the other seven steps of a life cycle pass without a round trip. Both writes
  // are idempotent (the places' HSET, one licence per case), so no dedupe either.
  // Judged on the raw bytes, before anything is decoded.
  cases.passes_by = [](const bus::EnvelopeHead& h) {
    return h.type.starts_with("tongban.delegation.case_") &&
           h.type != "tongban.delegation.case_submitted.v1" &&
           h.type != "tongban.delegation.case_approved.v1";
  };
  cases.dedupe = false;
  // Places and licences are not waited on event by event: fewer, fuller fetches, and the
  // places of a fetch's cases and the licences of its approvals written in a round trip each.
  cases.gather = bus::kGatherDefault;
  cases.flush = [this] { return flush_case_batch(); };
  cases.discard = [this] {
    pending_places_.clear();
    pending_licences_.clear();
  };
  svc_.consume(cases, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_case_event(e);
  });
  bus::ConsumerOptions items;
  items.group_id = options_.group + ".catalog";
  items.topics = {std::string(kCatalogTopic)};
  svc_.consume(items, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_catalog_event(e);
  });
}

Result<void> Datahub::on_case_event(const bus::Envelope& e) {
  // Other event types on the topic (added later within v1) are not this consumer's business.
  if (!e.type.starts_with("tongban.delegation.case_")) return {};
  if (!e.data.is_object()) return fail(unusable(e, "data is not an object"));
  const auto& d = e.data.get_object();
  const auto case_id = json_string(d, "case_id");
  CasePlaces places{json_string(d, "receiving_city"), json_string(d, "accepting_city"),
                    json_string(d, "applicant")};
  if (case_id.empty() || places.receiving_city.empty() || places.accepting_city.empty()) {
    return fail(unusable(e, "case_id, receiving_city and accepting_city are required"));
  }
  if (e.type != "tongban.delegation.case_approved.v1") {
    pending_places_.emplace_back(case_id, std::move(places));
    return {};
  }

  // An approved case issues its result as an e-licence for the applicant, once.
  if (places.applicant.empty()) return fail(unusable(e, "an approved case needs its applicant"));
  pending_places_.emplace_back(case_id, places);
  const auto item_code = json_string(d, "item_code");
  boost::json::object result;
  if (const auto* r = d.if_contains("result"); r && r->is_object()) result = r->get_object();
  std::string department;
  if (const auto* a = d.if_contains("actor"); a && a->is_object()) {
    department = json_string(a->get_object(), "department");
  }
  ELicence l;
  l.id = ids::uuid_v7();
  l.subject = places.applicant;
  l.type = result_licence_type(json_string(result, "licence_type"), item_code);
  l.title = json_string(result, "title");
  if (l.title.empty()) l.title = "Approval of " + (item_code.empty() ? case_id : item_code);
  l.number = "CASE-" + case_id;
  l.issuer = Department{places.accepting_city, department.empty() ? "accepting-place" : department};
  l.issued_at = e.time;
  if (auto until = json_string(result, "valid_until"); !until.empty()) {
    Clock::time_point t;
    if (parse_rfc3339(until, t)) l.valid_until = t;
  }
  l.case_id = case_id;
  l.item_code = item_code;
  auto issued =
      event(kLicencesTopic, "tongban.datahub.licence_issued.v1", l.subject, to_json(l), {});
  pending_licences_.emplace_back(std::move(l), std::move(issued));
  return {};
}

// The places first, then the licences of the approvals: each kind in one round trip. Kept
// through a failed flush (called again with them): the places' HSET writes the same values
// again, and a licence issued before the failure answers its own id again (one per case), so
// it is counted then. A batch given up comes again from the broker (ConsumerOptions::discard).
Result<void> Datahub::flush_case_batch() {
  if (!pending_places_.empty()) {
    if (auto ok = repo_.record_cases(pending_places_); !ok) return ok;
    pending_places_.clear();
  }
  if (pending_licences_.empty()) return {};
  auto ids = repo_.issue_licences(pending_licences_);
  if (!ids) return fail(std::move(ids.error()));
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const ELicence& l = pending_licences_[i].first;
    if ((*ids)[i] != l.id) continue;  // the case had its licence already
    licences_issued_.Add({{"source", "case"}}).Increment();
    log::info("e-licence issued for approved case",
              {{"case_id", l.case_id}, {"licence_id", l.id}, {"type", l.type}});
  }
  pending_licences_.clear();
  return {};
}

Result<void> Datahub::on_catalog_event(const bus::Envelope& e) {
  const bool published = e.type == "tongban.catalog.item_published.v1";
  const bool withdrawn = e.type == "tongban.catalog.item_withdrawn.v1";
  if (!published && !withdrawn) return {};  // implementations: not needed here
  if (!e.data.is_object()) return fail(unusable(e, "data is not an object"));
  const auto& d = e.data.get_object();
  const auto code = json_string(d, "code");
  const auto* version = d.if_contains("version");
  if (code.empty() || !version || !version->is_number()) {
    return fail(unusable(e, "code and version are required"));
  }
  ItemMaterials item;
  item.code = code;
  item.version = static_cast<std::uint32_t>(version->to_number<std::int64_t>());
  if (withdrawn) {
    auto known = repo_.item(code);
    if (!known) return fail(std::move(known.error()));
    if (!*known) return {};
    item.materials = (*known)->materials;
    item.withdrawn = true;
    return repo_.put_item(item);
  }
  const auto* body = d.if_contains("item");
  const auto* materials =
      body && body->is_object() ? body->get_object().if_contains("materials") : nullptr;
  if (!materials || !materials->is_array()) return fail(unusable(e, "item.materials is required"));
  for (const auto& m : materials->get_array()) {
    if (!m.is_object()) return fail(unusable(e, "a material is not an object"));
    const auto& mo = m.get_object();
    item.materials.push_back({json_string(mo, "name_zh"), json_string(mo, "name_en"),
                              json_string(mo, "form"), json_string(mo, "e_licence_type")});
  }
  return repo_.put_item(item);
}

Result<int> Datahub::expire_due_grants() {
  const auto now = clock_.now();
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  auto due = repo_.due_expiries(now_ms, 500);
  if (!due) return fail(std::move(due.error()));
  int expired = 0;
  for (const auto& id : *due) {
    auto g = repo_.grant(id);
    if (!g) return fail(std::move(g.error()));
    if (!*g) continue;
    auto next = apply(**g, GrantAction::expire, Department{}, now);
    if (!next) continue;  // not approved any more, or not yet due
    auto ok = repo_.update_grant(*next, GrantStatus::approved,
                                 grant_event(*next, "expired", "system", {}));
    if (!ok) return fail(std::move(ok.error()));
    if (*ok) {
      count_grant_change("expired");
      ++expired;
    }
  }
  return expired;
}

void Datahub::add_background_work() {
  svc_.on_start([this] {
    background_ = std::jthread([this](std::stop_token stop) {
      auto next_sweep = std::chrono::steady_clock::now();
      auto next_checkpoint = next_sweep + options_.checkpoint_interval;
      while (!stop.stop_requested()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_sweep) {
          if (auto n = expire_due_grants(); !n) {
            log::warn("grant expiry sweep failed", {{"detail", n.error().message}});
          } else if (*n > 0) {
            log::info("grants expired", {{"count", *n}});
          }
          next_sweep = now + options_.sweep_interval;
        }
        if (now >= next_checkpoint) {
          if (auto cp = audit_.checkpoint(clock_.now()); !cp) {
            log::warn("audit checkpoint failed", {{"detail", cp.error().message}});
          } else if (*cp) {
            log::info("audit checkpoint signed", {{"seq", (*cp)->seq}});
          }
          next_checkpoint = now + options_.checkpoint_interval;
        }
        std::unique_lock lock(wake_mu_);
        wake_.wait_until(lock, stop, std::min(next_sweep, next_checkpoint), [] { return false; });
      }
    });
  });
  svc_.on_shutdown([this] {
    background_.request_stop();
    if (background_.joinable()) background_.join();
  });
}

Result<Department> department_of(const auth::Principal& who) {
  if (who->city.empty() || who->department.empty()) {
    return fail(Error{Errc::forbidden,
                      "only staff or service accounts of a city department may do this", "",
                      "department_required", false});
  }
  return Department{who->city, who->department};
}

Result<long long> query_integer(const http::Request& req, std::string_view name, long long def,
                                long long min, long long max) {
  auto text = req.query_param(name);
  if (!text) return def;
  char* end = nullptr;
  const long long v = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || v < min || v > max) {
    return fail(Error::invalid(std::string(name), "range",
                               std::string(name) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max)));
  }
  return v;
}

}  // namespace tongban::datahub

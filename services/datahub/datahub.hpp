// The datahub service (数据中台): what its handlers, consumers and background work share.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <condition_variable>
#include <string>
#include <thread>

#include "repo/audit_log.hpp"
#include "repo/datahub_repo.hpp"
#include "tongban/http/message.hpp"
#include "tongban/service/service.hpp"

namespace tongban::datahub {

// Built-in name under which materials checks (reads of a subject's e-licences) are audited.
inline constexpr std::string_view kLicencesResource = "datahub.e-licences";

struct DatahubOptions {
  std::chrono::milliseconds sweep_interval{10000};       // grant expiry sweep
  std::chrono::milliseconds checkpoint_interval{60000};  // signed audit checkpoints
  std::string group = "datahub";                         // consumer groups <group>.cases, ...
};

class Datahub {
 public:
  Datahub(service::Service& svc, CheckpointSigner signer, DatahubOptions options,
          const Clock& clock = Clock::system());
  ~Datahub();

  void add_routes();
  // Delegation's case events (which cities handle a case; approved cases' e-licences) and
  // the catalog's items (their materials, for the materials check).
  void add_consumers();
  // Grant expiry and checkpoints, every interval, from start to shutdown.
  void add_background_work();

  // Records the expiry of approved grants past their time; returns how many.
  Result<int> expire_due_grants();

 private:
  void add_directory_routes();
  void add_grant_routes();
  void add_call_routes();
  void add_licence_routes();
  void add_audit_routes();

  Result<void> on_case_event(const bus::Envelope& e);
  Result<void> flush_case_batch();
  Result<void> on_catalog_event(const bus::Envelope& e);

  store::OutboxMessage event(std::string_view topic, std::string_view type, const std::string& key,
                             boost::json::object data, const std::string& traceparent) const;
  // The event of a grant status change (`action` in the past tense: approved, ...), and its
  // counter, bumped once the change is stored.
  store::OutboxMessage grant_event(const Grant& g, std::string_view action,
                                   const std::string& actor, const std::string& traceparent) const;
  void count_grant_change(std::string_view action);
  // Appends the entry, counts the call, and emits the call event.
  Result<AuditEntry> audit(AuditEntry e, const std::string& owner_city,
                           const std::string& owner_department, const std::string& traceparent);
  bool city_handles_case(std::string_view case_id, std::string_view city);

  service::Service& svc_;
  const Clock& clock_;
  DatahubOptions options_;
  DatahubRepo repo_;
  // What the cases consumer read since its last flush (its thread only): the places of the
  // submissions and approvals, and the licences of the approvals.
  std::vector<DatahubRepo::CaseWithPlaces> pending_places_;
  std::vector<DatahubRepo::LicenceWithEvent> pending_licences_;
  AuditLog audit_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Counter>& grant_changes_;
  prometheus::Family<prometheus::Counter>& licences_issued_;
  std::mutex wake_mu_;
  std::condition_variable_any wake_;
  std::jthread background_;
};

// The caller's department (city + dept claims), or forbidden `department_required`.
Result<Department> department_of(const auth::Principal& who);
// Query integer in [min, max] with a default, or a problem naming it.
Result<long long> query_integer(const http::Request& req, std::string_view name, long long def,
                                long long min, long long max);

}  // namespace tongban::datahub

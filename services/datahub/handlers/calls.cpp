// Data calls through the hub, each one audited allowed or denied: reading a subject's
// record (grant + purpose, fields filtered to the grant), the materials check delegation
// asks at submission, and the access log a citizen reads about themselves.
#include <boost/json/array.hpp>

#include "datahub.hpp"
#include "domain/purpose.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::datahub {
namespace {

// "a,b,c" → {"a","b","c"}; empty segments dropped.
std::vector<std::string> split_fields(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

boost::json::array json_strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

bool subject_ok(std::string_view s) { return !s.empty() && s.size() <= 64; }

}  // namespace

void Datahub::add_call_routes() {
  auto& r = svc_.router();

  // A data call. Every outcome after authentication is one audit entry: a denial is
  // appended before its problem is sent, and data leaves only once its entry is stored.
  r.get("/v1/resources/{id}/records/{subject}", [this](http::Request& req) {
    AuditEntry entry;
    entry.requested_at = clock_.now();
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id")), subject(req.param("subject"));
    const auto purpose = req.query_param("purpose").value_or("");
    const auto fields_text = req.query_param("fields").value_or("");
    entry.caller = who->subject();
    entry.caller_city = (*who)->city;
    entry.caller_department = (*who)->department;
    entry.represented_party = subject;
    entry.resource = id;
    entry.fields = split_fields(fields_text);
    entry.purpose = purpose;
    std::string owner_city, owner_department;
    const auto trace = req.trace.header();

    auto deny = [&](const Error& why) {
      const auto now = clock_.now();
      entry.time = now;
      entry.authorised_at = entry.read_at = entry.responded_at = now;
      entry.decision = Decision::denied;
      entry.reason = why.rule.empty() ? "denied" : why.rule;
      auto stored = audit(entry, owner_city, owner_department, trace);
      if (!stored) return http::problem(stored.error());
      return http::problem(why, {{"audit_seq", stored->seq}});
    };

    auto consumer = department_of(*who);
    if (!consumer) return deny(consumer.error());
    if (!who->has_any_role({"clerk", "examiner", "approver", "dept_admin"}) &&
        who->subject_type() != auth::SubjectType::service) {
      return deny(Error{Errc::forbidden, "data calls are made by case-handling staff", "",
                        "role_required", false});
    }
    if (!subject_ok(subject)) {
      return deny(Error::invalid("subject", "length", "subject must be 1 to 64 bytes"));
    }
    auto resource = repo_.resource(id);
    if (!resource) return http::problem(resource.error());
    if (!*resource) {
      return deny(Error{Errc::not_found, "no resource " + id + " in the directory", "resource",
                        "unknown_resource", false});
    }
    owner_city = (*resource)->core.owner.city;
    owner_department = (*resource)->core.owner.department;
    for (std::size_t i = 0; i < entry.fields.size(); ++i) {
      const auto& known = (*resource)->core.fields;
      if (std::find(known.begin(), known.end(), entry.fields[i]) == known.end()) {
        return deny(Error::invalid("fields/" + std::to_string(i), "unknown_field",
                                   "resource " + id + " has no field " + entry.fields[i]));
      }
    }
    auto checked = check_purpose(purpose, entry.caller_city,
                                 [this](std::string_view case_id, std::string_view city) {
                                   return city_handles_case(case_id, city);
                                 });
    if (!checked) return deny(checked.error());
    auto grants = repo_.grants_for(*consumer, id);
    if (!grants) return http::problem(grants.error());
    auto allowed =
        authorise_call(*grants, Call{*consumer, id, entry.fields, purpose}, clock_.now());
    if (!allowed) return deny(allowed.error());
    entry.authorised_at = clock_.now();
    auto record = repo_.record(id, subject);
    if (!record) return http::problem(record.error());
    entry.read_at = clock_.now();
    entry.fields = allowed->fields;
    entry.decision = Decision::allowed;
    entry.reason = allowed->withheld.empty() ? "" : "withheld:" + join(allowed->withheld);
    if (!*record) entry.reason = "no_record";
    entry.responded_at = entry.time = clock_.now();
    auto stored = audit(entry, owner_city, owner_department, trace);
    if (!stored) return http::problem(stored.error());
    if (!*record) {
      return http::problem(Error{Errc::not_found, "no record of " + subject + " in " + id,
                                 "subject", "no_record", false},
                           {{"audit_seq", stored->seq}});
    }
    return http::Response::json(
        200, boost::json::object{{"resource", id},
                                 {"subject", subject},
                                 {"values", filter_record(**record, allowed->fields)},
                                 {"fields", json_strings(allowed->fields)},
                                 {"withheld", json_strings(allowed->withheld)},
                                 {"grant_id", allowed->grant_id},
                                 {"audit_seq", stored->seq}});
  });

  // Which required materials of a base item the subject already holds as e-licences in
  // force. Reading what licences someone holds is a read of their data: audited too.
  r.get("/v1/materials-check", [this](http::Request& req) {
    const auto requested = clock_.now();
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const auto item_code = req.query_param("item").value_or("");
    const auto subject = req.query_param("subject").value_or(who->subject());
    if (item_code.empty()) {
      return http::problem(
          Error::invalid("item", "required", "item (a base item code) is required"));
    }
    if (!subject_ok(subject)) {
      return http::problem(Error::invalid("subject", "length", "subject must be 1 to 64 bytes"));
    }
    const bool self = subject == who->subject();
    const bool staff = who->has_any_role({"clerk", "examiner", "approver"}) ||
                       who->subject_type() == auth::SubjectType::service;
    if (!self && !staff) {
      return http::problem(Error{Errc::forbidden,
                                 "only the subject, case-handling staff or a service checks "
                                 "someone's materials",
                                 "subject", "not_yours", false});
    }
    auto item = repo_.item(item_code);
    if (!item) return http::problem(item.error());
    if (!*item) {
      return http::problem(Error{Errc::not_found,
                                 "item " + item_code + " is not (yet) known from the catalog",
                                 "item", "unknown_item", false});
    }
    auto held = repo_.licences_of(subject);
    if (!held) return http::problem(held.error());
    const auto now = clock_.now();
    auto status = check_materials((*item)->materials, *held, now);
    boost::json::array materials;
    std::vector<std::string> licence_types;
    int exempt = 0;
    for (const auto& s : status) {
      materials.push_back(boost::json::object{
          {"index", s.index},
          {"name_zh", s.material->name_zh},
          {"name_en", s.material->name_en},
          {"form", s.material->form},
          {"e_licence_type", s.material->e_licence_type.empty()
                                 ? boost::json::value(nullptr)
                                 : boost::json::value(s.material->e_licence_type)},
          {"held", s.held_licence.has_value()},
          {"licence_id", s.held_licence ? boost::json::value(*s.held_licence) : nullptr}});
      if (s.held_licence) {
        ++exempt;
        licence_types.push_back(s.material->e_licence_type);
      }
    }
    AuditEntry entry;
    entry.caller = who->subject();
    entry.caller_city = (*who)->city;
    entry.caller_department = (*who)->department;
    entry.represented_party = subject;
    entry.resource = std::string(kLicencesResource);
    entry.fields = licence_types;
    entry.purpose = "materials_check:" + item_code;
    entry.decision = Decision::allowed;
    entry.requested_at = requested;
    entry.authorised_at = entry.read_at = now;
    entry.responded_at = entry.time = clock_.now();
    auto stored = audit(entry, "", "datahub", req.trace.header());
    if (!stored) return http::problem(stored.error());
    return http::Response::json(200, boost::json::object{{"item", item_code},
                                                         {"item_version", (*item)->version},
                                                         {"item_withdrawn", (*item)->withdrawn},
                                                         {"subject", subject},
                                                         {"materials", std::move(materials)},
                                                         {"held", exempt},
                                                         {"required", status.size()},
                                                         {"audit_seq", stored->seq}});
  });

  auto access_log = [this](http::Request& req, const std::string& subject) {
    auto offset = query_integer(req, "offset", 0, 0, 1'000'000'000);
    if (!offset) return http::problem(offset.error());
    auto limit = query_integer(req, "limit", 50, 1, 500);
    if (!limit) return http::problem(limit.error());
    auto page = audit_.access_log(subject, static_cast<std::size_t>(*offset),
                                  static_cast<std::size_t>(*limit));
    if (!page) return http::problem(page.error());
    boost::json::array reads;
    for (auto& o : page->first) reads.push_back(std::move(o));
    return http::Response::json(
        200, boost::json::object{
                 {"subject", subject}, {"total", page->second}, {"reads", std::move(reads)}});
  };

  r.get("/v1/me/access-log", [this, access_log](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    return access_log(req, who->subject());
  });

  r.get("/v1/subjects/{subject}/access-log", [this, access_log](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    const std::string subject(req.param("subject"));
    if (subject != who->subject() && !who->has_any_role({"auditor", "platform_admin"})) {
      return http::problem(Error{Errc::forbidden,
                                 "only the subject themself or an auditor reads an access log",
                                 "subject", "not_yours", false});
    }
    return access_log(req, subject);
  });
}

}  // namespace tongban::datahub

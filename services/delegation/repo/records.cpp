#include "repo/records.hpp"

#include <boost/json/array.hpp>

namespace tongban::delegation {
namespace {

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> strings_of(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::string text(const boost::json::object& o, const char* key) {
  return std::string(o.at(key).as_string());
}

Clock::time_point time_of(const boost::json::object& o, const char* key) {
  Clock::time_point t{};
  if (!parse_rfc3339(o.at(key).as_string(), t)) throw std::invalid_argument(key);
  return t;
}

int int_of(const boost::json::object& o, const char* key) {
  return static_cast<int>(o.at(key).to_number<std::int64_t>());
}

}  // namespace

std::string_view to_string(Holder h) {
  switch (h) {
    case Holder::receiving:
      return "receiving";
    case Holder::forwarded:
      return "forwarded";
    case Holder::accepting:
      return "accepting";
    case Holder::mirror:
      return "mirror";
  }
  return "mirror";
}

std::optional<Holder> parse_holder(std::string_view t) {
  for (auto h : {Holder::receiving, Holder::forwarded, Holder::accepting, Holder::mirror}) {
    if (to_string(h) == t) return h;
  }
  return std::nullopt;
}

boost::json::object to_json(const CaseRecord& c) {
  boost::json::object o{{"id", c.id},
                        {"version", c.version},
                        {"state", to_string(c.state)},
                        {"holder", to_string(c.holder)},
                        {"applicant", c.applicant},
                        {"applicant_kind", c.applicant_kind},
                        {"registration_city", c.registration_city},
                        {"assurance_level", c.assurance_level},
                        {"receiving_city", c.receiving_city},
                        {"accepting_city", c.accepting_city},
                        {"item_code", c.item_code},
                        {"item_version", c.item_version},
                        {"agreement_id", c.agreement_id},
                        {"agreement_version", c.agreement_version},
                        {"rights", to_string(c.rights)},
                        {"delivery", to_string(c.delivery)},
                        {"accept_limit_days", c.accept_limit_days},
                        {"decide_limit_days", c.decide_limit_days},
                        {"materials_provided", strings(c.materials_provided)},
                        {"exempted", strings(c.exempted)},
                        {"materials_check", c.materials_check},
                        {"submitted_by", c.submitted_by},
                        {"submitted_at", to_rfc3339(c.submitted_at)},
                        {"updated_at", to_rfc3339(c.updated_at)},
                        {"stage_started_at", to_rfc3339(c.stage_started_at)},
                        {"overdue_stages", strings(c.overdue_stages)},
                        {"rating", c.rating ? boost::json::value(to_json(*c.rating)) : nullptr},
                        {"result", c.result}};
  return o;
}

Result<CaseRecord> case_from_json(const boost::json::object& o) {
  try {
    CaseRecord c;
    c.id = text(o, "id");
    c.version = int_of(o, "version");
    auto state = parse_case_state(o.at("state").as_string());
    auto holder = parse_holder(o.at("holder").as_string());
    auto rights = parse_rights(o.at("rights").as_string());
    auto delivery = parse_result_delivery(o.at("delivery").as_string());
    if (!state || !holder || !rights || !delivery) {
      return fail(Error::invalid("case", "malformed_case", "unknown state, holder or rights"));
    }
    c.state = *state;
    c.holder = *holder;
    c.rights = *rights;
    c.delivery = *delivery;
    c.applicant = text(o, "applicant");
    c.applicant_kind = text(o, "applicant_kind");
    c.registration_city = text(o, "registration_city");
    c.assurance_level = int_of(o, "assurance_level");
    c.receiving_city = text(o, "receiving_city");
    c.accepting_city = text(o, "accepting_city");
    c.item_code = text(o, "item_code");
    c.item_version = int_of(o, "item_version");
    c.agreement_id = text(o, "agreement_id");
    c.agreement_version = int_of(o, "agreement_version");
    c.accept_limit_days = int_of(o, "accept_limit_days");
    c.decide_limit_days = int_of(o, "decide_limit_days");
    c.materials_provided = strings_of(o.at("materials_provided"));
    c.exempted = strings_of(o.at("exempted"));
    c.materials_check = text(o, "materials_check");
    c.submitted_by = text(o, "submitted_by");
    c.submitted_at = time_of(o, "submitted_at");
    c.updated_at = time_of(o, "updated_at");
    c.stage_started_at = time_of(o, "stage_started_at");
    c.overdue_stages = strings_of(o.at("overdue_stages"));
    if (const auto& r = o.at("rating"); r.is_object()) {
      const auto& ro = r.as_object();
      Rating rating;
      rating.grade = parse_grade(ro.at("grade").as_string()).value_or(Grade::good);
      if (const auto* reason = ro.if_contains("reason"); reason && reason->is_string()) {
        rating.reason = parse_poor_reason(reason->as_string());
      }
      if (const auto* t = ro.if_contains("text"); t && t->is_string()) rating.text = t->as_string();
      if (const auto* by = ro.if_contains("rated_by"); by && by->is_string()) {
        rating.rated_by = by->as_string();
      }
      if (const auto* at = ro.if_contains("rated_at"); at && at->is_string()) {
        (void)parse_rfc3339(at->as_string(), rating.rated_at);
      }
      c.rating = std::move(rating);
    }
    if (const auto* r = o.if_contains("result"); r && r->is_object()) c.result = r->as_object();
    return c;
  } catch (const std::exception& e) {
    // boost::json throws on a shape mismatch: a corrupt store or a foreign event.
    return fail(
        Error::invalid("case", "malformed_case", std::string("malformed case: ") + e.what()));
  }
}

boost::json::object to_json(const TimelineEntry& e) {
  return {{"version", e.version},
          {"action", e.action},
          {"from", e.from.empty() ? boost::json::value(nullptr) : boost::json::value(e.from)},
          {"to", e.to},
          {"actor", e.actor},
          {"actor_city", e.actor_city},
          {"actor_department", e.actor_department},
          {"reason", e.reason},
          {"at", to_rfc3339(e.at)},
          {"node", e.node}};
}

boost::json::object to_json(const Agreement& a) {
  boost::json::array versions;
  for (const auto& v : a.versions) {
    boost::json::object scores;
    for (const auto& [item, score] : v.standardisation) scores[item] = score;
    versions.push_back(boost::json::object{
        {"version", v.version},
        {"body", to_json(v.body)},
        {"status", to_string(v.status)},
        {"proposer_city", v.proposer_city},
        {"proposed_by", v.proposed_by},
        {"proposed_at", to_rfc3339(v.proposed_at)},
        {"decided_by", v.decided_by},
        {"decided_at", v.decided_at ? boost::json::value(to_rfc3339(*v.decided_at)) : nullptr},
        {"decline_reason", v.decline_reason},
        {"standardisation", std::move(scores)}});
  }
  return {{"id", a.id},
          {"city_a", a.city_a},
          {"city_b", a.city_b},
          {"status", to_string(status(a))},
          {"suspended_by_city", a.suspended_by_city},
          {"status_reason", a.status_reason},
          {"versions", std::move(versions)}};
}

Result<Agreement> agreement_from_json(const boost::json::object& o) {
  try {
    Agreement a;
    a.id = text(o, "id");
    a.city_a = text(o, "city_a");
    a.city_b = text(o, "city_b");
    a.suspended_by_city = text(o, "suspended_by_city");
    a.status_reason = text(o, "status_reason");
    for (const auto& vv : o.at("versions").as_array()) {
      const auto& v = vv.as_object();
      AgreementVersion ver;
      ver.version = int_of(v, "version");
      auto body = read_agreement_body(v.at("body").as_object());
      if (!body) return fail(std::move(body.error()));
      ver.body = std::move(*body);
      auto st = parse_agreement_status(v.at("status").as_string());
      if (!st) return fail(Error::invalid("status", "enum", "unknown agreement status"));
      ver.status = *st;
      ver.proposer_city = text(v, "proposer_city");
      ver.proposed_by = text(v, "proposed_by");
      ver.proposed_at = time_of(v, "proposed_at");
      ver.decided_by = text(v, "decided_by");
      if (!v.at("decided_at").is_null()) ver.decided_at = time_of(v, "decided_at");
      ver.decline_reason = text(v, "decline_reason");
      for (const auto& [item, score] : v.at("standardisation").as_object()) {
        ver.standardisation[std::string(item)] = static_cast<int>(score.to_number<std::int64_t>());
      }
      a.versions.push_back(std::move(ver));
    }
    return a;
  } catch (const std::exception& e) {
    return fail(Error::invalid("agreement", "malformed_agreement",
                               std::string("malformed agreement: ") + e.what()));
  }
}

}  // namespace tongban::delegation

#include "domain/agreement.hpp"

#include <algorithm>
#include <array>

#include "domain/detail.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"

namespace tongban::delegation {
namespace {

using Status = AgreementStatus;

constexpr std::array<std::string_view, 3> kDeliveryNames = {"mail", "window_at_receiving_place",
                                                            "online"};
constexpr std::array<std::string_view, 6> kStatusNames = {"PROPOSED",  "ACTIVE",     "DECLINED",
                                                          "SUSPENDED", "TERMINATED", "SUPERSEDED"};

bool is_item_code(std::string_view code) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return code.size() == 7 && upper(code[0]) && upper(code[1]) && code[2] == '-' && digit(code[3]) &&
         digit(code[4]) && digit(code[5]) && digit(code[6]);
}

std::string item_field(std::string_view code) { return "items/" + std::string(code); }

Error invalid_transition(std::string_view what, Status from) {
  return detail::conflict(
      "invalid_transition",
      std::string(what) + " is not allowed while the agreement is " + std::string(to_string(from)));
}

Result<void> require_reason(const std::string& reason) {
  if (!detail::has_content(reason)) {
    return fail(Error::invalid("reason", "reason_required", "a reason is required"));
  }
  return detail::check_text("reason", reason, kMaxReasonChars);
}

Result<void> check_not_expired(const AgreementBody& body, Clock::time_point now) {
  if (body.valid_until <= now) {
    return fail(Error::invalid("valid_until", "valid_until_passed",
                               "valid_until " + to_rfc3339(body.valid_until) + " has passed"));
  }
  return {};
}

// Both cities must publish an implementation of every covered item (SPEC §3.4); an absent
// predicate refuses, so a misconfigured service cannot sign blind.
Result<void> check_implementations(const AgreementBody& body, std::string_view city_a,
                                   std::string_view city_b, const CatalogChecks& checks) {
  for (const auto& [code, rights] : body.items) {
    for (auto city : {city_a, city_b}) {
      if (!checks.has_implementation || !checks.has_implementation(code, city)) {
        return fail(
            detail::conflict("implementation_missing",
                             std::string(city) + " has no published implementation of item " + code,
                             item_field(code)));
      }
    }
  }
  return {};
}

bool is_platform_admin(const Actor& actor) {
  return actor.kind == ActorKind::staff && actor.has_role(Role::platform_admin);
}

// current() for a const or a mutable agreement.
template <class A>
auto* find_current(A& a) {
  for (auto it = a.versions.rbegin(); it != a.versions.rend(); ++it) {
    if (it->status == Status::active || it->status == Status::suspended ||
        it->status == Status::terminated) {
      return &*it;
    }
  }
  return static_cast<decltype(&*a.versions.rbegin())>(nullptr);
}

const std::string& other_city(const Agreement& a, std::string_view city) {
  return city == a.city_a ? a.city_b : a.city_a;
}

// The version awaiting countersignature, the caller's right to answer it (for the city
// that did not propose it, and not as the proposer) and the version the caller names.
Result<AgreementVersion*> answerable(Agreement& a, const Actor& actor, int version) {
  AgreementVersion* p = a.versions.empty() || a.versions.back().status != Status::proposed
                            ? nullptr
                            : &a.versions.back();
  if (!p) {
    return fail(
        detail::conflict("nothing_to_sign", "no version of the agreement awaits countersignature"));
  }
  if (!is_platform_admin(actor) && actor.kind == ActorKind::staff &&
      actor.has_role(Role::dept_admin) && actor.city == p->proposer_city) {
    return fail(detail::forbidden("own_city_proposal", "a proposal of " + p->proposer_city +
                                                           " is countersigned by the other city"));
  }
  auto allowed = authorise_agreement(actor, a.city_a, a.city_b, other_city(a, p->proposer_city));
  if (!allowed) return fail(std::move(allowed.error()));
  if (actor.subject == p->proposed_by) {
    return fail(
        detail::forbidden("own_proposal", "the proposer cannot countersign their own proposal"));
  }
  if (p->version != version) {
    return fail(detail::conflict("version_mismatch",
                                 "version " + std::to_string(version) +
                                     " does not await countersignature; version " +
                                     std::to_string(p->version) + " does",
                                 "version"));
  }
  return p;
}

}  // namespace

std::string_view to_string(ResultDelivery d) { return detail::name_of(kDeliveryNames, d); }
std::optional<ResultDelivery> parse_result_delivery(std::string_view text) {
  return detail::parse_name<ResultDelivery>(kDeliveryNames, text);
}
Place handover_place(ResultDelivery d) {
  return d == ResultDelivery::window_at_receiving_place ? Place::receiving : Place::accepting;
}
std::string_view to_string(AgreementStatus s) { return detail::name_of(kStatusNames, s); }
std::optional<AgreementStatus> parse_agreement_status(std::string_view text) {
  return detail::parse_name<AgreementStatus>(kStatusNames, text);
}

Result<void> validate_body(const AgreementBody& body) {
  if (body.items.empty()) {
    return fail(Error::invalid("items", "min_items", "an agreement covers at least one item"));
  }
  if (body.items.size() > kMaxAgreementItems) {
    return fail(Error::invalid(
        "items", "max_items",
        "an agreement covers at most " + std::to_string(kMaxAgreementItems) + " items"));
  }
  for (const auto& [code, rights] : body.items) {
    if (!is_item_code(code)) {
      return fail(Error::invalid(item_field(code), "code_format",
                                 "'" + code + "' is not a base item code like PS-0001"));
    }
  }
  if (body.result_delivery.empty()) {
    return fail(Error::invalid("result_delivery", "min_items",
                               "result_delivery names at least one way to deliver the result"));
  }
  for (std::size_t i = 0; i < body.result_delivery.size(); ++i) {
    const auto first = std::find(body.result_delivery.begin(), body.result_delivery.end(),
                                 body.result_delivery[i]);
    if (static_cast<std::size_t>(first - body.result_delivery.begin()) != i) {
      return fail(
          Error::invalid("result_delivery/" + std::to_string(i), "duplicate",
                         std::string(to_string(body.result_delivery[i])) + " is listed twice"));
    }
  }
  if (body.valid_until <= body.valid_from) {
    return fail(
        Error::invalid("valid_until", "validity_order", "valid_until must be after valid_from"));
  }
  if (body.accept_limit_days < 1 || body.accept_limit_days > kMaxAcceptLimitDays) {
    return fail(Error::invalid(
        "accept_limit_days", "range",
        "accept_limit_days must be between 1 and " + std::to_string(kMaxAcceptLimitDays)));
  }
  return {};
}

Result<AgreementBody> read_agreement_body(const boost::json::object& obj) {
  auto keys = detail::check_keys(
      obj, {"items", "result_delivery", "valid_from", "valid_until", "accept_limit_days"});
  if (!keys) return fail(std::move(keys.error()));
  const json::Reader reader(obj);
  AgreementBody body;

  auto items = reader.object("items");
  if (!items) return fail(std::move(items.error()));
  for (const auto& kv : **items) {
    const std::string code(kv.key());
    const std::string field = item_field(code);
    if (!kv.value().is_object()) {
      return fail(Error::invalid(field, "type", field + " must be an object"));
    }
    const auto& item = kv.value().get_object();
    auto inner_keys = detail::check_keys(item, {"rights"}, field + "/");
    if (!inner_keys) return fail(std::move(inner_keys.error()));
    const auto rights_it = item.find("rights");
    const std::string rights_field = field + "/rights";
    if (rights_it == item.end() || !rights_it->value().is_string()) {
      return fail(Error::invalid(rights_field, rights_it == item.end() ? "required" : "type",
                                 rights_field + " must be RECEIPT or "
                                                "RECEIPT_AND_PRELIMINARY_EXAMINATION"));
    }
    const auto rights = parse_rights(rights_it->value().get_string());
    if (!rights) {
      return fail(Error::invalid(rights_field, "enum",
                                 rights_field + " must be one of: RECEIPT, "
                                                "RECEIPT_AND_PRELIMINARY_EXAMINATION"));
    }
    body.items.emplace(code, *rights);
  }

  auto delivery = reader.array("result_delivery", 1, kDeliveryNames.size() * 2);
  if (!delivery) return fail(std::move(delivery.error()));
  for (std::size_t i = 0; i < (*delivery)->size(); ++i) {
    const auto& v = (**delivery)[i];
    const std::string field = "result_delivery/" + std::to_string(i);
    const auto d = v.is_string() ? parse_result_delivery(v.get_string()) : std::nullopt;
    if (!d) {
      return fail(
          Error::invalid(field, v.is_string() ? "enum" : "type",
                         field + " must be one of: mail, window_at_receiving_place, online"));
    }
    body.result_delivery.push_back(*d);
  }

  for (auto [key, out] :
       {std::pair{"valid_from", &body.valid_from}, std::pair{"valid_until", &body.valid_until}}) {
    auto text = reader.string(key, 1, 64);
    if (!text) return fail(std::move(text.error()));
    if (!parse_rfc3339(*text, *out)) {
      return fail(
          Error::invalid(key, "date_time", std::string(key) + " must be an RFC 3339 date-time"));
    }
  }
  auto limit = reader.integer("accept_limit_days", 1, kMaxAcceptLimitDays);
  if (!limit) return fail(std::move(limit.error()));
  body.accept_limit_days = static_cast<int>(*limit);

  auto valid = validate_body(body);
  if (!valid) return fail(std::move(valid.error()));
  return body;
}

boost::json::object to_json(const AgreementBody& body) {
  boost::json::object items;
  for (const auto& [code, rights] : body.items) {
    items[code] = boost::json::object{{"rights", to_string(rights)}};
  }
  boost::json::array delivery;
  for (auto d : body.result_delivery) delivery.emplace_back(to_string(d));
  return boost::json::object{{"items", std::move(items)},
                             {"result_delivery", std::move(delivery)},
                             {"valid_from", to_rfc3339(body.valid_from)},
                             {"valid_until", to_rfc3339(body.valid_until)},
                             {"accept_limit_days", body.accept_limit_days}};
}

const AgreementVersion* current(const Agreement& a) { return find_current(a); }

const AgreementVersion* pending(const Agreement& a) {
  if (a.versions.empty() || a.versions.back().status != Status::proposed) return nullptr;
  return &a.versions.back();
}

AgreementStatus status(const Agreement& a) {
  if (const auto* c = current(a)) return c->status;
  return a.versions.empty() ? Status::proposed : a.versions.front().status;
}

bool between(const Agreement& a, std::string_view city_x, std::string_view city_y) {
  return (a.city_a == city_x && a.city_b == city_y) || (a.city_a == city_y && a.city_b == city_x);
}

bool open(const Agreement& a) {
  const auto s = status(a);
  return s != Status::declined && s != Status::terminated;
}

const AgreementVersion* in_force(const Agreement& a, Clock::time_point now) {
  const auto* c = current(a);
  if (!c || c->status != Status::active) return nullptr;
  if (now < c->body.valid_from || now >= c->body.valid_until) return nullptr;
  return c;
}

std::optional<Rights> covers(const Agreement& a, std::string_view item, Clock::time_point now) {
  const auto* v = in_force(a, now);
  if (!v) return std::nullopt;
  const auto it = v->body.items.find(std::string(item));
  if (it == v->body.items.end()) return std::nullopt;
  return it->second;
}

Result<void> authorise_agreement(const Actor& actor, std::string_view city_a,
                                 std::string_view city_b, std::string_view acting_city) {
  if (is_platform_admin(actor)) return {};
  if (actor.kind != ActorKind::staff || !actor.has_role(Role::dept_admin)) {
    return fail(detail::forbidden("role_required",
                                  "agreements are signed by a dept_admin of one of the two "
                                  "cities or a platform_admin"));
  }
  if (actor.city.empty() || actor.city != acting_city ||
      (acting_city != city_a && acting_city != city_b)) {
    return fail(detail::forbidden("wrong_place",
                                  "a dept_admin acts only for their own city, one of the two"));
  }
  return {};
}

Result<Agreement> propose(const Actor& actor, std::string id, const Proposal& proposal,
                          std::span<const Agreement> existing, const CatalogChecks& checks,
                          Clock::time_point now) {
  auto allowed = authorise_agreement(actor, proposal.proposer_city, proposal.partner_city,
                                     proposal.proposer_city);
  if (!allowed) return fail(std::move(allowed.error()));
  const auto& dir = cities::directory();
  for (auto [field, city] : {std::pair{"proposer_city", &proposal.proposer_city},
                             std::pair{"partner_city", &proposal.partner_city}}) {
    if (!dir.is_known_city(*city)) {
      return fail(Error::invalid(field, "unknown_city", "'" + *city + "' is not a known city"));
    }
  }
  if (proposal.proposer_city == proposal.partner_city) {
    return fail(Error::invalid("partner_city", "same_city",
                               "an agreement is between two different cities"));
  }
  auto valid = validate_body(proposal.body);
  if (!valid) return fail(std::move(valid.error()));
  auto fresh = check_not_expired(proposal.body, now);
  if (!fresh) return fail(std::move(fresh.error()));
  for (const auto& other : existing) {
    if (between(other, proposal.proposer_city, proposal.partner_city) && open(other)) {
      return fail(detail::conflict("agreement_exists", "agreement " + other.id +
                                                           " between the two cities is " +
                                                           std::string(to_string(status(other))) +
                                                           "; amend it or terminate it first"));
    }
  }
  auto implemented =
      check_implementations(proposal.body, proposal.proposer_city, proposal.partner_city, checks);
  if (!implemented) return fail(std::move(implemented.error()));

  Agreement a;
  a.id = std::move(id);
  a.city_a = std::min(proposal.proposer_city, proposal.partner_city);
  a.city_b = std::max(proposal.proposer_city, proposal.partner_city);
  AgreementVersion v;
  v.version = 1;
  v.body = proposal.body;
  v.status = Status::proposed;
  v.proposer_city = proposal.proposer_city;
  v.proposed_by = actor.subject;
  v.proposed_at = now;
  a.versions.push_back(std::move(v));
  return a;
}

Result<Agreement> countersign(Agreement a, const Actor& actor, int version,
                              const CatalogChecks& checks, Clock::time_point now) {
  auto p = answerable(a, actor, version);
  if (!p) return fail(std::move(p.error()));
  AgreementVersion* cur = find_current(a);
  if (cur && cur->status != Status::active) {
    return fail(invalid_transition("countersigning an amendment", cur->status));
  }
  auto fresh = check_not_expired((*p)->body, now);
  if (!fresh)
    return fail(detail::with_rule(Error::conflict(fresh.error().message), "valid_until_passed",
                                  "valid_until"));
  auto implemented = check_implementations((*p)->body, a.city_a, a.city_b, checks);
  if (!implemented) return fail(std::move(implemented.error()));

  AgreementVersion& v = **p;
  for (const auto& [code, rights] : v.body.items) {
    const int s = checks.score ? checks.score(code, a.city_a, a.city_b) : 0;
    v.standardisation[code] = std::clamp(s, 0, 100);
  }
  v.status = Status::active;
  v.decided_by = actor.subject;
  v.decided_at = now;
  if (cur) cur->status = Status::superseded;
  return a;
}

Result<Agreement> decline(Agreement a, const Actor& actor, int version, std::string reason,
                          Clock::time_point now) {
  auto p = answerable(a, actor, version);
  if (!p) return fail(std::move(p.error()));
  auto has_reason = require_reason(reason);
  if (!has_reason) return fail(std::move(has_reason.error()));
  AgreementVersion& v = **p;
  v.status = Status::declined;
  v.decided_by = actor.subject;
  v.decided_at = now;
  v.decline_reason = std::move(reason);
  return a;
}

Result<Agreement> amend(Agreement a, const Actor& actor, std::string proposer_city,
                        AgreementBody body, const CatalogChecks& checks, Clock::time_point now) {
  auto allowed = authorise_agreement(actor, a.city_a, a.city_b, proposer_city);
  if (!allowed) return fail(std::move(allowed.error()));
  if (proposer_city != a.city_a && proposer_city != a.city_b) {
    return fail(Error::invalid("proposer_city", "wrong_place",
                               "the proposer of an amendment is one of the two cities"));
  }
  const AgreementVersion* cur = current(a);
  if (!cur || cur->status != Status::active) {
    return fail(invalid_transition("amend", status(a)));
  }
  if (pending(a)) {
    return fail(detail::conflict("amendment_pending",
                                 "version " + std::to_string(pending(a)->version) +
                                     " awaits countersignature; it must be answered first"));
  }
  auto valid = validate_body(body);
  if (!valid) return fail(std::move(valid.error()));
  auto fresh = check_not_expired(body, now);
  if (!fresh) return fail(std::move(fresh.error()));
  if (body == cur->body) {
    return fail(
        Error::invalid("body", "no_change",
                       "the amendment is the same as version " + std::to_string(cur->version)));
  }
  auto implemented = check_implementations(body, a.city_a, a.city_b, checks);
  if (!implemented) return fail(std::move(implemented.error()));

  AgreementVersion v;
  v.version = static_cast<int>(a.versions.size()) + 1;
  v.body = std::move(body);
  v.status = Status::proposed;
  v.proposer_city = std::move(proposer_city);
  v.proposed_by = actor.subject;
  v.proposed_at = now;
  a.versions.push_back(std::move(v));
  return a;
}

Result<Agreement> suspend(Agreement a, const Actor& actor, std::string acting_city,
                          std::string reason, Clock::time_point /*now*/) {
  auto allowed = authorise_agreement(actor, a.city_a, a.city_b, acting_city);
  if (!allowed) return fail(std::move(allowed.error()));
  AgreementVersion* cur = find_current(a);
  if (!cur || cur->status != Status::active) return fail(invalid_transition("suspend", status(a)));
  auto has_reason = require_reason(reason);
  if (!has_reason) return fail(std::move(has_reason.error()));
  cur->status = Status::suspended;
  a.suspended_by_city = is_platform_admin(actor) ? std::string() : std::move(acting_city);
  a.status_reason = std::move(reason);
  return a;
}

Result<Agreement> resume(Agreement a, const Actor& actor, std::string acting_city,
                         Clock::time_point /*now*/) {
  auto allowed = authorise_agreement(actor, a.city_a, a.city_b, acting_city);
  if (!allowed) return fail(std::move(allowed.error()));
  AgreementVersion* cur = find_current(a);
  if (!cur || cur->status != Status::suspended) {
    return fail(invalid_transition("resume", status(a)));
  }
  if (!is_platform_admin(actor) && acting_city != a.suspended_by_city) {
    return fail(detail::forbidden(
        "suspended_by_other_city",
        a.suspended_by_city.empty()
            ? "a platform_admin suspended the agreement; only a "
              "platform_admin resumes it"
            : a.suspended_by_city + " suspended the agreement; only it resumes it"));
  }
  cur->status = Status::active;
  a.suspended_by_city.clear();
  a.status_reason.clear();
  return a;
}

Result<Agreement> terminate(Agreement a, const Actor& actor, std::string acting_city,
                            std::string reason, Clock::time_point now) {
  auto allowed = authorise_agreement(actor, a.city_a, a.city_b, acting_city);
  if (!allowed) return fail(std::move(allowed.error()));
  AgreementVersion* cur = find_current(a);
  if (!cur || (cur->status != Status::active && cur->status != Status::suspended)) {
    return fail(invalid_transition("terminate", status(a)));
  }
  auto has_reason = require_reason(reason);
  if (!has_reason) return fail(std::move(has_reason.error()));
  if (!a.versions.empty() && a.versions.back().status == Status::proposed) {
    auto& p = a.versions.back();
    p.status = Status::declined;
    p.decided_by = actor.subject;
    p.decided_at = now;
    p.decline_reason = "the agreement was terminated";
  }
  cur->status = Status::terminated;
  a.suspended_by_city.clear();
  a.status_reason = std::move(reason);
  return a;
}

}  // namespace tongban::delegation

#include "domain/submission.hpp"

#include <algorithm>

#include "domain/detail.hpp"
#include "tongban/cities/cities.hpp"

namespace tongban::delegation {
namespace {

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The pair's agreement that still binds (at most one is open at a time), else nullptr.
const Agreement* open_agreement(std::span<const Agreement> agreements, std::string_view a,
                                std::string_view b) {
  for (const auto& agreement : agreements) {
    if (between(agreement, a, b) && open(agreement)) return &agreement;
  }
  return nullptr;
}

Result<const AgreementVersion*> agreement_in_force(const Agreement* agreement,
                                                   const std::string& receiving,
                                                   const std::string& accepting,
                                                   Clock::time_point now) {
  const std::string pair = receiving + " and " + accepting;
  if (!agreement) {
    return fail(detail::forbidden("no_agreement", "no agreement between " + pair));
  }
  const auto s = status(*agreement);
  if (s == AgreementStatus::suspended) {
    return fail(detail::forbidden("agreement_suspended",
                                  "the agreement between " + pair + " is suspended"));
  }
  if (s == AgreementStatus::proposed) {
    return fail(detail::forbidden("no_agreement",
                                  "the agreement between " + pair + " awaits countersignature"));
  }
  const auto* v = in_force(*agreement, now);
  if (!v) {
    const auto* c = current(*agreement);
    const bool early = c && now < c->body.valid_from;
    return fail(detail::forbidden(
        "no_agreement",
        "the agreement between " + pair +
            (early ? " is valid from " + to_rfc3339(c->body.valid_from)
                   : " expired on " + to_rfc3339(c ? c->body.valid_until : Clock::time_point{}))));
  }
  return v;
}

}  // namespace

Result<Admission> check_submission(const SubmissionRequest& request,
                                   std::span<const Agreement> agreements, Clock::time_point now) {
  const auto& receiving = request.receiving_city;
  const auto& accepting = request.applicant.registration_city;
  const auto& dir = cities::directory();
  if (!dir.is_known_city(receiving)) {
    return fail(Error::invalid("receiving_city", "unknown_city",
                               "'" + receiving + "' is not a known city"));
  }
  if (!dir.is_known_city(accepting)) {
    return fail(Error::invalid(
        "applicant/registration_city", "unknown_city",
        "the applicant's registration city '" + accepting + "' is not a known city"));
  }
  if (receiving == accepting) {
    return fail(Error::invalid("receiving_city", "same_city",
                               "the applicant is registered in " + accepting +
                                   ": apply there directly, this is not a cross-city case"));
  }
  const auto& item = request.item;
  if (!item.cross_city_eligible) {
    return fail(Error::invalid("item", "item_not_cross_city",
                               "item " + item.code + " cannot be handled across cities"));
  }

  const Agreement* agreement = open_agreement(agreements, receiving, accepting);
  auto version = agreement_in_force(agreement, receiving, accepting, now);
  if (!version) return fail(std::move(version.error()));
  const auto& body = (*version)->body;
  const auto rights = body.items.find(item.code);
  if (rights == body.items.end()) {
    return fail(detail::forbidden("item_not_covered",
                                  "the agreement between " + receiving + " and " + accepting +
                                      " does not cover item " + item.code,
                                  "item"));
  }

  if (request.applicant.assurance_level < item.min_assurance_level) {
    return fail(detail::forbidden("assurance_too_low",
                                  "item " + item.code + " needs assurance level L" +
                                      std::to_string(item.min_assurance_level) +
                                      "; the applicant has L" +
                                      std::to_string(request.applicant.assurance_level)));
  }

  const ResultDelivery delivery = request.delivery.value_or(body.result_delivery.front());
  if (std::find(body.result_delivery.begin(), body.result_delivery.end(), delivery) ==
      body.result_delivery.end()) {
    return fail(Error::invalid(
        "delivery", "delivery_not_offered",
        "the agreement offers " +
            detail::join(body.result_delivery, [](ResultDelivery d) { return to_string(d); }) +
            ", not " + std::string(to_string(delivery))));
  }

  Admission out;
  std::vector<std::string> missing;
  std::string first_missing_field;
  for (std::size_t i = 0; i < item.materials.size(); ++i) {
    const auto& m = item.materials[i];
    if (m.e_licence_type && contains(request.e_licences_held, *m.e_licence_type)) {
      out.exempted.push_back(m.name);
    } else if (!contains(request.materials_provided, m.name)) {
      if (missing.empty()) first_missing_field = "materials/" + std::to_string(i);
      missing.push_back(m.name);
    }
  }
  if (!missing.empty()) {
    return fail(Error::invalid(
        first_missing_field, "materials_missing",
        "materials missing: " + detail::join(missing, [](const std::string& s) { return s; })));
  }

  out.accepting_city = accepting;
  out.agreement_id = agreement->id;
  out.agreement_version = (*version)->version;
  out.rights = rights->second;
  out.delivery = delivery;
  out.accept_limit_days = body.accept_limit_days;
  return out;
}

}  // namespace tongban::delegation

// Whether a cross-city case may be submitted (SPEC §3.4): the accepting place is the
// applicant's registration city, an agreement in force between the two cities must cover
// the item, the applicant's assurance level must reach the item's minimum and every
// required material must be provided or held as an e-licence (datahub's materials check).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "domain/agreement.hpp"
#include "domain/case_state.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"

namespace tongban::delegation {

struct Applicant {
  std::string subject;
  std::string registration_city;  // household registration (or an enterprise's domicile)
  int assurance_level = 0;        // 1..3 (L1 password, L2 verified ID, L3 in person)
};

struct RequiredMaterial {
  std::string name;  // as the catalog names it (name_zh)
  // The e-licence type that can replace it (catalog ELicenceType name), if any.
  std::optional<std::string> e_licence_type;
};

// What the catalog says of the item, in the version the case pins.
struct ItemTerms {
  std::string code;
  bool cross_city_eligible = false;
  int min_assurance_level = 1;
  std::vector<RequiredMaterial> materials;  // the base item's plus the accepting city's extras
};

struct SubmissionRequest {
  Applicant applicant;
  std::string receiving_city;
  ItemTerms item;
  std::vector<std::string> materials_provided;  // names of the materials uploaded
  std::vector<std::string> e_licences_held;     // types datahub says the applicant holds
  // How the applicant wants the result; default: the first the agreement offers.
  std::optional<ResultDelivery> delivery;
};

// What a submission that passes pins on the case.
struct Admission {
  std::string accepting_city;
  std::string agreement_id;
  int agreement_version = 0;
  Rights rights = Rights::receipt;
  ResultDelivery delivery = ResultDelivery::mail;
  int accept_limit_days = 0;
  // Required materials held as e-licences (in the item's order): not to be uploaded; an
  // upload of one anyway is ignored, the e-licence counts.
  std::vector<std::string> exempted;
};

// Checks, in this order (each a distinct rule):
// 1. `unknown_city` (invalid, field receiving_city or applicant/registration_city);
// 2. `same_city` (invalid, field receiving_city): receiving == accepting, not a cross-city
//    case;
// 3. `item_not_cross_city` (invalid, field item): the item is not cross-city eligible;
// 4. `no_agreement` (forbidden): no agreement in force between the two cities (none, only
//    a proposal, or outside its validity; the message says which);
//    `agreement_suspended` (forbidden): the pair's agreement is suspended;
//    `item_not_covered` (forbidden, field item): the agreement in force does not cover it;
// 5. `assurance_too_low` (forbidden): the applicant's level is below the item's minimum;
// 6. `delivery_not_offered` (invalid, field delivery): a delivery the agreement lacks;
// 7. `materials_missing` (invalid, field materials/<i> naming the first missing one in the
//    item's order; the message lists all).
// `agreements` may hold any agreements; those of other pairs are ignored.
Result<Admission> check_submission(const SubmissionRequest& request,
                                   std::span<const Agreement> agreements, Clock::time_point now);

}  // namespace tongban::delegation

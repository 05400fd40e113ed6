// The delegation scenario kind: cross-city cases (跨城通办) walked through their life cycle
// at two places, on the agreements the platform really has, city pairs drawn by migrant
// flow; its setup logs in the staff and applicants the cases need. The built-in scenarios
// hot-pair, burst and seed-155-cities are of this kind (README "Delegation scenarios").
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"
#include "tongban/loadgen/scenario.hpp"

namespace tongban::loadgen {

Result<Scenario> build_delegation_scenario(const boost::json::object& doc);

// The resident ID number (GB 11643, valid check character) of the n-th applicant the
// generator registers in `city`: the same in every run, so a later run logs the applicant
// in instead of registering another one.
std::string applicant_id_number(std::string_view city, std::size_t n);

}  // namespace tongban::loadgen

// A city's implementation of a national base item (实施清单): local department, promised
// limit, local extra materials, fees, delivery and the levels it reaches locally.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "domain/item.hpp"
#include "tongban/core/result.hpp"

namespace tongban::catalog {

// A fee charged locally (e.g. the nationally fixed 工本费, or a provincial exam fee).
struct LocalFee {
  std::string name;
  double amount_cny = 0;  // >= 0
  friend bool operator==(const LocalFee&, const LocalFee&) = default;
};

struct Implementation {
  std::string item_code;        // the base item implemented
  std::string city;             // GB/T 2260 code of a known city
  std::string department;       // local department name, e.g. 南京市公安局
  int promised_limit_days = 1;  // <= the item's statutory limit
  // Materials asked for on top of the base item's: each is a deviation from the standard.
  std::vector<Material> extra_materials;
  std::vector<LocalFee> fees;
  std::vector<DeliveryMethod> delivery_methods;  // non-empty, no duplicates
  OnlineLevel online_level = OnlineLevel::partial;
  VisitLevel visit_level = VisitLevel::once;
  bool accepts_cross_city = false;  // only for cross-city eligible items
  friend bool operator==(const Implementation&, const Implementation&) = default;
};

// Reads an implementation of `item` (rules in README.md: unknown_key, item_mismatch,
// unknown_city, promised_above_statutory, duplicate_material, materials_required,
// negative_fee, duplicate_fee, zero_visit_requires_full_online, not_cross_city_eligible).
Result<Implementation> read_implementation(const boost::json::object& obj, const BaseItem& item);

// Every rule of read_implementation on a value already in memory (the generator's output,
// an edited draft).
Result<void> validate_implementation(const Implementation& impl, const BaseItem& item);

boost::json::object to_json(const Implementation& impl);

// Sum of the local fees.
double total_fees(const Implementation& impl);

}  // namespace tongban::catalog

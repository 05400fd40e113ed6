// "Same item, same standard" (同一事项、同一标准): how far two cities' implementations of one
// base item differ from each other, or one from the national standard, as a score in
// [0, 100] and the list of deviations behind it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/implementation.hpp"
#include "domain/item.hpp"

namespace tongban::catalog {

// Weights (points off 100) are in README.md and in penalty_of below.
enum class DeviationKind : std::uint8_t {
  extra_material,            // a material one side asks for and the other does not
  longer_limit,              // a longer promised limit than the other side / the typical
  fee_difference,            // the local fees add up to a different amount
  missing_delivery_method,   // a delivery method one side lacks
  worse_online_level,        // less online (full > partial > none)
  worse_visit_level,         // more visits (zero > once > multiple)
  no_cross_city_acceptance,  // a cross-city eligible item not accepted from other cities
};

std::string_view to_string(DeviationKind k);

inline constexpr int kExtraMaterialPenalty = 8;  // per material
inline constexpr int kLimitPenaltyPerDay = 2;    // per working day longer ...
inline constexpr int kLimitPenaltyCap = 20;      // ... at most this much
inline constexpr int kFeePenalty = 10;           // once
inline constexpr int kDeliveryPenalty = 5;       // per missing method
inline constexpr int kLevelPenaltyPerStep = 10;  // online and visit, per step
inline constexpr int kCrossCityPenalty = 15;     // once

// Which implementation deviates: `a` or `b` of compare(); always `a` (the city) against
// the standard.
enum class Side : std::uint8_t { a, b };

struct Deviation {
  DeviationKind kind = DeviationKind::extra_material;
  Side side = Side::a;
  std::string detail;  // the material's name, "30 > 20 days", "mail", "partial < full" ...
  int penalty = 0;
  friend bool operator==(const Deviation&, const Deviation&) = default;
};

struct Comparison {
  int score = 100;                    // max(0, 100 - sum of penalties)
  std::vector<Deviation> deviations;  // by kind, then side a before b, then detail
};

// Two cities' implementations of `item`. Symmetric: compare(i, a, b).score ==
// compare(i, b, a).score and the deviations are the same with the sides swapped.
Comparison compare(const BaseItem& item, const Implementation& a, const Implementation& b);

// One implementation against the national standard of the item: extra materials, a promised
// limit above the typical, fees other than the national fee (none when the item has none),
// a delivery method of the item missing, worse online or visit level than the item's, no
// cross-city acceptance of an eligible item. Doing better than the standard costs nothing.
Comparison score_against_standard(const BaseItem& item, const Implementation& impl);

}  // namespace tongban::catalog

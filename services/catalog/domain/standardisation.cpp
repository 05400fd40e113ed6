#include "domain/standardisation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace tongban::catalog {
namespace {

constexpr std::array<std::string_view, 7> kKinds = {
    "extra_material",     "longer_limit",      "fee_difference",          "missing_delivery_method",
    "worse_online_level", "worse_visit_level", "no_cross_city_acceptance"};

bool has_material(const std::vector<Material>& list, const std::string& name_zh) {
  return std::any_of(list.begin(), list.end(),
                     [&](const Material& m) { return m.name_zh == name_zh; });
}

bool has_method(const std::vector<DeliveryMethod>& list, DeliveryMethod d) {
  return std::find(list.begin(), list.end(), d) != list.end();
}

std::string money(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

bool same_money(double x, double y) { return std::fabs(x - y) < 0.005; }

int limit_penalty(int longer, int shorter) {
  return std::min(kLimitPenaltyCap, (longer - shorter) * kLimitPenaltyPerDay);
}

Comparison finish(std::vector<Deviation> devs) {
  std::sort(devs.begin(), devs.end(), [](const Deviation& x, const Deviation& y) {
    return std::tie(x.kind, x.side, x.detail) < std::tie(y.kind, y.side, y.detail);
  });
  int total = 0;
  for (const auto& d : devs) total += d.penalty;
  return Comparison{std::max(0, 100 - total), std::move(devs)};
}

}  // namespace

std::string_view to_string(DeviationKind k) { return kKinds.at(static_cast<std::size_t>(k)); }

Comparison compare(const BaseItem& item, const Implementation& a, const Implementation& b) {
  std::vector<Deviation> devs;
  const std::array<const Implementation*, 2> sides = {&a, &b};
  for (std::size_t s = 0; s < 2; ++s) {
    const auto& self = *sides[s];
    const auto& other = *sides[1 - s];
    const auto side = static_cast<Side>(s);
    for (const auto& m : self.extra_materials) {
      if (!has_material(other.extra_materials, m.name_zh)) {
        devs.push_back({DeviationKind::extra_material, side, m.name_zh, kExtraMaterialPenalty});
      }
    }
    if (self.promised_limit_days > other.promised_limit_days) {
      devs.push_back({DeviationKind::longer_limit, side,
                      std::to_string(self.promised_limit_days) + " > " +
                          std::to_string(other.promised_limit_days) + " days",
                      limit_penalty(self.promised_limit_days, other.promised_limit_days)});
    }
    if (!same_money(total_fees(self), total_fees(other)) && total_fees(self) > total_fees(other)) {
      devs.push_back({DeviationKind::fee_difference, side,
                      money(total_fees(self)) + " > " + money(total_fees(other)) + " CNY",
                      kFeePenalty});
    }
    for (auto d : other.delivery_methods) {
      if (!has_method(self.delivery_methods, d)) {
        devs.push_back({DeviationKind::missing_delivery_method, side, std::string(to_string(d)),
                        kDeliveryPenalty});
      }
    }
    if (self.online_level > other.online_level) {
      const int steps = static_cast<int>(self.online_level) - static_cast<int>(other.online_level);
      devs.push_back({DeviationKind::worse_online_level, side,
                      std::string(to_string(self.online_level)) + " < " +
                          std::string(to_string(other.online_level)),
                      steps * kLevelPenaltyPerStep});
    }
    if (self.visit_level > other.visit_level) {
      const int steps = static_cast<int>(self.visit_level) - static_cast<int>(other.visit_level);
      devs.push_back({DeviationKind::worse_visit_level, side,
                      std::string(to_string(self.visit_level)) + " < " +
                          std::string(to_string(other.visit_level)),
                      steps * kLevelPenaltyPerStep});
    }
    if (item.cross_city_eligible && !self.accepts_cross_city && other.accepts_cross_city) {
      devs.push_back({DeviationKind::no_cross_city_acceptance, side, item.code, kCrossCityPenalty});
    }
  }
  return finish(std::move(devs));
}

Comparison score_against_standard(const BaseItem& item, const Implementation& impl) {
  std::vector<Deviation> devs;
  const auto side = Side::a;
  for (const auto& m : impl.extra_materials) {
    devs.push_back({DeviationKind::extra_material, side, m.name_zh, kExtraMaterialPenalty});
  }
  if (impl.promised_limit_days > item.promised_limit_days_typical) {
    devs.push_back({DeviationKind::longer_limit, side,
                    std::to_string(impl.promised_limit_days) + " > " +
                        std::to_string(item.promised_limit_days_typical) + " days (typical)",
                    limit_penalty(impl.promised_limit_days, item.promised_limit_days_typical)});
  }
  const double national = item.fee ? item.fee->amount_cny : 0.0;
  if (!same_money(total_fees(impl), national)) {
    devs.push_back({DeviationKind::fee_difference, side,
                    money(total_fees(impl)) + " != " + money(national) + " CNY (national)",
                    kFeePenalty});
  }
  for (auto d : item.delivery_methods) {
    if (!has_method(impl.delivery_methods, d)) {
      devs.push_back({DeviationKind::missing_delivery_method, side, std::string(to_string(d)),
                      kDeliveryPenalty});
    }
  }
  if (impl.online_level > item.online_level) {
    const int steps = static_cast<int>(impl.online_level) - static_cast<int>(item.online_level);
    devs.push_back({DeviationKind::worse_online_level, side,
                    std::string(to_string(impl.online_level)) + " < " +
                        std::string(to_string(item.online_level)),
                    steps * kLevelPenaltyPerStep});
  }
  if (impl.visit_level > item.visit_level) {
    const int steps = static_cast<int>(impl.visit_level) - static_cast<int>(item.visit_level);
    devs.push_back({DeviationKind::worse_visit_level, side,
                    std::string(to_string(impl.visit_level)) + " < " +
                        std::string(to_string(item.visit_level)),
                    steps * kLevelPenaltyPerStep});
  }
  if (item.cross_city_eligible && !impl.accepts_cross_city) {
    devs.push_back({DeviationKind::no_cross_city_acceptance, side, item.code, kCrossCityPenalty});
  }
  return finish(std::move(devs));
}

}  // namespace tongban::catalog

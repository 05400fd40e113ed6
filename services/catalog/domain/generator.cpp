#include "domain/generator.hpp"

#include <algorithm>
#include <array>

namespace tongban::catalog {
namespace {

struct ExtraMaterial {
  std::string_view name_zh;
  std::string_view name_en;
  MaterialForm form;
  std::optional<ELicenceType> e_licence;
};

// What local windows commonly add on top of the national list.
const std::array<ExtraMaterial, 8> kExtras = {{
    {"申请表", "Application form", MaterialForm::original, std::nullopt},
    {"近期免冠照片", "Recent bareheaded photo", MaterialForm::original, std::nullopt},
    {"居住证明", "Proof of residence", MaterialForm::original, std::nullopt},
    {"单位证明", "Letter from the employer", MaterialForm::original, std::nullopt},
    {"居民身份证复印件", "Copy of the resident identity card", MaterialForm::copy,
     ELicenceType::resident_id_card},
    {"居民户口簿复印件", "Copy of the household register", MaterialForm::copy,
     ELicenceType::household_register},
    {"个人承诺书", "Signed personal undertaking", MaterialForm::original, std::nullopt},
    {"授权委托书", "Power of attorney (when an agent applies)", MaterialForm::original,
     std::nullopt},
}};

// Probabilities, documented in README.md ("Generator").
constexpr double kExtraMaterials = 0.16;  // 1 (70%) or 2 (30%) local extra materials
constexpr double kShorterLimit = 0.25;    // promise less than the typical
constexpr double kLongerLimit = 0.08;     // promise more than the typical (<= statutory)
constexpr double kUpgradeBig = 0.50;      // partial -> full (none -> partial: 0.20) in big cities
constexpr double kUpgradeOther = 0.12;    // partial -> full elsewhere (none -> partial: 0.05)
constexpr double kDowngradeBig = 0.02;    // one online step worse in big cities
constexpr double kDowngradeOther = 0.08;  // one online step worse elsewhere
constexpr double kZeroVisit = 0.30;       // once -> zero when the city is fully online
constexpr double kAddOnline = 0.50;       // big cities add online delivery when fully online
constexpr double kDropDelivery = 0.04;    // drop one delivery method (never the last)
constexpr double kCrossCityBig = 0.97;    // accept cross-city applications (eligible items)
constexpr double kCrossCityOther = 0.93;

}  // namespace

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

int SplitMix64::between(int lo, int hi) {
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<int>(next() % span);
}

std::uint64_t seed_of(std::string_view city_code, std::string_view item_code) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 0x100000001B3ULL;
    }
  };
  mix(city_code);
  mix("/");
  mix(item_code);
  return h;
}

bool is_big_city(const cities::City& city) { return city.capital || city.population >= 8'000'000; }

std::string local_department(const cities::City& city, DepartmentCategory category) {
  const std::string c = city.name_zh;
  switch (category) {
    case DepartmentCategory::taxation:
      return "国家税务总局" + c + "税务局";
    case DepartmentCategory::housing_fund:
      return c + "住房公积金管理中心";
    case DepartmentCategory::health:
      return c + "卫生健康委员会";
    case DepartmentCategory::other:
      return c + "政务服务和数据管理局";
    default:
      return c + std::string(name_zh(category)) + "局";
  }
}

Implementation generate_implementation(const BaseItem& item, const cities::City& city) {
  SplitMix64 rng(seed_of(city.code, item.code));
  const bool big = is_big_city(city);
  Implementation impl;
  impl.item_code = item.code;
  impl.city = city.code;
  impl.department = local_department(city, item.department_category);

  // Promised limit: typical, shorter, or longer but never above statutory.
  const int typical = item.promised_limit_days_typical;
  const double u_limit = rng.uniform();
  impl.promised_limit_days = typical;
  if (u_limit < kShorterLimit) {
    if (typical > 1) impl.promised_limit_days = rng.between(std::max(1, typical / 2), typical - 1);
  } else if (u_limit < kShorterLimit + kLongerLimit) {
    if (item.statutory_limit_days > typical) {
      impl.promised_limit_days = rng.between(typical + 1, item.statutory_limit_days);
    }
  }

  // Local extra materials, never one the item already lists.
  if (rng.uniform() < kExtraMaterials) {
    const int count = rng.uniform() < 0.3 ? 2 : 1;
    for (int tries = 0; tries < 8 && static_cast<int>(impl.extra_materials.size()) < count;
         ++tries) {
      const auto& e =
          kExtras[static_cast<std::size_t>(rng.between(0, static_cast<int>(kExtras.size()) - 1))];
      const auto clash = [&](const Material& m) { return m.name_zh == e.name_zh; };
      if (std::any_of(item.materials.begin(), item.materials.end(), clash) ||
          std::any_of(impl.extra_materials.begin(), impl.extra_materials.end(), clash)) {
        continue;
      }
      impl.extra_materials.push_back(
          Material{std::string(e.name_zh), std::string(e.name_en), e.form, e.e_licence});
    }
  }

  // Online level: big cities upgrade more, others degrade more.
  impl.online_level = item.online_level;
  const double u_online = rng.uniform();
  const double up = big ? kUpgradeBig : kUpgradeOther;
  const double down = big ? kDowngradeBig : kDowngradeOther;
  if (item.online_level == OnlineLevel::partial && u_online < up) {
    impl.online_level = OnlineLevel::full;
  } else if (item.online_level == OnlineLevel::none && u_online < up * 0.4) {
    impl.online_level = OnlineLevel::partial;
  } else if (item.online_level != OnlineLevel::none && u_online > 1.0 - down) {
    impl.online_level = static_cast<OnlineLevel>(static_cast<int>(item.online_level) + 1);
  }

  // Visit level follows: zero visits need a full online procedure.
  impl.visit_level = item.visit_level;
  const double u_visit = rng.uniform();
  if (impl.online_level == OnlineLevel::full && item.visit_level == VisitLevel::once &&
      item.online_level != OnlineLevel::full && u_visit < kZeroVisit) {
    impl.visit_level = VisitLevel::zero;
  }
  if (impl.visit_level == VisitLevel::zero && impl.online_level != OnlineLevel::full) {
    impl.visit_level = VisitLevel::once;
  }

  // Delivery methods: the item's, in its order; sometimes online added or one dropped.
  impl.delivery_methods = item.delivery_methods;
  const double u_delivery = rng.uniform();
  const auto has = [&](DeliveryMethod d) {
    return std::find(impl.delivery_methods.begin(), impl.delivery_methods.end(), d) !=
           impl.delivery_methods.end();
  };
  if (big && impl.online_level == OnlineLevel::full && !has(DeliveryMethod::online) &&
      u_delivery < kAddOnline) {
    impl.delivery_methods.push_back(DeliveryMethod::online);
  } else if (impl.delivery_methods.size() > 1 && u_delivery > 1.0 - kDropDelivery) {
    const auto it =
        std::find(impl.delivery_methods.begin(), impl.delivery_methods.end(), DeliveryMethod::mail);
    impl.delivery_methods.erase(
        it != impl.delivery_methods.end() ? it : impl.delivery_methods.end() - 1);
  }

  // Fees only where the item has a nationally fixed one.
  if (item.fee) {
    const bool registration = item.department_category == DepartmentCategory::natural_resources;
    impl.fees.push_back(LocalFee{registration ? "登记费" : "工本费", item.fee->amount_cny});
  }

  const double u_cross = rng.uniform();
  impl.accepts_cross_city =
      item.cross_city_eligible && u_cross < (big ? kCrossCityBig : kCrossCityOther);
  return impl;
}

std::vector<Implementation> generate_implementations(
    const BaseItem& item, const std::vector<const cities::City*>& cities) {
  std::vector<Implementation> out;
  out.reserve(cities.size());
  for (const auto* c : cities) out.push_back(generate_implementation(item, *c));
  return out;
}

}  // namespace tongban::catalog

#include "domain/implementation.hpp"

#include <array>

#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"

namespace tongban::catalog {
namespace {

constexpr std::array<std::string_view, 10> kKeys = {"item_code",        "city",
                                                    "department",       "promised_limit_days",
                                                    "extra_materials",  "fees",
                                                    "delivery_methods", "online_level",
                                                    "visit_level",      "accepts_cross_city"};
constexpr std::array<std::string_view, 2> kFeeKeys = {"name", "amount_cny"};

std::string indexed(std::string_view key, std::size_t i) {
  return std::string(key) + "[" + std::to_string(i) + "]";
}

template <class E>
Result<E> read_level(const json::Reader& r, std::string_view key,
                     std::optional<E> (*parse)(std::string_view),
                     std::initializer_list<std::string_view> names) {
  auto s = r.one_of(key, names);
  if (!s) return fail(std::move(s.error()));
  return *parse(*s);
}

}  // namespace

double total_fees(const Implementation& impl) {
  double sum = 0;
  for (const auto& f : impl.fees) sum += f.amount_cny;
  return sum;
}

Result<void> validate_implementation(const Implementation& impl, const BaseItem& item) {
  if (impl.item_code != item.code) {
    return fail(Error::invalid("item_code", "item_mismatch",
                               "item_code " + impl.item_code + " is not " + item.code));
  }
  if (!cities::directory().is_known_city(impl.city)) {
    return fail(Error::invalid("city", "unknown_city", "city " + impl.city + " is not known"));
  }
  if (impl.department.empty()) {
    return fail(Error::invalid("department", "required", "department is required"));
  }
  if (impl.promised_limit_days < 1) {
    return fail(Error::invalid("promised_limit_days", "range", "promised_limit_days must be >= 1"));
  }
  if (impl.promised_limit_days > item.statutory_limit_days) {
    return fail(Error::invalid("promised_limit_days", "promised_above_statutory",
                               "promised_limit_days " + std::to_string(impl.promised_limit_days) +
                                   " exceeds the statutory limit " +
                                   std::to_string(item.statutory_limit_days)));
  }
  for (std::size_t i = 0; i < impl.extra_materials.size(); ++i) {
    const auto& m = impl.extra_materials[i];
    bool dup = false;
    for (const auto& b : item.materials) dup = dup || b.name_zh == m.name_zh;
    for (std::size_t k = 0; k < i; ++k) dup = dup || impl.extra_materials[k].name_zh == m.name_zh;
    if (dup) {
      const auto name = indexed("extra_materials", i) + ".name_zh";
      return fail(Error::invalid(name, "duplicate_material",
                                 name + " " + m.name_zh + " is already required"));
    }
  }
  if (item.power_type == PowerType::administrative_licensing && item.materials.empty() &&
      impl.extra_materials.empty()) {
    return fail(Error::invalid("extra_materials", "materials_required",
                               "an administrative_licensing item needs at least one material"));
  }
  for (std::size_t i = 0; i < impl.fees.size(); ++i) {
    const auto& f = impl.fees[i];
    if (f.name.empty()) {
      const auto name = indexed("fees", i) + ".name";
      return fail(Error::invalid(name, "required", name + " is required"));
    }
    if (!(f.amount_cny >= 0)) {
      const auto name = indexed("fees", i) + ".amount_cny";
      return fail(Error::invalid(name, "negative_fee", name + " must be >= 0"));
    }
    for (std::size_t k = 0; k < i; ++k) {
      if (impl.fees[k].name == f.name) {
        const auto name = indexed("fees", i) + ".name";
        return fail(
            Error::invalid(name, "duplicate_fee", name + " " + f.name + " is listed twice"));
      }
    }
  }
  if (impl.delivery_methods.empty()) {
    return fail(Error::invalid("delivery_methods", "min_items",
                               "delivery_methods must have at least 1 items"));
  }
  for (std::size_t i = 0; i < impl.delivery_methods.size(); ++i) {
    for (std::size_t k = 0; k < i; ++k) {
      if (impl.delivery_methods[k] == impl.delivery_methods[i]) {
        const auto name = indexed("delivery_methods", i);
        return fail(Error::invalid(name, "duplicate", name + " is listed twice"));
      }
    }
  }
  if (impl.visit_level == VisitLevel::zero && impl.online_level != OnlineLevel::full) {
    return fail(Error::invalid("online_level", "zero_visit_requires_full_online",
                               "visit_level zero requires online_level full"));
  }
  if (impl.accepts_cross_city && !item.cross_city_eligible) {
    return fail(Error::invalid("accepts_cross_city", "not_cross_city_eligible",
                               item.code + " is not cross-city eligible"));
  }
  return {};
}

Result<Implementation> read_implementation(const boost::json::object& obj, const BaseItem& item) {
  if (auto ok = check_keys(obj, kKeys, ""); !ok) return fail(std::move(ok.error()));
  json::Reader r(obj);
  Implementation impl;

  auto code = r.string("item_code", 1, 16);
  if (!code) return fail(std::move(code.error()));
  impl.item_code = std::move(*code);
  auto city = r.string("city", 1, 16);
  if (!city) return fail(std::move(city.error()));
  impl.city = std::move(*city);
  auto dept = r.string("department", 1, 200);
  if (!dept) return fail(std::move(dept.error()));
  impl.department = std::move(*dept);
  auto limit = r.integer("promised_limit_days", 1, 3650);
  if (!limit) return fail(std::move(limit.error()));
  impl.promised_limit_days = static_cast<int>(*limit);

  auto mats = r.array("extra_materials", 0, 20);
  if (!mats) return fail(std::move(mats.error()));
  for (std::size_t i = 0; i < (*mats)->size(); ++i) {
    const auto name = indexed("extra_materials", i);
    const auto& v = (**mats)[i];
    if (!v.is_object()) return fail(Error::invalid(name, "type", name + " must be an object"));
    auto m = read_material(v.get_object(), name);
    if (!m) return fail(std::move(m.error()));
    impl.extra_materials.push_back(std::move(*m));
  }

  auto fees = r.array("fees", 0, 20);
  if (!fees) return fail(std::move(fees.error()));
  for (std::size_t i = 0; i < (*fees)->size(); ++i) {
    const auto name = indexed("fees", i);
    const auto& v = (**fees)[i];
    if (!v.is_object()) return fail(Error::invalid(name, "type", name + " must be an object"));
    if (auto ok = check_keys(v.get_object(), kFeeKeys, name); !ok) {
      return fail(std::move(ok.error()));
    }
    json::Reader fr(v.get_object(), name);
    LocalFee fee;
    auto fee_name = fr.string("name", 1, 200);
    if (!fee_name) return fail(std::move(fee_name.error()));
    fee.name = std::move(*fee_name);
    const auto amount_name = fr.field_name("amount_cny");
    const auto* amount = v.get_object().if_contains("amount_cny");
    if (!amount || amount->is_null()) {
      return fail(Error::invalid(amount_name, "required", amount_name + " is required"));
    }
    if (!amount->is_number()) {
      return fail(Error::invalid(amount_name, "type", amount_name + " must be a number"));
    }
    fee.amount_cny = amount->to_number<double>();
    impl.fees.push_back(std::move(fee));
  }

  auto dm = read_delivery_methods(obj, "delivery_methods", "");
  if (!dm) return fail(std::move(dm.error()));
  impl.delivery_methods = std::move(*dm);

  auto online =
      read_level<OnlineLevel>(r, "online_level", &parse_online_level, {"full", "partial", "none"});
  if (!online) return fail(std::move(online.error()));
  impl.online_level = *online;
  auto visit =
      read_level<VisitLevel>(r, "visit_level", &parse_visit_level, {"zero", "once", "multiple"});
  if (!visit) return fail(std::move(visit.error()));
  impl.visit_level = *visit;
  auto cross = r.boolean("accepts_cross_city");
  if (!cross) return fail(std::move(cross.error()));
  impl.accepts_cross_city = *cross;

  if (auto ok = validate_implementation(impl, item); !ok) return fail(std::move(ok.error()));
  return impl;
}

boost::json::object to_json(const Implementation& impl) {
  boost::json::object o;
  o["item_code"] = impl.item_code;
  o["city"] = impl.city;
  o["department"] = impl.department;
  o["promised_limit_days"] = impl.promised_limit_days;
  boost::json::array mats;
  for (const auto& m : impl.extra_materials) mats.emplace_back(to_json(m));
  o["extra_materials"] = std::move(mats);
  boost::json::array fees;
  for (const auto& f : impl.fees) {
    boost::json::object fo;
    fo["name"] = f.name;
    fo["amount_cny"] = money_value(f.amount_cny);
    fees.emplace_back(std::move(fo));
  }
  o["fees"] = std::move(fees);
  boost::json::array dm;
  for (auto d : impl.delivery_methods) dm.emplace_back(to_string(d));
  o["delivery_methods"] = std::move(dm);
  o["online_level"] = to_string(impl.online_level);
  o["visit_level"] = to_string(impl.visit_level);
  o["accepts_cross_city"] = impl.accepts_cross_city;
  return o;
}

}  // namespace tongban::catalog

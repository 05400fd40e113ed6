// Hand-made base items and implementations shared by the catalog domain tests.
#pragma once

#include "domain/implementation.hpp"
#include "domain/item.hpp"

namespace tongban::catalog::testing {

inline BaseItem licence_item() {
  BaseItem it;
  it.code = "TR-0001";
  it.name_zh = "机动车驾驶证期满换证";
  it.name_en = "Renewal of a driving licence on expiry";
  it.power_type = PowerType::administrative_licensing;
  it.department_category = DepartmentCategory::transport;
  it.legal_basis = {"《机动车驾驶证申领和使用规定》"};
  it.materials = {{"居民身份证", "Resident identity card", MaterialForm::original,
                   ELicenceType::resident_id_card},
                  {"身体条件证明", "Medical certificate", MaterialForm::electronic, std::nullopt}};
  it.statutory_limit_days = 20;
  it.promised_limit_days_typical = 5;
  it.visit_level = VisitLevel::once;
  it.online_level = OnlineLevel::partial;
  it.cross_city_eligible = true;
  it.min_assurance_level = 2;
  it.fee = Fee{10, "工本费每证10元"};
  it.delivery_methods = {DeliveryMethod::window, DeliveryMethod::mail};
  it.frequency_rank = 1;
  return it;
}

// An implementation that follows the item's national standard exactly.
inline Implementation standard_impl(const BaseItem& it, std::string city = "320100") {
  Implementation impl;
  impl.item_code = it.code;
  impl.city = std::move(city);
  impl.department = "南京市交通运输局";
  impl.promised_limit_days = it.promised_limit_days_typical;
  if (it.fee) impl.fees = {{"工本费", it.fee->amount_cny}};
  impl.delivery_methods = it.delivery_methods;
  impl.online_level = it.online_level;
  impl.visit_level = it.visit_level;
  impl.accepts_cross_city = it.cross_city_eligible;
  return impl;
}

}  // namespace tongban::catalog::testing

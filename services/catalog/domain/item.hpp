// National base items (政务服务事项基本目录): the "same item, same standard" layer every city
// implements, read strictly from JSON with the rules of data/catalog/validate.py.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::catalog {

enum class PowerType : std::uint8_t {
  administrative_licensing,
  administrative_confirmation,
  administrative_payment,
  administrative_collection,
  administrative_ruling,
  administrative_reward,
  other_administrative_power,
  public_service,
};

enum class DepartmentCategory : std::uint8_t {
  public_security,
  human_resources_social_security,
  healthcare_security,
  housing_fund,
  market_regulation,
  health,
  civil_affairs,
  education,
  taxation,
  natural_resources,
  transport,
  veterans_affairs,
  justice,
  other,
};

enum class MaterialForm : std::uint8_t { original, copy, electronic };

enum class ELicenceType : std::uint8_t {
  resident_id_card,
  household_register,
  residence_permit,
  marriage_certificate,
  birth_medical_certificate,
  business_licence,
  driving_licence,
  vehicle_registration,
  social_security_card,
  academic_certificate,
  degree_certificate,
  real_estate_certificate,
  disability_certificate,
  retirement_certificate,
  professional_qualification,
  veteran_certificate,
  no_criminal_record,
};

// Ordered best first: a larger value is worse (more visits, less online).
enum class VisitLevel : std::uint8_t { zero, once, multiple };
enum class OnlineLevel : std::uint8_t { full, partial, none };

enum class DeliveryMethod : std::uint8_t { window, mail, online };

// Names as written in JSON; parse_* returns nullopt for anything else (case-sensitive).
std::string_view to_string(PowerType v);
std::string_view to_string(DepartmentCategory v);
std::string_view to_string(MaterialForm v);
std::string_view to_string(ELicenceType v);
std::string_view to_string(VisitLevel v);
std::string_view to_string(OnlineLevel v);
std::string_view to_string(DeliveryMethod v);
std::optional<PowerType> parse_power_type(std::string_view text);
std::optional<DepartmentCategory> parse_department_category(std::string_view text);
std::optional<MaterialForm> parse_material_form(std::string_view text);
std::optional<ELicenceType> parse_e_licence_type(std::string_view text);
std::optional<VisitLevel> parse_visit_level(std::string_view text);
std::optional<OnlineLevel> parse_online_level(std::string_view text);
std::optional<DeliveryMethod> parse_delivery_method(std::string_view text);

// The two-letter code prefix of a department ("PS" for public_security).
std::string_view code_prefix(DepartmentCategory v);
// The department's usual Chinese name ("公安"), for generated local department names.
std::string_view name_zh(DepartmentCategory v);

struct Material {
  std::string name_zh;
  std::string name_en;
  MaterialForm form = MaterialForm::copy;
  // The electronic licence (held by datahub) that can replace the material, if any.
  std::optional<ELicenceType> e_licence_type;
  friend bool operator==(const Material&, const Material&) = default;
};

// A nationally fixed fee.
struct Fee {
  double amount_cny = 0;
  std::string basis;
  friend bool operator==(const Fee&, const Fee&) = default;
};

struct BaseItem {
  std::string code;  // "PS-0001"
  std::string name_zh;
  std::string name_en;
  PowerType power_type = PowerType::public_service;
  DepartmentCategory department_category = DepartmentCategory::other;
  std::vector<std::string> legal_basis;
  std::vector<Material> materials;
  int statutory_limit_days = 1;
  int promised_limit_days_typical = 1;
  VisitLevel visit_level = VisitLevel::once;
  OnlineLevel online_level = OnlineLevel::partial;
  bool cross_city_eligible = false;
  int min_assurance_level = 2;
  std::optional<Fee> fee;
  std::vector<DeliveryMethod> delivery_methods;  // as written; no duplicates
  int frequency_rank = 1;
  friend bool operator==(const BaseItem&, const BaseItem&) = default;
};

// Reads one item with every rule of data/catalog/README.md that concerns a single item.
// Errors are Errc::invalid_argument naming the field (`materials[2].form`, prefixed with
// `path` when given) and the rule (see README.md).
Result<BaseItem> read_base_item(const boost::json::object& obj, std::string_view path = {});

// The whole seed file `{"version": 1, "items": [...]}`, all or nothing: every item rule plus
// unique codes, names and ranks, ranks exactly 1..N. Fields are named `items[i].field`.
Result<std::vector<BaseItem>> load_base_items(std::string_view json_text);

boost::json::object to_json(const BaseItem& item);
boost::json::object to_json(const Material& material);

// Shared rule helpers (also used by implementations).
Result<Material> read_material(const boost::json::object& obj, const std::string& path);
// Refuses any key not in `allowed`: rule `unknown_key`.
Result<void> check_keys(const boost::json::object& obj, std::span<const std::string_view> allowed,
                        std::string_view path);
Result<std::vector<DeliveryMethod>> read_delivery_methods(const boost::json::object& obj,
                                                          std::string_view key,
                                                          std::string_view path);
// A whole amount as an integer (20, not 2E1), else a double.
boost::json::value money_value(double amount);
// "a.b" or "b" when `path` is empty.
std::string join_field(std::string_view path, std::string_view key);

}  // namespace tongban::catalog

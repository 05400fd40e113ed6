#include "domain/item.hpp"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <map>
#include <set>

#include "domain/utf8.hpp"
#include "tongban/core/json.hpp"
#include "tongban/core/json_sax.hpp"

namespace tongban::catalog {
namespace {

constexpr std::array<std::string_view, 8> kPowerTypes = {
    "administrative_licensing",   "administrative_confirmation",
    "administrative_payment",     "administrative_collection",
    "administrative_ruling",      "administrative_reward",
    "other_administrative_power", "public_service"};
constexpr std::array<std::string_view, 14> kDepartments = {"public_security",
                                                           "human_resources_social_security",
                                                           "healthcare_security",
                                                           "housing_fund",
                                                           "market_regulation",
                                                           "health",
                                                           "civil_affairs",
                                                           "education",
                                                           "taxation",
                                                           "natural_resources",
                                                           "transport",
                                                           "veterans_affairs",
                                                           "justice",
                                                           "other"};
constexpr std::array<std::string_view, 14> kPrefixes = {"PS", "HR", "HS", "HF", "MR", "HE", "CA",
                                                        "ED", "TX", "NR", "TR", "VA", "JU", "OT"};
constexpr std::array<std::string_view, 14> kDepartmentZh = {"公安",         "人力资源和社会保障",
                                                            "医疗保障",     "住房公积金",
                                                            "市场监督管理", "卫生健康",
                                                            "民政",         "教育",
                                                            "税务",         "自然资源和规划",
                                                            "交通运输",     "退役军人事务",
                                                            "司法",         "其他"};
constexpr std::array<std::string_view, 3> kForms = {"original", "copy", "electronic"};
constexpr std::array<std::string_view, 17> kELicences = {
    "resident_id_card",       "household_register",        "residence_permit",
    "marriage_certificate",   "birth_medical_certificate", "business_licence",
    "driving_licence",        "vehicle_registration",      "social_security_card",
    "academic_certificate",   "degree_certificate",        "real_estate_certificate",
    "disability_certificate", "retirement_certificate",    "professional_qualification",
    "veteran_certificate",    "no_criminal_record"};
constexpr std::array<std::string_view, 3> kVisits = {"zero", "once", "multiple"};
constexpr std::array<std::string_view, 3> kOnlines = {"full", "partial", "none"};
constexpr std::array<std::string_view, 3> kDeliveries = {"window", "mail", "online"};

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

template <std::size_t N>
std::string list_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Reads `key` as one of `names`: rule `enum`.
template <class E, std::size_t N>
Result<E> read_enum(const json::Reader& r, std::string_view key,
                    const std::array<std::string_view, N>& names) {
  auto s = r.string(key);
  if (!s) return fail(std::move(s.error()));
  if (auto v = parse_name<E>(names, *s)) return *v;
  const auto name = r.field_name(key);
  return fail(Error::invalid(name, "enum", name + " must be one of: " + list_of(names)));
}

bool is_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v' ||
         c == 0x3000 || c == 0xA0;
}

Result<void> check_trimmed_utf8(const std::string& field, const std::string& text,
                                std::u32string& cps) {
  auto d = utf8::decode(text);
  if (!d) return fail(Error::invalid(field, "utf8", field + " is not valid UTF-8"));
  cps = std::move(*d);
  if (!cps.empty() && (is_space(cps.front()) || is_space(cps.back()))) {
    return fail(
        Error::invalid(field, "trimmed", field + " must not start or end with white space"));
  }
  return {};
}

// A trimmed non-empty string with at least one Chinese character: rule `chinese_text`.
Result<std::string> read_chinese(const json::Reader& r, std::string_view key) {
  auto s = r.string(key, 1, 1024);
  if (!s) return s;
  const auto name = r.field_name(key);
  std::u32string cps;
  if (auto ok = check_trimmed_utf8(name, *s, cps); !ok) return fail(std::move(ok.error()));
  for (auto c : cps) {
    if (utf8::is_cjk(c)) return s;
  }
  return fail(Error::invalid(name, "chinese_text", name + " must contain Chinese text"));
}

// A trimmed non-empty printable ASCII string: rule `ascii_text`.
Result<std::string> read_english(const json::Reader& r, std::string_view key) {
  auto s = r.string(key, 1, 1024);
  if (!s) return s;
  const auto name = r.field_name(key);
  for (char c : *s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 32 || u >= 127) {
      return fail(Error::invalid(name, "ascii_text", name + " must be printable ASCII"));
    }
  }
  if (s->front() == ' ' || s->back() == ' ') {
    return fail(Error::invalid(name, "trimmed", name + " must not start or end with white space"));
  }
  return s;
}

Result<void> require_present(const boost::json::object& obj, std::string_view key,
                             std::string_view path) {
  if (obj.contains(key)) return {};
  const auto name = join_field(path, key);
  return fail(Error::invalid(name, "required", name + " is required"));
}

bool code_format_ok(std::string_view code) {
  if (code.size() != 7 || code[2] != '-') return false;
  for (int i = 0; i < 2; ++i) {
    if (code[i] < 'A' || code[i] > 'Z') return false;
  }
  for (int i = 3; i < 7; ++i) {
    if (code[i] < '0' || code[i] > '9') return false;
  }
  return code.substr(3) != "0000";
}

constexpr std::array<std::string_view, 16> kItemKeys = {"code",
                                                        "name_zh",
                                                        "name_en",
                                                        "power_type",
                                                        "department_category",
                                                        "legal_basis",
                                                        "materials",
                                                        "statutory_limit_days",
                                                        "promised_limit_days_typical",
                                                        "visit_level",
                                                        "online_level",
                                                        "cross_city_eligible",
                                                        "min_assurance_level",
                                                        "fee",
                                                        "delivery_methods",
                                                        "frequency_rank"};
constexpr std::array<std::string_view, 4> kMaterialKeys = {"name_zh", "name_en", "form",
                                                           "e_licence_type"};
constexpr std::array<std::string_view, 2> kFeeKeys = {"amount_cny", "basis"};
constexpr std::array<std::string_view, 2> kDocumentKeys = {"version", "items"};

std::string index_field(std::string_view path, std::string_view key, std::size_t i) {
  return join_field(path, key) + "[" + std::to_string(i) + "]";
}

// Finds the first key repeated within one object. Boost.JSON keeps the last of duplicate
// keys silently; validate.py refuses them, so the loader must too.
struct DuplicateKeyHandler : json::SaxDefaults {
  std::vector<std::set<std::string>> objects;
  std::string key;
  std::optional<std::string> duplicate;

  bool on_object_begin(ec_t&) {
    objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, ec_t&) {
    objects.pop_back();
    return true;
  }
  bool on_key_part(sv s, std::size_t, ec_t&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, ec_t& ec) {
    key.append(s.data(), s.size());
    if (!objects.back().insert(key).second) {
      duplicate = key;
      ec = boost::json::error::syntax;
      return false;
    }
    key.clear();
    return true;
  }
};

// The first duplicate key of `text`, if any (syntax errors are left to json::parse).
std::optional<std::string> find_duplicate_key(std::string_view text) {
  boost::json::basic_parser<DuplicateKeyHandler> p(boost::json::parse_options{});
  boost::system::error_code ec;
  p.write_some(false, text.data(), text.size(), ec);
  return p.handler().duplicate;
}

}  // namespace

std::string_view to_string(PowerType v) { return kPowerTypes.at(static_cast<std::size_t>(v)); }
std::string_view to_string(DepartmentCategory v) {
  return kDepartments.at(static_cast<std::size_t>(v));
}
std::string_view to_string(MaterialForm v) { return kForms.at(static_cast<std::size_t>(v)); }
std::string_view to_string(ELicenceType v) { return kELicences.at(static_cast<std::size_t>(v)); }
std::string_view to_string(VisitLevel v) { return kVisits.at(static_cast<std::size_t>(v)); }
std::string_view to_string(OnlineLevel v) { return kOnlines.at(static_cast<std::size_t>(v)); }
std::string_view to_string(DeliveryMethod v) { return kDeliveries.at(static_cast<std::size_t>(v)); }
std::optional<PowerType> parse_power_type(std::string_view t) {
  return parse_name<PowerType>(kPowerTypes, t);
}
std::optional<DepartmentCategory> parse_department_category(std::string_view t) {
  return parse_name<DepartmentCategory>(kDepartments, t);
}
std::optional<MaterialForm> parse_material_form(std::string_view t) {
  return parse_name<MaterialForm>(kForms, t);
}
std::optional<ELicenceType> parse_e_licence_type(std::string_view t) {
  return parse_name<ELicenceType>(kELicences, t);
}
std::optional<VisitLevel> parse_visit_level(std::string_view t) {
  return parse_name<VisitLevel>(kVisits, t);
}
std::optional<OnlineLevel> parse_online_level(std::string_view t) {
  return parse_name<OnlineLevel>(kOnlines, t);
}
std::optional<DeliveryMethod> parse_delivery_method(std::string_view t) {
  return parse_name<DeliveryMethod>(kDeliveries, t);
}
std::string_view code_prefix(DepartmentCategory v) {
  return kPrefixes.at(static_cast<std::size_t>(v));
}
std::string_view name_zh(DepartmentCategory v) {
  return kDepartmentZh.at(static_cast<std::size_t>(v));
}

std::string join_field(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

Result<void> check_keys(const boost::json::object& obj, std::span<const std::string_view> allowed,
                        std::string_view path) {
  for (const auto& kv : obj) {
    bool known = false;
    for (auto a : allowed) known = known || a == kv.key();
    if (!known) {
      const auto name = join_field(path, kv.key());
      return fail(Error::invalid(name, "unknown_key", name + " is not a known field"));
    }
  }
  return {};
}

Result<Material> read_material(const boost::json::object& obj, const std::string& path) {
  if (auto ok = check_keys(obj, kMaterialKeys, path); !ok) return fail(std::move(ok.error()));
  json::Reader r(obj, path);
  Material m;
  auto zh = read_chinese(r, "name_zh");
  if (!zh) return fail(std::move(zh.error()));
  m.name_zh = std::move(*zh);
  auto en = read_english(r, "name_en");
  if (!en) return fail(std::move(en.error()));
  m.name_en = std::move(*en);
  auto form = read_enum<MaterialForm>(r, "form", kForms);
  if (!form) return fail(std::move(form.error()));
  m.form = *form;
  // Required, but null is a value: "no e-licence can replace it".
  if (auto ok = require_present(obj, "e_licence_type", path); !ok) {
    return fail(std::move(ok.error()));
  }
  if (!obj.at("e_licence_type").is_null()) {
    auto e = read_enum<ELicenceType>(r, "e_licence_type", kELicences);
    if (!e) return fail(std::move(e.error()));
    m.e_licence_type = *e;
  }
  return m;
}

Result<std::vector<DeliveryMethod>> read_delivery_methods(const boost::json::object& obj,
                                                          std::string_view key,
                                                          std::string_view path) {
  json::Reader r(obj, std::string(path));
  auto arr = r.array(key, 1, 3 + 1);
  if (!arr) return fail(std::move(arr.error()));
  std::vector<DeliveryMethod> out;
  for (std::size_t i = 0; i < (*arr)->size(); ++i) {
    const auto name = index_field(path, key, i);
    const auto& v = (**arr)[i];
    std::optional<DeliveryMethod> d;
    if (v.is_string()) d = parse_delivery_method(v.get_string());
    if (!d) {
      return fail(Error::invalid(name, "enum", name + " must be one of: " + list_of(kDeliveries)));
    }
    for (auto seen : out) {
      if (seen == *d) {
        return fail(
            Error::invalid(name, "duplicate", name + " repeats " + std::string(to_string(*d))));
      }
    }
    out.push_back(*d);
  }
  return out;
}

Result<BaseItem> read_base_item(const boost::json::object& obj, std::string_view path_view) {
  const std::string path(path_view);
  if (auto ok = check_keys(obj, kItemKeys, path); !ok) return fail(std::move(ok.error()));
  json::Reader r(obj, path);
  BaseItem it;

  auto code = r.string("code", 1, 16);
  if (!code) return fail(std::move(code.error()));
  if (!code_format_ok(*code)) {
    const auto name = r.field_name("code");
    return fail(Error::invalid(name, "code_format",
                               name + " must match ^[A-Z]{2}-[0-9]{4}$ and not end in 0000"));
  }
  it.code = std::move(*code);

  auto zh = read_chinese(r, "name_zh");
  if (!zh) return fail(std::move(zh.error()));
  it.name_zh = std::move(*zh);
  auto en = read_english(r, "name_en");
  if (!en) return fail(std::move(en.error()));
  it.name_en = std::move(*en);

  auto power = read_enum<PowerType>(r, "power_type", kPowerTypes);
  if (!power) return fail(std::move(power.error()));
  it.power_type = *power;
  auto dept = read_enum<DepartmentCategory>(r, "department_category", kDepartments);
  if (!dept) return fail(std::move(dept.error()));
  it.department_category = *dept;
  if (std::string_view(it.code).substr(0, 2) != code_prefix(*dept)) {
    const auto name = r.field_name("code");
    return fail(Error::invalid(name, "code_prefix",
                               name + " prefix must be " + std::string(code_prefix(*dept)) +
                                   " for department_category " + std::string(to_string(*dept))));
  }

  auto basis = r.array("legal_basis", 1, 3);
  if (!basis) return fail(std::move(basis.error()));
  for (std::size_t i = 0; i < (*basis)->size(); ++i) {
    const auto name = index_field(path, "legal_basis", i);
    const auto& v = (**basis)[i];
    if (!v.is_string()) {
      return fail(Error::invalid(name, "type", name + " must be a string"));
    }
    std::string s(v.get_string());
    std::u32string cps;
    if (auto ok = check_trimmed_utf8(name, s, cps); !ok) return fail(std::move(ok.error()));
    // 《...》 with at least one character inside and no nested brackets.
    const auto open = s.find("《");
    const auto close = open == std::string::npos ? open : s.find("》", open + 3);
    const bool law = open != std::string::npos && close != std::string::npos && close > open + 3 &&
                     s.substr(open + 3, close - open - 3).find("《") == std::string::npos;
    if (!law) {
      return fail(
          Error::invalid(name, "law_reference", name + " must name a law or regulation in 《》"));
    }
    for (const auto& seen : it.legal_basis) {
      if (seen == s) return fail(Error::invalid(name, "duplicate", name + " is listed twice"));
    }
    it.legal_basis.push_back(std::move(s));
  }

  if (auto ok = require_present(obj, "materials", path); !ok) return fail(std::move(ok.error()));
  auto mats = r.array("materials", 0, 100);
  if (!mats) return fail(std::move(mats.error()));
  for (std::size_t i = 0; i < (*mats)->size(); ++i) {
    const auto name = index_field(path, "materials", i);
    const auto& v = (**mats)[i];
    if (!v.is_object()) return fail(Error::invalid(name, "type", name + " must be an object"));
    auto m = read_material(v.get_object(), name);
    if (!m) return fail(std::move(m.error()));
    for (const auto& seen : it.materials) {
      if (seen.name_zh == m->name_zh) {
        return fail(Error::invalid(name + ".name_zh", "duplicate_material",
                                   name + ".name_zh " + m->name_zh + " is listed twice"));
      }
    }
    it.materials.push_back(std::move(*m));
  }
  if (it.power_type == PowerType::administrative_licensing && it.materials.empty()) {
    const auto name = r.field_name("materials");
    return fail(Error::invalid(name, "materials_required",
                               "an administrative_licensing item needs at least one material"));
  }

  auto stat = r.integer("statutory_limit_days", 1, 3650);
  if (!stat) return fail(std::move(stat.error()));
  it.statutory_limit_days = static_cast<int>(*stat);
  auto prom = r.integer("promised_limit_days_typical", 1, 3650);
  if (!prom) return fail(std::move(prom.error()));
  it.promised_limit_days_typical = static_cast<int>(*prom);
  if (*prom > *stat) {
    const auto name = r.field_name("promised_limit_days_typical");
    return fail(Error::invalid(name, "promised_above_statutory",
                               name + " " + std::to_string(*prom) +
                                   " exceeds statutory_limit_days " + std::to_string(*stat)));
  }

  auto visit = read_enum<VisitLevel>(r, "visit_level", kVisits);
  if (!visit) return fail(std::move(visit.error()));
  it.visit_level = *visit;
  auto online = read_enum<OnlineLevel>(r, "online_level", kOnlines);
  if (!online) return fail(std::move(online.error()));
  it.online_level = *online;
  if (it.visit_level == VisitLevel::zero && it.online_level != OnlineLevel::full) {
    const auto name = r.field_name("online_level");
    return fail(Error::invalid(name, "zero_visit_requires_full_online",
                               "visit_level zero requires online_level full"));
  }

  auto cross = r.boolean("cross_city_eligible");
  if (!cross) return fail(std::move(cross.error()));
  it.cross_city_eligible = *cross;
  auto level = r.integer("min_assurance_level", 1, 3);
  if (!level) return fail(std::move(level.error()));
  it.min_assurance_level = static_cast<int>(*level);

  if (obj.contains("fee")) {
    auto fee_obj = r.object("fee");
    if (!fee_obj) return fail(std::move(fee_obj.error()));
    const auto fee_path = r.field_name("fee");
    if (auto ok = check_keys(**fee_obj, kFeeKeys, fee_path); !ok) {
      return fail(std::move(ok.error()));
    }
    json::Reader fr(**fee_obj, fee_path);
    const auto amount_name = fr.field_name("amount_cny");
    const auto* amount = (*fee_obj)->if_contains("amount_cny");
    if (!amount || amount->is_null()) {
      return fail(Error::invalid(amount_name, "required", amount_name + " is required"));
    }
    if (!amount->is_number()) {
      return fail(Error::invalid(amount_name, "type", amount_name + " must be a number"));
    }
    Fee fee;
    fee.amount_cny = amount->to_number<double>();
    if (!(fee.amount_cny > 0)) {
      return fail(Error::invalid(amount_name, "positive",
                                 amount_name + " must be > 0 (omit fee when free)"));
    }
    auto fee_basis = read_chinese(fr, "basis");
    if (!fee_basis) return fail(std::move(fee_basis.error()));
    fee.basis = std::move(*fee_basis);
    it.fee = std::move(fee);
  }

  auto dm = read_delivery_methods(obj, "delivery_methods", path);
  if (!dm) return fail(std::move(dm.error()));
  it.delivery_methods = std::move(*dm);

  auto rank = r.integer("frequency_rank", 1, 1'000'000);
  if (!rank) return fail(std::move(rank.error()));
  it.frequency_rank = static_cast<int>(*rank);
  return it;
}

Result<std::vector<BaseItem>> load_base_items(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc) return fail(std::move(doc.error()));
  if (auto dup = find_duplicate_key(json_text)) {
    return fail(Error::invalid("document", "duplicate_key",
                               "the key \"" + *dup + "\" appears twice in one object"));
  }
  if (!doc->is_object()) {
    return fail(Error::invalid("document", "type", "the catalog file must be a JSON object"));
  }
  const auto& obj = doc->get_object();
  if (auto ok = check_keys(obj, kDocumentKeys, ""); !ok) return fail(std::move(ok.error()));
  const auto* version = obj.if_contains("version");
  if (!version || !version->is_int64() || version->get_int64() != 1) {
    return fail(Error::invalid("version", "format_version", "version must be the integer 1"));
  }
  json::Reader r(obj);
  auto items = r.array("items", 1, 100000);
  if (!items) return fail(std::move(items.error()));

  std::vector<BaseItem> out;
  out.reserve((*items)->size());
  std::map<std::string, std::size_t> codes, names_zh, names_en;
  std::map<int, std::size_t> ranks;
  const auto n = (*items)->size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto path = "items[" + std::to_string(i) + "]";
    const auto& v = (**items)[i];
    if (!v.is_object()) return fail(Error::invalid(path, "type", path + " must be an object"));
    auto item = read_base_item(v.get_object(), path);
    if (!item) return fail(std::move(item.error()));
    auto unique = [&](auto& seen, const auto& key, std::string_view field,
                      std::string_view rule) -> Result<void> {
      auto [it, inserted] = seen.emplace(key, i);
      if (inserted) return {};
      const auto name = path + "." + std::string(field);
      return fail(
          Error::invalid(name, std::string(rule),
                         name + " repeats the value of items[" + std::to_string(it->second) + "]"));
    };
    if (auto ok = unique(codes, item->code, "code", "duplicate_code"); !ok) {
      return fail(std::move(ok.error()));
    }
    if (auto ok = unique(names_zh, item->name_zh, "name_zh", "duplicate_name"); !ok) {
      return fail(std::move(ok.error()));
    }
    if (auto ok = unique(names_en, item->name_en, "name_en", "duplicate_name"); !ok) {
      return fail(std::move(ok.error()));
    }
    if (auto ok = unique(ranks, item->frequency_rank, "frequency_rank", "duplicate_rank"); !ok) {
      return fail(std::move(ok.error()));
    }
    if (static_cast<std::size_t>(item->frequency_rank) > n) {
      const auto name = path + ".frequency_rank";
      return fail(
          Error::invalid(name, "rank_range", name + " must be within 1.." + std::to_string(n)));
    }
    out.push_back(std::move(*item));
  }
  return out;
}

boost::json::value money_value(double amount) {
  // 20 rather than 2E1: amounts are mostly whole yuan and read by people.
  if (amount == static_cast<double>(static_cast<std::int64_t>(amount))) {
    return static_cast<std::int64_t>(amount);
  }
  return amount;
}

boost::json::object to_json(const Material& m) {
  boost::json::object o;
  o["name_zh"] = m.name_zh;
  o["name_en"] = m.name_en;
  o["form"] = to_string(m.form);
  if (m.e_licence_type) {
    o["e_licence_type"] = to_string(*m.e_licence_type);
  } else {
    o["e_licence_type"] = nullptr;
  }
  return o;
}

boost::json::object to_json(const BaseItem& it) {
  boost::json::object o;
  o["code"] = it.code;
  o["name_zh"] = it.name_zh;
  o["name_en"] = it.name_en;
  o["power_type"] = to_string(it.power_type);
  o["department_category"] = to_string(it.department_category);
  boost::json::array basis;
  for (const auto& b : it.legal_basis) basis.emplace_back(b);
  o["legal_basis"] = std::move(basis);
  boost::json::array mats;
  for (const auto& m : it.materials) mats.emplace_back(to_json(m));
  o["materials"] = std::move(mats);
  o["statutory_limit_days"] = it.statutory_limit_days;
  o["promised_limit_days_typical"] = it.promised_limit_days_typical;
  o["visit_level"] = to_string(it.visit_level);
  o["online_level"] = to_string(it.online_level);
  o["cross_city_eligible"] = it.cross_city_eligible;
  o["min_assurance_level"] = it.min_assurance_level;
  if (it.fee) {
    boost::json::object fee;
    fee["amount_cny"] = money_value(it.fee->amount_cny);
    fee["basis"] = it.fee->basis;
    o["fee"] = std::move(fee);
  }
  boost::json::array dm;
  for (auto d : it.delivery_methods) dm.emplace_back(to_string(d));
  o["delivery_methods"] = std::move(dm);
  o["frequency_rank"] = it.frequency_rank;
  return o;
}

}  // namespace tongban::catalog

#include "domain/subject.hpp"

#include <algorithm>

#include "domain/password_policy.hpp"
#include "domain/text.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"

namespace tongban::identity {
namespace {

bool is_login_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// Generous: the field rules give the precise limits and messages.
constexpr std::size_t kMaxFieldBytes = 64 * 1024;

// A string field that must be present; the domain checks its content afterwards.
Result<std::string> required(const json::Reader& r, std::string_view key) {
  return r.string(key, 0, kMaxFieldBytes);
}

// Reads `key` as an array of strings, naming elements "key[i]".
Result<std::vector<std::string>> string_array(const json::Reader& r, std::string_view key,
                                              std::size_t min_items, std::size_t max_items) {
  auto arr = r.array(key, min_items, max_items);
  if (!arr) return fail(std::move(arr.error()));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < (*arr)->size(); ++i) {
    const auto& v = (**arr)[i];
    if (!v.is_string()) {
      const auto name = r.field_name(key) + "[" + std::to_string(i) + "]";
      return fail(Error::invalid(name, "type", name + " must be a string"));
    }
    out.emplace_back(v.get_string());
  }
  return out;
}

// Binds `var` to the value of a Result, or returns its error. Local to this file: the reading
// functions are long sequences of such steps.
#define TONGBAN_TRY(var, expr)                                     \
  auto var##_result = (expr);                                      \
  if (!var##_result) return fail(std::move(var##_result.error())); \
  auto var = std::move(*var##_result)
#define TONGBAN_CHECK(expr) \
  if (auto check_result = (expr); !check_result) return fail(std::move(check_result.error()))

}  // namespace

Result<std::string> check_name(std::string value, std::string_view field, std::size_t max_length) {
  const std::string name(field);
  const auto length = utf8_length(value);
  if (!length) {
    return fail(Error::invalid(name, "encoding", name + " must be valid UTF-8"));
  }
  if (*length == 0 || is_blank(value)) {
    return fail(Error::invalid(name, "min_length", name + " must not be empty or blank"));
  }
  if (*length > max_length) {
    return fail(Error::invalid(name, "max_length",
                               name + " must have at most " + std::to_string(max_length) +
                                   " characters, got " + std::to_string(*length)));
  }
  if (has_control_characters(value)) {
    return fail(Error::invalid(name, "control_characters",
                               name + " must not contain control characters (tabs, line breaks "
                                      "and the like)"));
  }
  return value;
}

Result<std::string> check_city(std::string value, std::string_view field) {
  if (!cities::directory().is_known_city(value)) {
    const std::string name(field);
    return fail(Error::invalid(
        name, "unknown_city",
        name + ": \"" + value + "\" is not the GB/T 2260 code of a city served here"));
  }
  return value;
}

Result<std::string> check_phone(std::string value, std::string_view field) {
  const bool ok =
      value.size() == 11 && value[0] == '1' && value[1] >= '3' && value[1] <= '9' &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) {
    const std::string name(field);
    return fail(Error::invalid(name, "phone_format",
                               name + " must be a mainland mobile number: 11 digits starting "
                                      "with 13 to 19"));
  }
  return value;
}

Result<std::string> check_login(std::string value, std::string_view field) {
  const bool ok = value.size() >= 3 && value.size() <= 32 &&
                  std::all_of(value.begin(), value.end(), is_login_char);
  if (!ok) {
    const std::string name(field);
    return fail(Error::invalid(name, "login_format",
                               name + " must be 3 to 32 characters of a-z, 0-9, '.', '_' and "
                                      "'-'"));
  }
  return value;
}

Result<CitizenRegistration> read_citizen_registration(const boost::json::object& body,
                                                      std::chrono::year_month_day today) {
  const json::Reader r(body);
  TONGBAN_TRY(id_text, required(r, "id_number"));
  TONGBAN_TRY(id, parse_resident_id(id_text, today, "id_number"));
  TONGBAN_TRY(name_text, required(r, "name"));
  TONGBAN_TRY(name, check_name(std::move(name_text), "name"));
  TONGBAN_TRY(city_text, required(r, "household_city"));
  TONGBAN_TRY(city, check_city(std::move(city_text), "household_city"));
  TONGBAN_TRY(phone_text, required(r, "phone"));
  TONGBAN_TRY(phone, check_phone(std::move(phone_text), "phone"));
  TONGBAN_TRY(password, required(r, "password"));
  TONGBAN_CHECK(check_password(password, {id.number, phone}));
  return CitizenRegistration{std::move(id), std::move(name), std::move(city), std::move(phone),
                             std::move(password)};
}

Result<EnterpriseRegistration> read_enterprise_registration(const boost::json::object& body) {
  const json::Reader r(body);
  TONGBAN_TRY(code_text, required(r, "credit_code"));
  TONGBAN_TRY(code, parse_credit_code(code_text, "credit_code"));
  TONGBAN_TRY(name_text, required(r, "name"));
  TONGBAN_TRY(name, check_name(std::move(name_text), "name", 128));
  TONGBAN_TRY(rep_text, required(r, "legal_representative"));
  TONGBAN_TRY(rep, check_name(std::move(rep_text), "legal_representative"));
  TONGBAN_TRY(city_text, required(r, "city"));
  TONGBAN_TRY(city, check_city(std::move(city_text), "city"));
  TONGBAN_TRY(password, required(r, "password"));
  TONGBAN_CHECK(check_password(password, {code.code}));
  return EnterpriseRegistration{std::move(code), std::move(name), std::move(rep), std::move(city),
                                std::move(password)};
}

Result<StaffRegistration> read_staff_registration(const boost::json::object& body) {
  const json::Reader r(body);
  TONGBAN_TRY(login_text, required(r, "login"));
  TONGBAN_TRY(login, check_login(std::move(login_text)));
  TONGBAN_TRY(name_text, required(r, "name"));
  TONGBAN_TRY(name, check_name(std::move(name_text), "name"));
  TONGBAN_TRY(city_text, required(r, "city"));
  TONGBAN_TRY(city, check_city(std::move(city_text), "city"));
  TONGBAN_TRY(dept_text, required(r, "department"));
  TONGBAN_TRY(department, check_name(std::move(dept_text), "department"));

  TONGBAN_TRY(role_names, string_array(r, "roles", 0, kRoleCount * 4));
  TONGBAN_TRY(roles, parse_roles(role_names, "roles"));
  if (roles.empty()) {
    return fail(Error::invalid("roles", "empty_roles", "roles must name at least one role"));
  }
  for (std::size_t i = 0; i < role_names.size(); ++i) {
    if (!is_staff_role(*parse_role(role_names[i]))) {
      const auto field = "roles[" + std::to_string(i) + "]";
      return fail(Error::invalid(field, "role_not_grantable",
                                 field + ": " + role_names[i] + " is not a staff role"));
    }
  }

  std::optional<SupervisorScope> scope;
  TONGBAN_TRY(scope_text, r.optional_string("supervisor_scope", 64));
  if (scope_text) {
    scope = parse_supervisor_scope(*scope_text);
    if (!scope) {
      return fail(Error::invalid("supervisor_scope", "enum",
                                 "supervisor_scope must be one of: city, province"));
    }
    if (!roles.contains(Role::supervisor)) {
      return fail(Error::invalid("supervisor_scope", "supervisor_scope_without_supervisor",
                                 "supervisor_scope is only for staff with the supervisor role"));
    }
  } else if (roles.contains(Role::supervisor)) {
    scope = SupervisorScope::city;
  }

  TONGBAN_TRY(password, required(r, "password"));
  TONGBAN_CHECK(check_password(password, {login}));
  return StaffRegistration{std::move(login),      std::move(name), std::move(city),
                           std::move(department), roles,           scope,
                           std::move(password)};
}

Result<ServiceAccountRegistration> read_service_account_registration(
    const boost::json::object& body) {
  const json::Reader r(body);
  TONGBAN_TRY(client_id_text, required(r, "client_id"));
  const bool id_ok = client_id_text.size() >= 3 && client_id_text.size() <= 64 &&
                     std::all_of(client_id_text.begin(), client_id_text.end(), is_login_char);
  if (!id_ok) {
    return fail(Error::invalid("client_id", "client_id_format",
                               "client_id must be 3 to 64 characters of a-z, 0-9, '.', '_' and "
                               "'-'"));
  }
  TONGBAN_TRY(name_text, required(r, "name"));
  TONGBAN_TRY(name, check_name(std::move(name_text), "name"));
  TONGBAN_TRY(scopes, string_array(r, "scopes", 1, 64));
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const auto& s = scopes[i];
    const bool ok = !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
      return is_login_char(c) || c == ':';
    });
    if (!ok) {
      const auto field = "scopes[" + std::to_string(i) + "]";
      return fail(Error::invalid(field, "scope_format",
                                 field + " must be 1 to 64 characters of a-z, 0-9, '.', '_', "
                                         "'-' and ':'"));
    }
  }
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  return ServiceAccountRegistration{std::move(client_id_text), std::move(name), std::move(scopes)};
}

#undef TONGBAN_TRY
#undef TONGBAN_CHECK

}  // namespace tongban::identity

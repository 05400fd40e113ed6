#include "tongban/auth/claims.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tongban::auth {
namespace {

constexpr std::size_t kMaxRoles = 64;
constexpr std::size_t kMaxScopes = 128;
constexpr std::size_t kMaxShortString = 256;

Error claim_error(std::string_view rule, std::string message) {
  return Error{Errc::unauthenticated, std::move(message), "token", std::string(rule), false};
}
Error missing(std::string_view name) {
  return claim_error("missing_claim", "token has no \"" + std::string(name) + "\" claim");
}
Error invalid(std::string_view name, std::string_view why) {
  return claim_error("invalid_claim",
                     "token claim \"" + std::string(name) + "\" " + std::string(why));
}

// NumericDate (RFC 7519 §2): seconds, possibly fractional; truncated.
Result<std::optional<std::int64_t>> numeric_date(const boost::json::object& o,
                                                 std::string_view name) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (v->is_int64()) return std::optional<std::int64_t>{v->get_int64()};
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::optional<std::int64_t>{static_cast<std::int64_t>(v->get_uint64())};
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (std::isfinite(d) && d >= 0 && d < 1e15) {
      return std::optional<std::int64_t>{static_cast<std::int64_t>(d)};
    }
  }
  return fail(invalid(name, "must be a NumericDate (seconds since the epoch)"));
}

Result<std::string> short_string(const boost::json::object& o, std::string_view name,
                                 bool required) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) {
    if (required) return fail(missing(name));
    return std::string();
  }
  if (!v->is_string()) return fail(invalid(name, "must be a string"));
  const auto& s = v->get_string();
  if ((required && s.empty()) || s.size() > kMaxShortString) {
    return fail(invalid(name, "must be 1 to 256 characters"));
  }
  return std::string(s);
}

}  // namespace

std::string_view to_string(SubjectType t) {
  switch (t) {
    case SubjectType::citizen:
      return "citizen";
    case SubjectType::enterprise:
      return "enterprise";
    case SubjectType::staff:
      return "staff";
    case SubjectType::service:
      return "service";
  }
  return "?";
}

std::optional<SubjectType> subject_type_from_string(std::string_view s) {
  if (s == "citizen") return SubjectType::citizen;
  if (s == "enterprise") return SubjectType::enterprise;
  if (s == "staff") return SubjectType::staff;
  if (s == "service") return SubjectType::service;
  return std::nullopt;
}

bool is_division_code(std::string_view code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<Claims> parse_claims(const boost::json::object& p) {
  Claims c;
  auto iss = short_string(p, "iss", false);
  if (!iss) return fail(iss.error());
  c.iss = std::move(*iss);
  auto sub = short_string(p, "sub", true);
  if (!sub) return fail(sub.error());
  c.sub = std::move(*sub);

  auto type = short_string(p, "sub_type", true);
  if (!type) return fail(type.error());
  auto st = subject_type_from_string(*type);
  if (!st) return fail(invalid("sub_type", "must be citizen, enterprise, staff or service"));
  c.subject_type = *st;

  if (const auto* aud = p.if_contains("aud"); aud != nullptr) {
    if (aud->is_string()) {
      c.aud.emplace_back(aud->get_string());
    } else if (aud->is_array() && aud->get_array().size() <= kMaxScopes) {
      for (const auto& a : aud->get_array()) {
        if (!a.is_string()) return fail(invalid("aud", "must hold strings only"));
        c.aud.emplace_back(a.get_string());
      }
    } else {
      return fail(invalid("aud", "must be a string or an array of strings"));
    }
  }

  if (const auto* roles = p.if_contains("roles"); roles != nullptr) {
    if (!roles->is_array() || roles->get_array().size() > kMaxRoles) {
      return fail(invalid("roles", "must be an array of at most 64 strings"));
    }
    for (const auto& r : roles->get_array()) {
      if (!r.is_string() || r.get_string().empty() || r.get_string().size() > 64) {
        return fail(invalid("roles", "must hold non-empty strings of at most 64 characters"));
      }
      c.roles.emplace_back(r.get_string());
    }
  }

  auto scope = short_string(p, "scope", false);
  if (!scope) return fail(scope.error());
  for (std::size_t pos = 0; pos < scope->size();) {
    const std::size_t end = std::min(scope->find(' ', pos), scope->size());
    if (end > pos) c.scopes.emplace_back(scope->substr(pos, end - pos));
    pos = end + 1;
  }
  if (c.scopes.size() > kMaxScopes) return fail(invalid("scope", "has too many scopes"));

  auto city = short_string(p, "city", false);
  if (!city) return fail(city.error());
  if (!city->empty() && !is_division_code(*city)) {
    return fail(invalid("city", "must be a 6-digit administrative division code"));
  }
  c.city = std::move(*city);
  auto dept = short_string(p, "dept", false);
  if (!dept) return fail(dept.error());
  c.department = std::move(*dept);

  auto acr = short_string(p, "acr", false);
  if (!acr) return fail(acr.error());
  if (!acr->empty()) {
    if (*acr == "L1") {
      c.assurance_level = 1;
    } else if (*acr == "L2") {
      c.assurance_level = 2;
    } else if (*acr == "L3") {
      c.assurance_level = 3;
    } else {
      return fail(invalid("acr", "must be L1, L2 or L3"));
    }
  }

  auto jti = short_string(p, "jti", false);
  if (!jti) return fail(jti.error());
  c.jti = std::move(*jti);

  auto exp = numeric_date(p, "exp");
  if (!exp) return fail(exp.error());
  if (!*exp) return fail(missing("exp"));
  c.exp = **exp;
  auto iat = numeric_date(p, "iat");
  if (!iat) return fail(iat.error());
  if (!*iat) return fail(missing("iat"));
  c.iat = **iat;
  auto nbf = numeric_date(p, "nbf");
  if (!nbf) return fail(nbf.error());
  c.nbf = nbf->value_or(0);
  return c;
}

bool Principal::has_role(std::string_view role) const {
  return std::find(claims_->roles.begin(), claims_->roles.end(), role) != claims_->roles.end();
}

bool Principal::has_any_role(std::initializer_list<std::string_view> roles) const {
  return std::any_of(roles.begin(), roles.end(), [&](std::string_view r) { return has_role(r); });
}

bool Principal::has_scope(std::string_view scope) const {
  return std::find(claims_->scopes.begin(), claims_->scopes.end(), scope) != claims_->scopes.end();
}

bool Principal::in_city(std::string_view division_code) const {
  return is_division_code(division_code) && claims_->city == division_code;
}

bool Principal::in_province(std::string_view division_code) const {
  return is_division_code(division_code) && is_division_code(claims_->city) &&
         claims_->city.compare(0, 2, division_code.substr(0, 2)) == 0;
}

}  // namespace tongban::auth

// What a verified access token says about its bearer (Claims), and the questions
// authorisation rules ask of it (Principal). Claim names: docs/auth.md.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::auth {

enum class SubjectType { citizen, enterprise, staff, service };
std::string_view to_string(SubjectType t);
std::optional<SubjectType> subject_type_from_string(std::string_view s);

struct Claims {
  std::string iss;
  std::string sub;
  SubjectType subject_type = SubjectType::citizen;  // claim "sub_type"
  std::vector<std::string> aud;                     // "aud": string or array
  std::vector<std::string> roles;                   // "roles": ["clerk", ...]
  std::vector<std::string> scopes;                  // "scope": space-separated (RFC 8693 §4.2)
  std::string city;        // "city": 6-digit administrative division code; may be empty
  std::string department;  // "dept"
  // Real-name assurance (SPEC §3.1) from "acr": "L1" password, "L2" verified ID, "L3" in
  // person; 0 when absent, so every minimum-level rule fails closed.
  int assurance_level = 0;
  std::string jti;
  std::int64_t exp = 0;  // NumericDate seconds
  std::int64_t iat = 0;
  std::int64_t nbf = 0;  // 0 when absent
  std::string kid;       // the key that verified the token, for audit logs
};

// Structure and types of the payload (sub, sub_type, exp, iat required; formats of city,
// acr, roles). Time, issuer and audience are the Verifier's checks, not this one's.
// Errors: Errc::unauthenticated, field "token", rule "invalid_claim"/"missing_claim".
Result<Claims> parse_claims(const boost::json::object& payload);

// The verified caller as authorisation rules see it. Cheap to copy (shares the claims with
// the verified-token cache).
class Principal {
 public:
  explicit Principal(std::shared_ptr<const Claims> claims) : claims_(std::move(claims)) {}

  const Claims& claims() const { return *claims_; }
  const Claims* operator->() const { return claims_.get(); }
  const std::string& subject() const { return claims_->sub; }
  SubjectType subject_type() const { return claims_->subject_type; }

  bool has_role(std::string_view role) const;
  bool has_any_role(std::initializer_list<std::string_view> roles) const;
  bool has_scope(std::string_view scope) const;
  // Same 6-digit division code (exact: a county code is not its city's code).
  bool in_city(std::string_view division_code) const;
  // Same province: the first 2 digits of the division codes (GB/T 2260). False when the
  // principal has no city.
  bool in_province(std::string_view division_code) const;
  bool assurance_at_least(int level) const { return claims_->assurance_level >= level; }

 private:
  std::shared_ptr<const Claims> claims_;
};

// True for exactly six ASCII digits.
bool is_division_code(std::string_view code);

}  // namespace tongban::auth

// The authorisation matrix as data (authz_matrix.json): principals, rows of (operation,
// concrete path, fixture, body) and ordered expectation rules, plus the OpenAPI operations
// the table must cover. Shared by the matrix test (which sends the rows) and the table test
// (which checks coverage and the table's own consistency).
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::security {

// One expectation rule: principals matching `pattern` get one of `statuses`.
struct Rule {
  std::string pattern;  // exact name, glob (* = any text) or group:<name>
  std::vector<int> statuses;
};

struct Row {
  std::string service;
  std::string op;      // "METHOD /path" exactly as in the service's OpenAPI file
  std::string method;  // of op
  std::string path;    // concrete request path with placeholders (may carry a query)
  std::string fixture;
  bool fresh = false;  // a fixture per request expected to succeed
  std::string auth;    // "", "fresh_token" or "clone"
  bool last = false;   // sent after every other row of the service
  std::optional<boost::json::value> body;
  std::string why;
  std::vector<Rule> expect;

  std::string label() const;  // "POST /v1/cases/{case}/receive [case:SUBMITTED]"
};

struct PrincipalSpec {
  std::string name;   // "clerk@A", "citizen:owner", "anonymous", ...
  std::string kind;   // anonymous, citizen, enterprise, service, staff
  std::string role;   // staff: the one role (supervisor for province_supervisor)
  std::string scope;  // supervisors: city or province
  std::string city;   // label A-D, or "" (platform_admin, service, anonymous)
};

struct Table {
  std::map<std::string, std::vector<std::string>> cities;  // label -> candidate codes
  std::vector<PrincipalSpec> principals;
  std::map<std::string, std::vector<std::string>> groups;  // name -> patterns
  std::vector<std::string> services;                       // in file order
  std::vector<Row> rows;                                   // in file order
};

// One code per city label, drawn at random from the label's candidates (a run's cities, so
// runs on a shared broker do not meet each other's agreements).
std::map<std::string, std::string> draw_cities(const Table& t);

// Fixture names the matrix test knows how to build.
const std::vector<std::string>& known_fixtures();

Result<Table> parse_table(std::string_view json_text);
Result<Table> load_table(const std::string& path);

// `*` matches any run of characters (including none); everything else literally.
bool glob_match(std::string_view pattern, std::string_view name);
// The statuses the first matching rule gives `principal`; empty when no rule matches.
std::vector<int> expected_statuses(const Table& t, const Row& row, const std::string& principal);
// Relation of a principal to the fixtures, for reports: "clerk@B (B: accepting / other city)".
std::string describe_principal(const std::string& principal);

// An operation of an OpenAPI file, with the values of its enumerated path parameters.
struct OpenApiOperation {
  std::string method;  // upper case
  std::string path;
  std::map<std::string, std::vector<std::string>> path_enums;
  std::string op() const { return method + " " + path; }
};

// Operations under `paths:`. Reads the layout every tongban OpenAPI file uses (two-space
// indentation; path parameters with an enum written in flow style on one line).
std::vector<OpenApiOperation> openapi_operations(std::string_view yaml);

// Where the table and the OpenAPI files disagree: an operation without a row, an enum value
// of a path parameter without a row, a row naming an operation that does not exist, a row
// path that does not fit its operation's template. Empty when the table covers everything.
std::vector<std::string> coverage_problems(
    const Table& t, const std::map<std::string, std::vector<OpenApiOperation>>& by_service);

// Problems inside the table: unknown fixtures or groups, rules naming no principal, a
// principal no rule matches, placeholders the runner does not know.
std::vector<std::string> consistency_problems(const Table& t);

}  // namespace tongban::security

#include "matrix.hpp"

#include <boost/json/parse.hpp>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <sstream>

namespace tongban::security {
namespace {

namespace json = boost::json;

Error bad(std::string where, std::string what) {
  return Error::invalid(std::move(where), "matrix_table", what);
}

std::string text_of(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::vector<std::string> strings_of(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array()) {
    for (const auto& s : v->get_array()) {
      if (s.is_string()) out.emplace_back(s.get_string());
    }
  }
  return out;
}

Result<std::vector<Rule>> read_rules(const json::value& v, const std::string& where) {
  if (!v.is_array() || v.get_array().empty()) {
    return fail(bad(where, where + ": expect must be a non-empty array of [pattern, status]"));
  }
  std::vector<Rule> out;
  for (const auto& r : v.get_array()) {
    if (!r.is_array() || r.get_array().size() != 2 || !r.get_array()[0].is_string()) {
      return fail(bad(where, where + ": each rule is [pattern, status or [statuses]]"));
    }
    Rule rule;
    rule.pattern = std::string(r.get_array()[0].get_string());
    const auto& s = r.get_array()[1];
    if (s.is_int64()) {
      rule.statuses.push_back(static_cast<int>(s.get_int64()));
    } else if (s.is_array()) {
      for (const auto& x : s.get_array()) {
        if (!x.is_int64()) return fail(bad(where, where + ": statuses must be integers"));
        rule.statuses.push_back(static_cast<int>(x.get_int64()));
      }
    }
    if (rule.statuses.empty()) return fail(bad(where, where + ": a rule needs a status"));
    out.push_back(std::move(rule));
  }
  return out;
}

// "{name}" or "{name:arg}" occurrences in a string.
std::vector<std::pair<std::string, std::string>> placeholders_in(const std::string& s) {
  static const std::regex re(R"(\{([a-z_]+)(?::([^{}]+))?\})");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    out.emplace_back((*it)[1].str(), (*it)[2].str());
  }
  return out;
}

void collect_strings(const json::value& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.emplace_back(v.get_string());
  } else if (v.is_array()) {
    for (const auto& x : v.get_array()) collect_strings(x, out);
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object()) collect_strings(kv.value(), out);
  }
}

std::string strip_query(const std::string& path) { return path.substr(0, path.find('?')); }

// The template "/v1/cases/{id}/{action}" as a regex with one group per parameter.
std::pair<std::regex, std::vector<std::string>> template_regex(const std::string& path) {
  std::string re = "^";
  std::vector<std::string> names;
  for (std::size_t i = 0; i < path.size();) {
    if (path[i] == '{') {
      const auto close = path.find('}', i);
      names.push_back(path.substr(i + 1, close - i - 1));
      re += "([^/]+)";
      i = close + 1;
    } else {
      const char c = path[i++];
      if (std::string_view(".^$|()[]*+?\\").find(c) != std::string_view::npos) re += '\\';
      re += c;
    }
  }
  return {std::regex(re + "$"), names};
}

}  // namespace

std::string Row::label() const {
  return method + " " + path + (fixture.empty() ? "" : " [" + fixture + "]");
}

const std::vector<std::string>& known_fixtures() {
  static const std::vector<std::string> k = {"refresh_token",
                                             "throwaway:clerk@A",
                                             "throwaway:citizen@B",
                                             "item:draft",
                                             "item:published",
                                             "impl:draft",
                                             "agreement:free",
                                             "agreement:PROPOSED",
                                             "agreement:ACTIVE",
                                             "agreement:SUSPENDED",
                                             "agreement:active_for_cases",
                                             "case:SUBMITTED",
                                             "case:RECEIVED",
                                             "case:SUPPLEMENT_REQUESTED",
                                             "case:PRE_EXAMINED",
                                             "case:FORWARDED",
                                             "case:ACCEPTED",
                                             "case:APPROVED",
                                             "case:RESULT_DISPATCHED",
                                             "case:COMPLETED",
                                             "datahub:resource",
                                             "datahub:datacall",
                                             "grant:requested",
                                             "grant:approved",
                                             "licence"};
  return k;
}

std::map<std::string, std::string> draw_cities(const Table& t) {
  static std::mt19937 gen(std::random_device{}());
  std::map<std::string, std::string> out;
  for (const auto& [label, codes] : t.cities) {
    if (!codes.empty()) out[label] = codes[gen() % codes.size()];
  }
  return out;
}

Result<Table> parse_table(std::string_view text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return fail(bad("table", "the table is not a JSON object"));
  const auto& root = doc.get_object();
  Table t;
  if (const auto* c = root.if_contains("cities"); c && c->is_object()) {
    for (const auto& kv : c->get_object()) {
      std::vector<std::string> codes;
      if (kv.value().is_array()) {
        for (const auto& s : kv.value().get_array()) {
          if (s.is_string()) codes.emplace_back(s.get_string());
        }
      }
      t.cities[std::string(kv.key())] = std::move(codes);
    }
  }
  const auto* p = root.if_contains("principals");
  if (!p || !p->is_object()) return fail(bad("principals", "principals are required"));
  for (const auto& name : strings_of(p->get_object(), "others")) {
    PrincipalSpec s;
    s.name = name;
    if (name == "anonymous") {
      s.kind = "anonymous";
    } else if (name.starts_with("citizen")) {
      s.kind = "citizen";
      s.city = "B";
    } else if (name == "enterprise") {
      s.kind = "enterprise";
      s.city = "B";
    } else if (name == "service") {
      s.kind = "service";
    } else {
      s.kind = "staff";
      s.role = name;
    }
    t.principals.push_back(s);
  }
  for (const auto& city : strings_of(p->get_object(), "staff_cities")) {
    for (const auto& role : strings_of(p->get_object(), "staff_roles")) {
      PrincipalSpec s;
      s.name = role + "@" + city;
      s.kind = "staff";
      s.city = city;
      s.role = role == "province_supervisor" ? "supervisor" : role;
      if (s.role == "supervisor") s.scope = role == "province_supervisor" ? "province" : "city";
      t.principals.push_back(s);
    }
  }
  if (const auto* g = root.if_contains("groups"); g && g->is_object()) {
    for (const auto& kv : g->get_object()) {
      std::vector<std::string> members;
      if (kv.value().is_array()) {
        for (const auto& s : kv.value().get_array()) {
          if (s.is_string()) members.emplace_back(s.get_string());
        }
      }
      t.groups[std::string(kv.key())] = std::move(members);
    }
  }
  const auto* services = root.if_contains("services");
  if (!services || !services->is_array()) return fail(bad("services", "services are required"));
  for (const auto& sv : services->get_array()) {
    if (!sv.is_object()) return fail(bad("services", "a service is an object"));
    const auto& so = sv.get_object();
    const auto service = text_of(so, "name");
    t.services.push_back(service);
    const auto* rows = so.if_contains("rows");
    if (!rows || !rows->is_array()) return fail(bad(service, service + " has no rows"));
    for (const auto& rv : rows->get_array()) {
      if (!rv.is_object()) return fail(bad(service, "a row is an object"));
      const auto& ro = rv.get_object();
      Row row;
      row.service = service;
      row.op = text_of(ro, "op");
      row.method = row.op.substr(0, row.op.find(' '));
      row.path = text_of(ro, "path");
      row.fixture = text_of(ro, "fixture");
      row.auth = text_of(ro, "auth");
      row.why = text_of(ro, "why");
      if (const auto* f = ro.if_contains("fresh"); f && f->is_bool()) row.fresh = f->get_bool();
      if (const auto* l = ro.if_contains("last"); l && l->is_bool()) row.last = l->get_bool();
      if (const auto* b = ro.if_contains("body")) row.body = *b;
      const std::string where = service + " " + row.op + " " + row.path;
      if (row.op.find(' ') == std::string::npos || row.path.empty()) {
        return fail(bad(where, where + ": op and path are required"));
      }
      const auto* expect = ro.if_contains("expect");
      if (!expect) return fail(bad(where, where + ": expect is required"));
      auto rules = read_rules(*expect, where);
      if (!rules) return fail(std::move(rules.error()));
      row.expect = std::move(*rules);
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

Result<Table> load_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Error::not_found("cannot read " + path));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_table(ss.str());
}

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative wildcard match with backtracking to the last star.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

bool rule_matches(const Table& t, const std::string& pattern, const std::string& principal) {
  if (pattern.starts_with("group:")) {
    auto g = t.groups.find(pattern.substr(6));
    if (g == t.groups.end()) return false;
    for (const auto& member : g->second) {
      if (glob_match(member, principal)) return true;
    }
    return false;
  }
  return glob_match(pattern, principal);
}

}  // namespace

std::vector<int> expected_statuses(const Table& t, const Row& row, const std::string& principal) {
  for (const auto& rule : row.expect) {
    if (rule_matches(t, rule.pattern, principal)) return rule.statuses;
  }
  return {};
}

std::string describe_principal(const std::string& principal) {
  const auto at = principal.find('@');
  if (at == std::string::npos) return principal;
  const auto city = principal.substr(at + 1);
  const char* relation = city == "A"   ? "own city: receiving place, proposer, requesting dept"
                         : city == "B" ? "other city: accepting place, owner dept, issuer"
                         : city == "C" ? "third city, another province"
                         : city == "D" ? "A's province, not a party"
                                       : "?";
  return principal + " (" + relation + ")";
}

std::vector<OpenApiOperation> openapi_operations(std::string_view yaml) {
  static const std::regex path_re(R"(^  (/[^\s:]*):\s*$)");
  static const std::regex method_re(R"(^    (get|put|post|delete|patch|head|options):)");
  static const std::regex enum_param_re(
      R"(name:\s*([A-Za-z_]+),\s*in:\s*path.*enum:\s*\[([^\]]*)\])");
  std::vector<OpenApiOperation> out;
  std::istringstream in{std::string(yaml)};
  std::string line, current;
  bool in_paths = false;
  std::map<std::string, std::vector<std::string>> enums;  // of the current path
  std::size_t first_of_path = 0;
  auto flush_enums = [&] {
    for (std::size_t i = first_of_path; i < out.size(); ++i) out[i].path_enums = enums;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') {
      if (in_paths) flush_enums();
      in_paths = line.starts_with("paths:");
      current.clear();
      enums.clear();
      first_of_path = out.size();
      continue;
    }
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_re)) {
      flush_enums();
      current = m[1].str();
      enums.clear();
      first_of_path = out.size();
    } else if (!current.empty() && std::regex_search(line, m, method_re)) {
      std::string method = m[1].str();
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back({method, current, {}});
    } else if (!current.empty() && std::regex_search(line, m, enum_param_re)) {
      std::vector<std::string> values;
      std::stringstream list(m[2].str());
      std::string v;
      while (std::getline(list, v, ',')) {
        const auto b = v.find_first_not_of(" '\"");
        const auto e = v.find_last_not_of(" '\"");
        if (b != std::string::npos) values.push_back(v.substr(b, e - b + 1));
      }
      enums[m[1].str()] = values;
    }
  }
  if (in_paths) flush_enums();
  return out;
}

std::vector<std::string> coverage_problems(
    const Table& t, const std::map<std::string, std::vector<OpenApiOperation>>& by_service) {
  std::vector<std::string> problems;
  for (const auto& [service, ops] : by_service) {
    for (const auto& op : ops) {
      std::vector<const Row*> rows;
      for (const auto& r : t.rows) {
        if (r.service == service && r.op == op.op()) rows.push_back(&r);
      }
      if (rows.empty()) {
        problems.push_back(service + ": " + op.op() + " has no row in the matrix");
        continue;
      }
      const auto [re, names] = template_regex(op.path);
      std::map<std::string, std::set<std::string>> seen;
      for (const auto* r : rows) {
        std::smatch m;
        const auto concrete = strip_query(r->path);
        if (!std::regex_match(concrete, m, re)) {
          problems.push_back(service + ": row path " + r->path + " does not fit " + op.op());
          continue;
        }
        for (std::size_t i = 0; i < names.size(); ++i) seen[names[i]].insert(m[i + 1].str());
      }
      for (const auto& [param, values] : op.path_enums) {
        for (const auto& v : values) {
          if (!seen[param].contains(v)) {
            problems.push_back(service + ": " + op.op() + " has no row for " + param + "=" + v);
          }
        }
      }
    }
  }
  for (const auto& r : t.rows) {
    auto it = by_service.find(r.service);
    if (it == by_service.end()) {
      problems.push_back("row of unknown service " + r.service + ": " + r.op);
      continue;
    }
    bool known = false;
    for (const auto& op : it->second) known = known || op.op() == r.op;
    if (!known) problems.push_back(r.service + ": row names " + r.op + ", not in its OpenAPI file");
  }
  return problems;
}

std::vector<std::string> consistency_problems(const Table& t) {
  static const std::set<std::string> kPlaceholders = {"city",
                                                      "subject",
                                                      "login",
                                                      "secret",
                                                      "id_number",
                                                      "name",
                                                      "self",
                                                      "my_city",
                                                      "password",
                                                      "unique",
                                                      "fresh_id_number",
                                                      "fresh_credit_code",
                                                      "new_item_code",
                                                      "item_body",
                                                      "impl_body",
                                                      "item",
                                                      "titem",
                                                      "mitem",
                                                      "materials",
                                                      "terms",
                                                      "terms_amended",
                                                      "case",
                                                      "agreement",
                                                      "grant",
                                                      "licence",
                                                      "resource",
                                                      "subject_id_number",
                                                      "subject_name",
                                                      "code",
                                                      "refresh_token"};
  std::vector<std::string> problems;
  std::set<std::string> names;
  for (const auto& p : t.principals) names.insert(p.name);
  for (const auto& [label, codes] : t.cities) {
    if (codes.empty()) problems.push_back("city " + label + " has no candidate codes");
  }
  for (const auto& [group, members] : t.groups) {
    for (const auto& m : members) {
      bool any = false;
      for (const auto& n : names) any = any || glob_match(m, n);
      if (!any) problems.push_back("group " + group + ": " + m + " matches no principal");
    }
  }
  const auto& fixtures = known_fixtures();
  for (const auto& r : t.rows) {
    const auto where = r.service + " " + r.label();
    if (!r.fixture.empty() &&
        std::find(fixtures.begin(), fixtures.end(), r.fixture) == fixtures.end()) {
      problems.push_back(where + ": unknown fixture " + r.fixture);
    }
    if (r.fresh && r.fixture.empty()) problems.push_back(where + ": fresh without a fixture");
    if (!r.auth.empty() && r.auth != "fresh_token" && r.auth != "clone") {
      problems.push_back(where + ": unknown auth " + r.auth);
    }
    for (const auto& rule : r.expect) {
      if (rule.pattern.starts_with("group:")) {
        if (!t.groups.contains(rule.pattern.substr(6))) {
          problems.push_back(where + ": unknown " + rule.pattern);
        }
        continue;
      }
      bool any = false;
      for (const auto& n : names) any = any || glob_match(rule.pattern, n);
      if (!any) problems.push_back(where + ": rule " + rule.pattern + " matches no principal");
    }
    for (const auto& n : names) {
      if (expected_statuses(t, r, n).empty()) {
        problems.push_back(where + ": no rule for " + n);
      }
    }
    std::vector<std::string> strings{r.path};
    if (r.body) collect_strings(*r.body, strings);
    for (const auto& s : strings) {
      for (const auto& [name, arg] : placeholders_in(s)) {
        if (!kPlaceholders.contains(name)) {
          problems.push_back(where + ": unknown placeholder {" + name + "}");
        }
        if ((name == "subject" || name == "login" || name == "secret" || name == "id_number" ||
             name == "name") &&
            !arg.empty() && !names.contains(arg)) {
          problems.push_back(where + ": {" + name + ":" + arg + "} names no principal");
        }
        if ((name == "city" || name == "my_city" || name == "fresh_id_number" ||
             name == "fresh_credit_code" || name == "impl_body") &&
            !t.cities.contains(arg)) {
          problems.push_back(where + ": {" + name + ":" + arg + "} names no city label");
        }
      }
    }
  }
  return problems;
}

}  // namespace tongban::security

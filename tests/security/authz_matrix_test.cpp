// The authorisation matrix (issue #10): every row of authz_matrix.json — every operation of
// every service — sent by every principal (each staff role in the own, other, third and a
// same-province city; citizens who own the fixtures and who do not; an enterprise; a service
// account; the platform admin; nobody) to the platform as processes, each answer compared
// with the status the table says. Every mismatch is printed as
// operation × principal (relation) → expected vs got, and the test wants none.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <iostream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "matrix.hpp"
#include "support.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tongban::security;
using tongban::http::Method;
using tongban::http::Response;
namespace json = boost::json;

using Vars = std::map<std::string, std::string>;
constexpr const char* kTemplateCity = "320100";  // seeded by the catalog: implementations to copy
constexpr const char* kDepartment = "政务服务中心";

struct Principal {
  PrincipalSpec spec;
  std::string city;  // division code, "" without one
  std::string subject, login, secret, id_number, name, token;
  std::chrono::steady_clock::time_point issued;
};

// The platform, the principals, the fixtures, and the sending of rows.
class World {
 public:
  World(Table t, std::map<std::string, std::string> c)
      : table_(std::move(t)), cities(std::move(c)) {}

  std::string error;  // set when the world could not be built
  Table table_;
  // notify is not part of Stack: started here, on a Redis of its own (destroyed first).
  std::unique_ptr<tongban::testing::PrivateRedis> notify_redis;
  std::unique_ptr<tongban::testing::ChildProcess> notify;
  std::map<std::string, std::string> cities;  // label -> code
  std::map<std::string, Principal> principals;
  std::map<std::string, std::string> urls;  // service -> base URL
  Principal admin;
  std::string item, titem, mitem;
  json::array materials;
  json::object item_doc, titem_impl_template;
  std::string active_id;  // the ACTIVE agreement of A and B cases are submitted under
  std::size_t sent = 0, matched = 0;

  Response call(Method m, const std::string& url, const std::string& token,
                const std::optional<json::value>& body = std::nullopt) {
    return api_.call(m, url, token, body);
  }
  Response post(const std::string& url, const std::string& token, const json::value& body) {
    return api_.post(url, token, body);
  }
  Response get(const std::string& url, const std::string& token) { return api_.get(url, token); }
  const std::string& node() const { return urls.at("delegation"); }
  Principal& p(const std::string& name) { return principals.at(name); }
  std::string token(const std::string& name) { return token_of(p(name)); }

  // ---- principals -------------------------------------------------------------------------

  bool login(Principal& pr) {
    Response r;
    if (pr.spec.kind == "service") {
      r = post(urls["identity"] + "/v1/sessions/client-credentials", "",
               json::object{{"client_id", pr.login}, {"client_secret", pr.secret}});
    } else {
      r = post(urls["identity"] + "/v1/sessions", "",
               json::object{{"subject_type", pr.spec.kind == "staff" ? "staff" : pr.spec.kind},
                            {"login", pr.login},
                            {"password", pr.secret}});
    }
    if (r.status != 200) return false;
    const auto doc = parse(r);
    pr.token = str(doc, "access_token");
    pr.subject = str(doc, "subject_id");
    pr.issued = std::chrono::steady_clock::now();
    return !pr.token.empty();
  }

  // Access tokens live 15 minutes; the run may be longer.
  std::string token_of(Principal& pr) {
    if (pr.spec.kind == "anonymous") return "";
    if (std::chrono::steady_clock::now() - pr.issued > 8min) (void)login(pr);
    return pr.token;
  }

  std::optional<Principal> create(const PrincipalSpec& spec) {
    Principal pr;
    pr.spec = spec;
    pr.city = spec.city.empty() ? "" : cities.at(spec.city);
    pr.secret = tongban::testing::Stack::kPassword;
    pr.name = "李华";
    const auto& id = urls["identity"];
    Response r;
    if (spec.kind == "anonymous") return pr;
    if (spec.kind == "citizen") {
      pr.id_number = tongban::testing::fresh_id_number(pr.city);
      pr.login = pr.id_number;
      r = post(id + "/v1/citizens", "",
               json::object{{"id_number", pr.id_number},
                            {"name", pr.name},
                            {"household_city", pr.city},
                            {"phone", "13900139000"},
                            {"password", pr.secret}});
    } else if (spec.kind == "enterprise") {
      pr.login = fresh_credit_code(pr.city);
      pr.name = "矩阵测试有限公司";
      r = post(id + "/v1/enterprises", "",
               json::object{{"credit_code", pr.login},
                            {"name", pr.name},
                            {"legal_representative", "张三"},
                            {"city", pr.city},
                            {"password", pr.secret}});
    } else if (spec.kind == "service") {
      pr.login = "matrix-" + tongban::ids::random_hex(5);
      r = post(
          id + "/v1/service-accounts", token_of(admin),
          json::object{
              {"client_id", pr.login}, {"name", "matrix"}, {"scopes", json::array{"cases:read"}}});
      pr.secret = str(parse(r), "client_secret");
    } else {
      pr.login = "m-" + tongban::ids::random_hex(6);
      json::object body{{"login", pr.login},
                        {"name", "矩阵" + spec.role},
                        {"city", pr.city},
                        {"department", kDepartment},
                        {"roles", json::array{json::value(spec.role)}},
                        {"password", pr.secret}};
      if (!spec.scope.empty()) body["supervisor_scope"] = spec.scope;
      // Staff belong to a city; a platform_admin made here (a clone) is placed in A.
      if (pr.city.empty()) body["city"] = cities.at("A");
      r = post(id + "/v1/staff", token_of(admin), body);
    }
    if (r.status != 201 || !login(pr)) {
      error = "could not create " + spec.name + ": " + std::to_string(r.status) + " " + r.body;
      return std::nullopt;
    }
    return pr;
  }

  // ---- placeholders -----------------------------------------------------------------------

  struct Ctx {
    Principal* caller = nullptr;
    const Vars* fixture = nullptr;
    std::map<std::string, json::value> memo;  // request-scoped values
    std::string problem;
  };

  json::value resolve(const std::string& name, const std::string& arg, Ctx& ctx) {
    const std::string key = name + ":" + arg;
    if (auto it = ctx.memo.find(key); it != ctx.memo.end()) return it->second;
    json::value v = resolve_uncached(name, arg, ctx);
    ctx.memo[key] = v;
    return v;
  }

  json::value resolve_uncached(const std::string& name, const std::string& arg, Ctx& ctx) {
    auto principal = [&](const char* field) -> json::value {
      auto it = principals.find(arg);
      if (it == principals.end()) return nullptr;
      const auto& pr = it->second;
      const std::string f = field;
      return json::value(f == "subject"     ? pr.subject
                         : f == "login"     ? pr.login
                         : f == "secret"    ? pr.secret
                         : f == "id_number" ? pr.id_number
                                            : pr.name);
    };
    if (name == "city") return json::value(cities.at(arg));
    if (name == "my_city") {
      return json::value(ctx.caller && !ctx.caller->city.empty() ? ctx.caller->city
                                                                 : cities.at(arg));
    }
    if (name == "subject" && arg.empty()) {
      if (ctx.fixture && ctx.fixture->contains("subject"))
        return json::value(ctx.fixture->at("subject"));
      return nullptr;
    }
    if (name == "subject" || name == "login" || name == "secret" || name == "id_number" ||
        name == "name") {
      return principal(name.c_str());
    }
    if (name == "self") {
      return json::value(ctx.caller && !ctx.caller->subject.empty()
                             ? ctx.caller->subject
                             : std::string("00000000-0000-7000-8000-000000000000"));
    }
    if (name == "password") return json::value(tongban::testing::Stack::kPassword);
    if (name == "unique") return json::value(tongban::ids::random_hex(5));
    if (name == "fresh_id_number")
      return json::value(tongban::testing::fresh_id_number(cities.at(arg)));
    if (name == "fresh_credit_code") return json::value(fresh_credit_code(cities.at(arg)));
    if (name == "new_item_code") return json::value(new_item_code());
    if (name == "item_body") {
      auto body = item_doc;
      body["code"] = resolve("new_item_code", "", ctx);
      return body;
    }
    if (name == "impl_body") {
      auto body = titem_impl_template;
      body["city"] = cities.at(arg);
      return body;
    }
    if (name == "item") return json::value(item);
    if (name == "titem") return json::value(titem);
    if (name == "mitem") return json::value(mitem);
    if (name == "materials") return materials;
    if (name == "terms") return agreement_terms(item, 5);
    if (name == "terms_amended") return agreement_terms(item, 6);
    if (ctx.fixture && ctx.fixture->contains(name)) return json::value(ctx.fixture->at(name));
    return nullptr;
  }

  std::string substitute(const std::string& s, Ctx& ctx) {
    static const std::regex re(R"(\{([a-z_]+)(?::([^{}]+))?\})");
    std::string out;
    std::size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator();
         ++it) {
      const auto& m = *it;
      out += s.substr(last, static_cast<std::size_t>(m.position()) - last);
      const auto v = resolve(m[1].str(), m[2].str(), ctx);
      if (v.is_string()) {
        out += std::string(v.get_string());
      } else {
        ctx.problem = "placeholder " + m.str() + " has no value here";
      }
      last = static_cast<std::size_t>(m.position() + m.length());
    }
    return out + s.substr(last);
  }

  json::value substitute(const json::value& v, Ctx& ctx) {
    static const std::regex whole(R"(^\{([a-z_]+)(?::([^{}]+))?\}$)");
    if (v.is_string()) {
      const std::string s(v.get_string());
      std::smatch m;
      if (std::regex_match(s, m, whole)) {
        auto r = resolve(m[1].str(), m[2].str(), ctx);
        if (r.is_null()) ctx.problem = "placeholder " + s + " has no value here";
        return r;
      }
      return json::value(substitute(s, ctx));
    }
    if (v.is_array()) {
      json::array a;
      for (const auto& x : v.get_array()) a.push_back(substitute(x, ctx));
      return a;
    }
    if (v.is_object()) {
      json::object o;
      for (const auto& kv : v.get_object()) o[kv.key()] = substitute(kv.value(), ctx);
      return o;
    }
    return v;
  }

  // ---- catalog data -------------------------------------------------------------------------

  std::string new_item_code() {
    static std::mt19937 gen(std::random_device{}());
    // Same prefix as the template (the prefix follows the department category); 9xxx is
    // above every seeded number.
    return item.substr(0, 3) + std::to_string(9000 + gen() % 1000);
  }

  // ---- agreements between A and B ----------------------------------------------------------

  Pair pair() {
    return Pair{
        node(),         cities["A"], cities["B"], token("dept_admin@A"), token("dept_admin@B"),
        token_of(admin)};
  }
  std::optional<std::string> propose() {
    return checked(propose_agreement(api_, pair(), agreement_terms(item, 5)));
  }
  std::optional<std::string> active() {
    return checked(active_agreement(api_, pair(), agreement_terms(item, 5)));
  }
  std::optional<std::string> checked(tongban::Result<std::string> r) {
    if (r) return *r;
    fixture_error = r.error().message;
    return std::nullopt;
  }

  std::optional<std::string> ensure_active() {
    if (!active_id.empty()) {
      auto a = parse(get(node() + "/v1/agreements/" + active_id, token_of(admin)));
      if (str(a, "status") == "ACTIVE") return active_id;
    }
    auto id = active();
    if (id) active_id = *id;
    return id;
  }

  // ---- cases ----------------------------------------------------------------------------

  json::object submission() {
    return {{"item_code", item},
            {"receiving_city", cities["A"]},
            {"applicant",
             {{"subject", p("citizen:owner").subject}, {"registration_city", cities["B"]}}},
            {"materials", materials},
            {"delivery", "mail"}};
  }

  std::optional<std::string> case_at(const std::string& state) {
    if (!ensure_active()) return std::nullopt;
    auto r = post(node() + "/v1/cases", token("clerk@A"), submission());
    if (r.status != 201) {
      fixture_error = "submit: " + std::to_string(r.status) + " " + r.body;
      return std::nullopt;
    }
    const auto id = str(parse(r), "id");
    const std::vector<std::pair<std::string, std::string>> path = {
        {"receive", "clerk@A"},       {"pre_examine", "examiner@A"}, {"forward", "clerk@A"},
        {"accept", "clerk@B"},        {"approve", "approver@B"},     {"dispatch_result", "clerk@B"},
        {"complete", "citizen:owner"}};
    const std::map<std::string, std::size_t> steps = {
        {"SUBMITTED", 0},    {"RECEIVED", 1},          {"SUPPLEMENT_REQUESTED", 1},
        {"PRE_EXAMINED", 2}, {"FORWARDED", 3},         {"ACCEPTED", 4},
        {"APPROVED", 5},     {"RESULT_DISPATCHED", 6}, {"COMPLETED", 7}};
    for (std::size_t i = 0; i < steps.at(state); ++i) {
      const auto& [action, who] = path[i];
      if (action == "accept") {
        // The accepting side takes the case over from the FORWARDED event (Kafka).
        const bool handed = eventually(
            [&] {
              return str(parse(get(node() + "/v1/cases/" + id, token("clerk@B"))), "holder") ==
                     "accepting";
            },
            120s);
        if (!handed) {
          fixture_error = "case " + id + " was not handed over to the accepting place";
          return std::nullopt;
        }
      }
      r = post(node() + "/v1/cases/" + id + "/" + action, token(who),
               json::object{{"reason", "matrix fixture"}});
      if (r.status != 200) {
        fixture_error = action + " by " + who + ": " + std::to_string(r.status) + " " + r.body;
        return std::nullopt;
      }
    }
    if (state == "SUPPLEMENT_REQUESTED") {
      r = post(node() + "/v1/cases/" + id + "/request_supplement", token("examiner@A"),
               json::object{{"reason", "matrix fixture"}});
      if (r.status != 200) {
        fixture_error = "request_supplement: " + std::to_string(r.status) + " " + r.body;
        return std::nullopt;
      }
    }
    if (state == "FORWARDED" &&
        !eventually(
            [&] {
              return str(parse(get(node() + "/v1/cases/" + id, token("clerk@B"))), "holder") ==
                     "accepting";
            },
            120s)) {
      fixture_error = "case " + id + " was not handed over to the accepting place";
      return std::nullopt;
    }
    return id;
  }

  // ---- datahub ------------------------------------------------------------------------------

  std::optional<std::string> resource() {
    const auto id = "m" + tongban::ids::random_hex(5) + ".matrix";
    auto r = post(urls["datahub"] + "/v1/resources", token("dept_admin@B"),
                  json::object{{"id", id},
                               {"name", "矩阵资源"},
                               {"sharing_class", "conditional"},
                               {"update_frequency", "daily"},
                               {"fields", json::array{json::object{{"name", "name"}},
                                                      json::object{{"name", "address"}}}}});
    if (r.status != 201) {
      fixture_error = "register resource: " + std::to_string(r.status) + " " + r.body;
      return std::nullopt;
    }
    return id;
  }

  std::optional<std::string> grant(const std::string& resource_id, bool approve) {
    auto r = post(urls["datahub"] + "/v1/grants", token("dept_admin@A"),
                  json::object{{"resource", resource_id},
                               {"fields", json::array{"name", "address"}},
                               {"purpose", "跨城通办受理核验"},
                               {"duration_days", 30}});
    if (r.status != 201) {
      fixture_error = "request grant: " + std::to_string(r.status) + " " + r.body;
      return std::nullopt;
    }
    const auto id = str(parse(r), "id");
    if (approve) {
      r = post(urls["datahub"] + "/v1/grants/" + id + "/approve", token("dept_admin@B"),
               json::object{});
      if (r.status != 200) {
        fixture_error = "approve grant: " + std::to_string(r.status) + " " + r.body;
        return std::nullopt;
      }
    }
    return id;
  }

  // A data call A's clerk may make: B's resource with the owner's record, A's grant in
  // force, and a case A and B handle that datahub has read from Kafka. datahub's consumer
  // group is shared by every datahub on the test broker, so a case whose partition another
  // datahub holds never arrives here: then try another case.
  std::optional<Vars> datacall() {
    auto res = resource();
    if (!res) return std::nullopt;
    auto rec =
        call(Method::put,
             urls["datahub"] + "/v1/resources/" + *res + "/records/" + p("citizen:owner").subject,
             token("clerk@B"),
             json::value(json::object{{"values", {{"name", "李华"}, {"address", "芜湖"}}}}));
    if (rec.status != 200) {
      fixture_error = "ingest record: " + std::to_string(rec.status) + " " + rec.body;
      return std::nullopt;
    }
    if (!grant(*res, true)) return std::nullopt;
    Response last;
    for (int attempt = 0; attempt < 6; ++attempt) {
      auto id = case_at("RECEIVED");
      if (!id) return std::nullopt;
      const auto url = urls["datahub"] + "/v1/resources/" + *res + "/records/" +
                       p("citizen:owner").subject + "?purpose=case:" + *id;
      if (eventually(
              [&] {
                last = get(url, token("clerk@A"));
                return last.status == 200;
              },
              20s)) {
        return Vars{{"resource", *res}, {"case", *id}};
      }
    }
    fixture_error =
        "datahub never learned a case of A and B (consumer group datahub.cases is "
        "shared on the test broker): " +
        std::to_string(last.status) + " " + last.body;
    return std::nullopt;
  }

  // ---- fixtures -----------------------------------------------------------------------------

  std::string fixture_error;

  std::optional<Vars> build(const std::string& name) {
    fixture_error.clear();
    auto one = [](const char* k, std::optional<std::string> v) -> std::optional<Vars> {
      if (!v) return std::nullopt;
      return Vars{{k, *v}};
    };
    if (name.starts_with("case:")) return one("case", case_at(name.substr(5)));
    if (name == "agreement:free") {
      auto id = propose();
      if (!id) return std::nullopt;
      end_agreement(api_, pair(), *id);
      return Vars{};
    }
    if (name == "agreement:PROPOSED") return one("agreement", propose());
    if (name == "agreement:ACTIVE") return one("agreement", active());
    if (name == "agreement:active_for_cases") return one("agreement", ensure_active());
    if (name == "agreement:SUSPENDED") {
      auto id = active();
      if (!id) return std::nullopt;
      auto r = post(node() + "/v1/agreements/" + *id + "/suspend", token("dept_admin@A"),
                    json::object{{"reason", "matrix fixture"}, {"city", cities["A"]}});
      if (r.status != 200) {
        fixture_error = "suspend: " + std::to_string(r.status) + " " + r.body;
        return std::nullopt;
      }
      return Vars{{"agreement", *id}};
    }
    if (name == "refresh_token") {
      auto r = post(urls["identity"] + "/v1/sessions", "",
                    json::object{{"subject_type", "citizen"},
                                 {"login", p("citizen:other").login},
                                 {"password", p("citizen:other").secret}});
      const auto t = str(parse(r), "refresh_token");
      if (t.empty()) fixture_error = "login: " + r.body;
      return one("refresh_token", t.empty() ? std::nullopt : std::optional(t));
    }
    if (name == "throwaway:clerk@A" || name == "throwaway:citizen@B") {
      PrincipalSpec spec;
      spec.name = name;
      spec.kind = name == "throwaway:clerk@A" ? "staff" : "citizen";
      spec.role = "clerk";
      spec.city = name == "throwaway:clerk@A" ? "A" : "B";
      auto pr = create(spec);
      if (!pr) {
        fixture_error = error;
        error.clear();
        return std::nullopt;
      }
      return Vars{{"subject", pr->subject},
                  {"subject_id_number", pr->id_number},
                  {"subject_name", pr->name}};
    }
    if (name == "item:draft" || name == "item:published") {
      const auto code = new_item_code();
      auto body = item_doc;
      body["code"] = code;
      auto d = call(Method::put, urls["catalog"] + "/v1/items/" + code + "/draft", token_of(admin),
                    json::value(body));
      if (d.status != 200) {
        fixture_error = "item draft: " + std::to_string(d.status) + " " + d.body;
        return std::nullopt;
      }
      if (name == "item:published") {
        auto r = post(urls["catalog"] + "/v1/items/" + code + "/publish", token_of(admin),
                      json::object{});
        if (r.status != 201) {
          fixture_error = "item publish: " + std::to_string(r.status) + " " + r.body;
          return std::nullopt;
        }
      }
      return Vars{{"code", code}};
    }
    if (name == "impl:draft") {
      auto body = titem_impl_template;
      body["city"] = cities["A"];
      auto d = call(
          Method::put,
          urls["catalog"] + "/v1/items/" + titem + "/implementations/" + cities["A"] + "/draft",
          token_of(admin), json::value(body));
      if (d.status != 200) {
        fixture_error = "implementation draft: " + std::to_string(d.status) + " " + d.body;
        return std::nullopt;
      }
      return Vars{};
    }
    if (name == "datahub:resource") return one("resource", resource());
    if (name == "datahub:datacall") return datacall();
    if (name == "grant:requested" || name == "grant:approved") {
      auto res = resource();
      if (!res) return std::nullopt;
      auto g = grant(*res, name == "grant:approved");
      if (!g) return std::nullopt;
      return Vars{{"grant", *g}, {"resource", *res}};
    }
    if (name == "licence") {
      auto r = post(urls["datahub"] + "/v1/licences", token("approver@B"),
                    json::object{{"subject", p("citizen:owner").subject},
                                 {"type", "matrix_licence"},
                                 {"title", "矩阵证照"},
                                 {"number", "M-" + tongban::ids::random_hex(4)}});
      if (r.status != 201) {
        fixture_error = "issue licence: " + std::to_string(r.status) + " " + r.body;
        return std::nullopt;
      }
      return Vars{{"licence", str(parse(r), "id")}};
    }
    fixture_error = "unknown fixture " + name;
    return std::nullopt;
  }

  // ---- rows ---------------------------------------------------------------------------------

  // Sends every row of `service`; returns the mismatches (and problems building fixtures).
  std::vector<std::string> run_service(const std::string& service) {
    std::vector<std::string> out;
    if (!urls.contains(service)) return {service + " is not running in this build"};
    std::vector<const Row*> rows;
    for (const auto& r : table_.rows) {
      if (r.service == service && !r.last) rows.push_back(&r);
    }
    for (const auto& r : table_.rows) {
      if (r.service == service && r.last) rows.push_back(&r);
    }
    std::size_t row_sent = 0, row_matched = 0;
    for (const auto* row : rows) {
      std::optional<Vars> shared;
      if (!row->fixture.empty()) {
        shared = build(row->fixture);
        if (!shared) {
          out.push_back(service + " " + row->label() + ": fixture failed: " + fixture_error);
          continue;
        }
      }
      // Denials first: they must leave the shared fixture as it was.
      std::vector<std::pair<std::string, std::vector<int>>> order;
      for (const auto& spec : table_.principals) {
        order.emplace_back(spec.name, expected_statuses(table_, *row, spec.name));
      }
      std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        auto ok = [](const std::vector<int>& s) { return !s.empty() && s.front() < 300; };
        return !ok(a.second) && ok(b.second);
      });
      for (const auto& [name, expected] : order) {
        const bool success = !expected.empty() && expected.front() < 300;
        std::optional<Vars> own;
        if (row->fresh && success) {
          own = build(row->fixture);
          if (!own) {
            out.push_back(service + " " + row->label() + " × " + name +
                          ": fixture failed: " + fixture_error);
            continue;
          }
        }
        Principal* caller = &principals.at(name);
        std::optional<Principal> clone;
        std::string bearer;
        if (row->auth == "clone" && caller->spec.kind != "anonymous") {
          clone = create(caller->spec);
          if (!clone) {
            out.push_back(service + " " + row->label() + " × " + name + ": " + error);
            error.clear();
            continue;
          }
          caller = &*clone;
          bearer = clone->token;
        } else if (row->auth == "fresh_token" && caller->spec.kind != "anonymous") {
          Principal copy = *caller;
          if (!login(copy)) {
            out.push_back(service + " " + row->label() + " × " + name + ": login failed");
            continue;
          }
          bearer = copy.token;
        } else {
          bearer = token_of(*caller);
        }
        Ctx ctx;
        ctx.caller = caller;
        ctx.fixture = own ? &*own : shared ? &*shared : nullptr;
        const auto path = substitute(row->path, ctx);
        std::optional<json::value> body;
        if (row->body) body = substitute(*row->body, ctx);
        if (!ctx.problem.empty()) {
          out.push_back(service + " " + row->label() + " × " + name + ": " + ctx.problem);
          continue;
        }
        const auto r =
            call(tongban::http::parse_method(row->method), urls[service] + path, bearer, body);
        ++row_sent;
        const bool status_ok =
            std::find(expected.begin(), expected.end(), r.status) != expected.end();
        const bool problem_ok = r.status < 400 || is_problem(r);
        if (status_ok && problem_ok) {
          ++row_matched;
          continue;
        }
        std::string want;
        for (auto s : expected) want += (want.empty() ? "" : "|") + std::to_string(s);
        out.push_back(service + " " + row->method + " " + row->path +
                      (row->fixture.empty() ? "" : " [" + row->fixture + "]") + " × " +
                      describe_principal(name) + " → expected " + want + ", got " +
                      std::to_string(r.status) + (problem_ok ? "" : " (not a problem document)") +
                      " (" + brief(r) + ")");
      }
    }
    sent += row_sent;
    matched += row_matched;
    std::cout << "[matrix] " << service << ": " << rows.size() << " rows, " << row_sent
              << " requests, " << row_matched << " as the table says, " << row_sent - row_matched
              << " mismatches\n";
    return out;
  }

  // ---- set-up -------------------------------------------------------------------------------

  // On the platform the suite started (its delegation node serves A to D).
  bool setup(const std::string& kafka, const tongban::testing::Stack& stack) {
    urls = {{"identity", stack.identity_url()},
            {"catalog", stack.catalog_url()},
            {"datahub", stack.datahub_url()},
            {"delegation", stack.node_url(0)},
            {"portal", stack.portal_url()}};
    if (!start_notify(kafka)) return false;
    admin.spec = PrincipalSpec{"platform_admin", "staff", "platform_admin", "", ""};
    admin.login = "admin";
    admin.secret = tongban::testing::Stack::kAdminPassword;
    if (!login(admin)) {
      error = "the platform admin cannot log in";
      return false;
    }
    for (const auto& spec : table_.principals) {
      if (spec.name == "platform_admin") {
        principals[spec.name] = admin;
        principals[spec.name].spec = spec;
        continue;
      }
      auto pr = create(spec);
      if (!pr) return false;
      principals[spec.name] = *pr;
    }
    return choose_items() && wait_for_node();
  }

  bool start_notify([[maybe_unused]] const std::string& kafka) {
#ifdef TONGBAN_NOTIFY_BIN
    notify_redis = std::make_unique<tongban::testing::PrivateRedis>();
    notify = std::make_unique<tongban::testing::ChildProcess>(
        TONGBAN_NOTIFY_BIN, std::vector<std::string>{},
        std::map<std::string, std::string>{
            {"TONGBAN_HTTP_PORT", "0"},
            {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
            {"TONGBAN_REDIS_ADDR", notify_redis->address()},
            {"TONGBAN_KAFKA_BOOTSTRAP", kafka},
            {"TONGBAN_JWKS_URL", urls["identity"] + "/.well-known/jwks.json"}});
    auto port = notify->wait_for_port(180s);
    if (!port) {
      error = "tongban-notify did not start:\n" + notify->output().substr(0, 4000);
      return false;
    }
    urls["notify"] = "http://127.0.0.1:" + std::to_string(*port);
#endif
    return true;
  }

  // The cases' item: cross-city, L1 enough (citizens submit with a password login); its
  // implementations published in A and B; a test item of our own (drafts, publishing,
  // withdrawal) implemented in A.
  bool choose_items() {
    auto found = find_case_item(api_, urls["catalog"], kTemplateCity);
    if (!found) {
      error = found.error().message;
      return false;
    }
    item = found->code;
    item_doc = found->item;
    materials = found->materials;
    const auto& impl = found->implementation;
    for (const auto& city : {cities["A"], cities["B"]}) {
      if (auto ok =
              publish_implementation(api_, urls["catalog"], token_of(admin), item, city, impl);
          !ok) {
        error = ok.error().message;
        return false;
      }
    }
    titem = new_item_code();
    auto body = item_doc;
    body["code"] = titem;
    auto d = call(Method::put, urls["catalog"] + "/v1/items/" + titem + "/draft", token_of(admin),
                  json::value(body));
    auto pub =
        post(urls["catalog"] + "/v1/items/" + titem + "/publish", token_of(admin), json::object{});
    if (d.status != 200 || pub.status != 201) {
      error = "test item " + titem + ": " + d.body + " / " + pub.body;
      return false;
    }
    titem_impl_template = impl;
    titem_impl_template["item_code"] = titem;
    if (auto ok = publish_implementation(api_, urls["catalog"], token_of(admin), titem, cities["A"],
                                         impl);
        !ok) {
      error = ok.error().message;
      return false;
    }
    // The materials check needs an item datahub has read from the catalog topic (whose
    // consumer group, too, is shared on the test broker): the first of a few that it knows.
    std::vector<std::string> candidates{item, titem};
    for (const auto& code : {"PS-0001", "MR-0001", "SI-0001", "HF-0001"})
      candidates.push_back(code);
    const bool known = eventually(
        [&] {
          for (const auto& c : candidates) {
            auto r = get(urls["datahub"] + "/v1/materials-check?item=" + c, token("citizen:owner"));
            if (r.status == 200) {
              mitem = c;
              return true;
            }
          }
          return false;
        },
        120s);
    if (!known) {
      error = "datahub knows none of the catalog's items";
      return false;
    }
    return true;
  }

  // The node reads the catalog and agreements topics from their beginning: wait until it
  // knows our item and its agreements consumer has stopped moving.
  bool wait_for_node() {
    Response r;
    auto probe = submission();
    probe["materials"] = json::array{};
    if (!eventually(
            [&] {
              r = post(node() + "/v1/cases", token("clerk@A"), probe);
              return str(parse(r), "rule") != "unknown_item";
            },
            300s)) {
      error = "the delegation node never learned item " + item + ": " + r.body;
      return false;
    }
    auto processed = [&] {
      const auto metrics = get(node() + "/metrics", "").body;
      static const std::regex re(
          R"re(tongban_consumer_processed_total\{group="[^"]*agreements"\} ([0-9.e+]+))re");
      std::smatch m;
      return std::regex_search(metrics, m, re) ? m[1].str() : std::string("?");
    };
    std::string before = processed();
    int stable = 0;
    (void)eventually(
        [&] {
          std::this_thread::sleep_for(750ms);
          const auto now = processed();
          stable = now == before ? stable + 1 : 0;
          before = now;
          return stable >= 3;
        },
        180s);
    return true;
  }

 private:
  Api api_;
};

class AuthzMatrix : public PlatformSuite {
 protected:
  static void SetUpTestSuite() {
    if (!start_platform("authz", {"A", "B", "C", "D"})) return;
    world_ = new World(table_, cities_);
    if (!world_->setup(kafka_, *stack_)) {
      error_ = world_->error.empty() ? "set-up failed" : world_->error;
    }
  }
  static void TearDownTestSuite() {
    if (world_) {
      std::cout << "[matrix] total: " << world_->sent << " requests, " << world_->matched
                << " as the table says, " << world_->sent - world_->matched << " mismatches\n";
    }
    delete world_;  // notify and its Redis before the platform
    world_ = nullptr;
    stop_platform();
  }

  void expect_table(const std::string& service) {
    const auto mismatches = world_->run_service(service);
    std::string listing;
    for (const auto& m : mismatches) listing += "\n  " + m;
    EXPECT_TRUE(mismatches.empty())
        << mismatches.size() << " differences from the table:" << listing;
  }

  static inline World* world_ = nullptr;
};

// Identity last: its key rotation row is the last request of the run.
TEST_F(AuthzMatrix, catalog_answers_every_principal_as_the_table_says) { expect_table("catalog"); }
TEST_F(AuthzMatrix, delegation_answers_every_principal_as_the_table_says) {
  expect_table("delegation");
}
TEST_F(AuthzMatrix, datahub_answers_every_principal_as_the_table_says) { expect_table("datahub"); }
TEST_F(AuthzMatrix, portal_answers_every_principal_as_the_table_says) { expect_table("portal"); }
TEST_F(AuthzMatrix, notify_answers_every_principal_as_the_table_says) {
#ifndef TONGBAN_NOTIFY_BIN
  GTEST_SKIP() << "tongban-notify is not part of this build";
#endif
  expect_table("notify");
}
TEST_F(AuthzMatrix, identity_answers_every_principal_as_the_table_says) {
  expect_table("identity");
}

}  // namespace

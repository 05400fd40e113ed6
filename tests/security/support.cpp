#include "support.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>
#include <random>
#include <regex>
#include <thread>

#include "tongban/core/clock.hpp"

namespace tongban::security {

namespace json = boost::json;

bool PlatformSuite::start_platform(const std::string& node,
                                   const std::vector<std::string>& labels) {
  auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
  if (!kafka) return false;
  kafka_ = *kafka;
  auto table = load_table(TONGBAN_MATRIX_TABLE);
  if (!table) {
    error_ = table.error().message;
    return false;
  }
  table_ = std::move(*table);
  cities_ = draw_cities(table_);
  std::cout << "[security] cities:";
  for (const auto& [label, code] : cities_) std::cout << " " << label << "=" << code;
  std::cout << "\n";
  tongban::testing::StackOptions o;
  o.kafka = kafka_;
  o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                TONGBAN_DELEGATION_BIN, TONGBAN_PORTAL_BIN};
  std::string served;
  for (const auto& label : labels) served += (served.empty() ? "" : ",") + cities_.at(label);
  o.nodes = {{node, served}};
  stack_ = std::make_unique<tongban::testing::Stack>(std::move(o));
  error_ = stack_->error();
  return error_.empty();
}

void PlatformSuite::stop_platform() {
  stack_.reset();
  kafka_.clear();
  error_.clear();
  cities_.clear();
  table_ = Table{};
}

void PlatformSuite::SetUp() {
  if (kafka_.empty()) {
    if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
    GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
  }
  ASSERT_TRUE(error_.empty()) << error_;
}

void PlatformSuite::TearDown() {
  if (HasFailure() && stack_) std::cerr << stack_->outputs();
}

json::object parse(const http::Response& r) { return tongban::testing::parse_object(r.body); }

bool is_problem(const http::Response& r) {
  const auto* ct = r.header("Content-Type");
  return ct && ct->starts_with("application/problem+json") && parse(r).contains("status");
}

std::string brief(const http::Response& r) {
  const auto rule = str(parse(r), "rule");
  return rule.empty() ? r.body.substr(0, 160) : "rule " + rule;
}

bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return probe();
}

// 91 (market regulation, enterprise) + division code + a GB 11714 organisation code with its
// check character + the GB 32100 check character.
std::string fresh_credit_code(const std::string& city) {
  static std::mt19937 gen(std::random_device{}());
  std::string org;
  for (int i = 0; i < 8; ++i) org += static_cast<char>('0' + gen() % 10);
  static constexpr int kOrgWeights[8] = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += (org[i] - '0') * kOrgWeights[i];
  const int c = 11 - sum % 11;
  org += c == 10 ? 'X' : c == 11 ? '0' : static_cast<char>('0' + c);
  const std::string first17 = "91" + city + org;
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int kWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};
  sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    sum += static_cast<int>(kAlphabet.find(first17[i])) * kWeights[i];
  }
  return first17 + kAlphabet[static_cast<std::size_t>((31 - sum % 31) % 31)];
}

http::Response Api::call(http::Method m, const std::string& url, const std::string& token,
                         const std::optional<json::value>& body) const {
  http::Headers h;
  if (body) h.emplace_back("Content-Type", "application/json");
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  auto r = client_.request(m, url, h, body ? json::serialize(*body) : "");
  if (!r) return http::Response{0, {}, r.error().message};
  return *r;
}

namespace {

json::object without_state(json::object o) {
  for (const char* k : {"version", "state", "published_at"}) o.erase(k);
  return o;
}

}  // namespace

Result<CaseItem> find_case_item(const Api& api, const std::string& catalog_url,
                                const std::string& template_city) {
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = api.get(catalog_url + "/v1/items?cross_city=true&page_size=50" +
                         (cursor.empty() ? "" : "&cursor=" + cursor),
                     "");
    auto doc = parse(r);
    if (r.status != 200 || !doc["items"].is_array()) break;
    for (const auto& v : doc["items"].as_array()) {
      const auto& it = v.as_object();
      const auto* level = it.if_contains("min_assurance_level");
      if (!level || !level->is_int64() || level->get_int64() > 1) continue;
      const auto code = str(it, "code");
      auto impl =
          api.get(catalog_url + "/v1/items/" + code + "/implementations/" + template_city, "");
      if (impl.status != 200) continue;
      // The item as a draft takes it: the full document, not the search entry.
      auto full = parse(api.get(catalog_url + "/v1/items/" + code, ""));
      const auto* materials = full.if_contains("materials");
      if (!materials || !materials->is_array()) continue;
      CaseItem out{code, without_state(full), without_state(parse(impl)), {}};
      for (const auto& m : materials->get_array()) out.materials.push_back(m.at("name_zh"));
      return out;
    }
    if (!doc["next_cursor"].is_string()) break;
    cursor = std::string(doc["next_cursor"].as_string());
  }
  return fail(Error::not_found("the seed has no cross-city item open to assurance L1"));
}

Result<void> publish_implementation(const Api& api, const std::string& catalog_url,
                                    const std::string& admin_token, const std::string& code,
                                    const std::string& city, json::object implementation) {
  const auto base = catalog_url + "/v1/items/" + code + "/implementations/" + city;
  implementation["city"] = city;
  implementation["item_code"] = code;
  auto d = api.call(http::Method::put, base + "/draft", admin_token, json::value(implementation));
  auto p = api.post(base + "/publish", admin_token, json::object{});
  if (d.status != 200 || p.status != 201) {
    return fail(
        Error::internal("publishing " + code + " in " + city + ": " + d.body + " / " + p.body));
  }
  return {};
}

json::object agreement_terms(const std::string& item, int accept_limit_days) {
  const auto now = Clock::system().now();
  return {{"items",
           json::object{{item, json::object{{"rights", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}}}},
          {"result_delivery", json::array{"mail", "window_at_receiving_place"}},
          {"valid_from", to_rfc3339(now - std::chrono::hours(24))},
          {"valid_until", to_rfc3339(now + std::chrono::hours(24 * 365))},
          {"accept_limit_days", accept_limit_days}};
}

void end_agreement(const Api& api, const Pair& pair, const std::string& id) {
  const auto url = pair.node + "/v1/agreements/" + id;
  const auto status = str(parse(api.get(url, pair.admin)), "status");
  const json::object reason{{"reason", "security test: end the pair's agreement"}};
  if (status == "PROPOSED") {
    (void)api.post(url + "/decline", pair.dept_admin_b, reason);
  } else {
    (void)api.post(url + "/terminate", pair.admin, reason);
  }
}

Result<std::string> propose_agreement(const Api& api, const Pair& pair, const json::object& terms) {
  const json::object body{
      {"partner_city", pair.city_b}, {"proposer_city", pair.city_a}, {"terms", terms}};
  http::Response r;
  const bool ok = eventually(
      [&] {
        r = api.post(pair.node + "/v1/agreements", pair.dept_admin_a, body);
        if (r.status == 201) return true;
        // "agreement <id> between the two cities is ACTIVE; amend it or terminate it first"
        static const std::regex open_id(R"(agreement (\S+) between)");
        std::smatch m;
        const auto detail = str(parse(r), "detail");
        if (r.status == 409 && std::regex_search(detail, m, open_id)) {
          end_agreement(api, pair, m[1].str());
        }
        return false;
      },
      std::chrono::seconds(120));
  if (!ok) {
    return fail(Error::unavailable("proposing an agreement of " + pair.city_a + " and " +
                                   pair.city_b + ": " + std::to_string(r.status) + " " + r.body));
  }
  return str(parse(r), "id");
}

Result<std::string> active_agreement(const Api& api, const Pair& pair, const json::object& terms) {
  auto id = propose_agreement(api, pair, terms);
  if (!id) return id;
  auto r = api.post(pair.node + "/v1/agreements/" + *id + "/countersign", pair.dept_admin_b,
                    json::object{});
  if (r.status != 200) {
    return fail(Error::internal("countersigning: " + std::to_string(r.status) + " " + r.body));
  }
  return id;
}

}  // namespace tongban::security

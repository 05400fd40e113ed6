// catalog as a real process (with identity for tokens) on a private Redis and the test
// Kafka: search over the seed set, stable pagination while publishing, version pinning,
// implementations and who may edit them, standardisation, withdrawal, bad input.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "domain/item.hpp"
#include "domain/search.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::http::Client;
using tongban::http::Response;
using tongban::testing::ChildProcess;

constexpr const char* kAdminPassword = "Admin-Passw0rd-2026";
constexpr const char* kStaffPassword = "Correct-Horse-42";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
    }
    redis_ = std::make_unique<tongban::testing::PrivateRedis>();
    ASSERT_TRUE(redis_->ready());
    std::map<std::string, std::string> common{{"TONGBAN_HTTP_PORT", "0"},
                                              {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                              {"TONGBAN_REDIS_ADDR", redis_->address()},
                                              {"TONGBAN_KAFKA_BOOTSTRAP", *kafka}};
    auto id_env = common;
    id_env["TONGBAN_IDENTITY_ADMIN_PASSWORD"] = kAdminPassword;
    id_env["TONGBAN_IDENTITY_ARGON2_MEM_KIB"] = "8192";
    id_env["TONGBAN_IDENTITY_ARGON2_OPS"] = "1";
    identity_ =
        std::make_unique<ChildProcess>(TONGBAN_IDENTITY_BIN, std::vector<std::string>{}, id_env);
    auto id_port = identity_->wait_for_port(30s);
    ASSERT_TRUE(id_port) << identity_->output();
    identity_url_ = "http://127.0.0.1:" + std::to_string(*id_port);
    auto cat_env = common;
    cat_env["TONGBAN_JWKS_URL"] = identity_url_ + "/.well-known/jwks.json";
    cat_env["TONGBAN_CATALOG_SEED"] = "true";
    cat_env["TONGBAN_CATALOG_SEED_CITIES"] = "3";
    catalog_ =
        std::make_unique<ChildProcess>(TONGBAN_CATALOG_BIN, std::vector<std::string>{}, cat_env);
    auto port = catalog_->wait_for_port(120s);
    ASSERT_TRUE(port) << catalog_->output();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    auto items = tongban::catalog::load_base_items(read_file(TONGBAN_CATALOG_DATA));
    ASSERT_TRUE(items) << items.error().message;
    items_ = *items;
  }
  void TearDown() override {
    if (HasFailure() && catalog_) std::cerr << catalog_->output().substr(0, 20000);
  }

  Response call(tongban::http::Method m, const std::string& path,
                const boost::json::value* body = nullptr, const std::string& token = "") {
    tongban::http::Headers h;
    if (body) h.emplace_back("Content-Type", "application/json");
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client_.request(m, base_ + path, h, body ? boost::json::serialize(*body) : "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{};
  }
  Response get(const std::string& path) { return call(tongban::http::Method::get, path); }
  static boost::json::object json(const Response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    return ec || !v.is_object() ? boost::json::object{} : v.as_object();
  }
  std::string token(const std::string& login, const std::string& password) {
    auto r = client_.post_json(
        identity_url_ + "/v1/sessions",
        boost::json::serialize(boost::json::object{
            {"subject_type", "staff"}, {"login", login}, {"password", password}}));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    return r ? std::string(json(*r)["access_token"].as_string()) : "";
  }
  std::string admin() { return token("admin", kAdminPassword); }
  std::string dept_admin_of(const std::string& city) {
    const std::string login = "da-" + city;
    boost::json::object body{{"login", login},
                             {"name", "Admin " + city},
                             {"city", city},
                             {"department", "政务服务管理办公室"},
                             {"roles", {"dept_admin"}},
                             {"password", kStaffPassword}};
    (void)client_.post_json(identity_url_ + "/v1/staff", boost::json::serialize(body),
                            {{"Authorization", "Bearer " + admin()}});
    return token(login, kStaffPassword);
  }
  // Every code a search returns, following next_cursor to the end.
  std::vector<std::string> all_codes(const std::string& query, int page_size = 7) {
    std::vector<std::string> codes;
    std::string cursor;
    for (int guard = 0; guard < 200; ++guard) {
      auto r = get("/v1/items?page_size=" + std::to_string(page_size) + query +
                   (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      auto page = json(r);
      for (const auto& i : page["items"].as_array()) {
        codes.emplace_back(i.at("code").as_string());
      }
      if (page["next_cursor"].is_null()) break;
      cursor = std::string(page["next_cursor"].as_string());
    }
    return codes;
  }

  std::unique_ptr<tongban::testing::PrivateRedis> redis_;
  std::unique_ptr<ChildProcess> identity_, catalog_;
  std::string identity_url_, base_;
  std::vector<tongban::catalog::BaseItem> items_;
  Client client_;
};

TEST_F(CatalogTest, keyword_and_filters_find_exactly_the_matching_seed_items) {
  struct Case {
    std::string query;
    std::function<bool(const tongban::catalog::BaseItem&)> expect;
  };
  using tongban::catalog::contains_keyword;
  using tongban::catalog::normalise;
  const std::vector<Case> cases{
      {"&q=%E6%88%B7%E5%8F%A3",  // 户口
       [](const auto& i) { return contains_keyword(i.name_zh, normalise("户口")); }},
      {"&q=licence",
       [](const auto& i) {
         return contains_keyword(i.name_zh, "licence") || contains_keyword(i.name_en, "licence");
       }},
      {"&department_category=housing_fund",
       [](const auto& i) { return to_string(i.department_category) == "housing_fund"; }},
      {"&cross_city=true&visit_level=zero",
       [](const auto& i) { return i.cross_city_eligible && to_string(i.visit_level) == "zero"; }},
      {"&q=%E8%AF%81&power_type=administrative_licensing",  // 证
       [](const auto& i) {
         return to_string(i.power_type) == "administrative_licensing" &&
                contains_keyword(i.name_zh, normalise("证"));
       }},
  };
  for (const auto& c : cases) {
    std::set<std::string> want;
    for (const auto& i : items_) {
      if (c.expect(i)) want.insert(i.code);
    }
    auto got_list = all_codes(c.query);
    std::set<std::string> got(got_list.begin(), got_list.end());
    EXPECT_EQ(got.size(), got_list.size()) << c.query << ": no duplicates";
    EXPECT_EQ(got, want) << c.query;
    EXPECT_FALSE(want.empty()) << c.query << " should match something in the seed set";
  }
}

TEST_F(CatalogTest, pagination_has_no_duplicates_or_gaps_while_items_are_published) {
  const auto token = admin();
  std::set<std::string> before;
  for (const auto& i : items_) before.insert(i.code);
  std::vector<std::string> seen;
  std::string cursor;
  int published = 0;
  for (int guard = 0; guard < 100; ++guard) {
    auto r = get("/v1/items?page_size=9" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200);
    auto page = json(r);
    for (const auto& i : page["items"].as_array()) seen.emplace_back(i.at("code").as_string());
    // Meanwhile an administrator publishes a new item.
    auto item = tongban::catalog::to_json(items_[static_cast<std::size_t>(guard) % items_.size()]);
    const auto code = "OT-" + std::to_string(9000 + guard);
    item["code"] = code;
    item["name_zh"] = "测试事项" + std::to_string(guard);
    item["name_en"] = "Test item " + std::to_string(guard);
    item["department_category"] = "other";
    item["frequency_rank"] = 1;
    boost::json::value body = item;
    if (call(tongban::http::Method::put, "/v1/items/" + code + "/draft", &body, token).status ==
            200 &&
        call(tongban::http::Method::post, "/v1/items/" + code + "/publish", nullptr, token)
                .status == 201) {
      ++published;
    }
    if (page["next_cursor"].is_null()) break;
    cursor = std::string(page["next_cursor"].as_string());
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "no duplicates across pages";
  for (const auto& code : before) EXPECT_TRUE(unique.count(code)) << "gap: " << code;
  EXPECT_GT(published, 5);
}

TEST_F(CatalogTest, a_published_version_never_changes) {
  const auto token = admin();
  const auto& original = items_.front();
  auto v1 = get("/v1/items/" + original.code + "/versions/1");
  ASSERT_EQ(v1.status, 200) << v1.body;
  auto changed = tongban::catalog::to_json(original);
  changed["name_en"] = "Renamed " + std::string(original.name_en);
  boost::json::value body = changed;
  ASSERT_EQ(call(tongban::http::Method::put, "/v1/items/" + original.code + "/draft", &body, token)
                .status,
            200);
  auto published =
      call(tongban::http::Method::post, "/v1/items/" + original.code + "/publish", nullptr, token);
  ASSERT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(json(published)["version"].as_int64(), 2);
  EXPECT_EQ(get("/v1/items/" + original.code + "/versions/1").body, v1.body)
      << "version 1 is byte for byte what it was";
  EXPECT_EQ(json(get("/v1/items/" + original.code))["version"].as_int64(), 2);
  auto again =
      call(tongban::http::Method::post, "/v1/items/" + original.code + "/publish", nullptr, token);
  EXPECT_EQ(again.status, 409) << "nothing to publish";
}

TEST_F(CatalogTest, implementations_are_edited_by_their_city_only_and_validated) {
  const auto& city = tongban::cities::directory().all().front().code;
  const auto& other = tongban::cities::directory().all()[1].code;
  const auto token = dept_admin_of(city);
  const auto& item = items_.front();
  auto current = get("/v1/items/" + item.code + "/implementations/" + city);
  ASSERT_EQ(current.status, 200) << current.body;
  auto impl = json(current);
  for (const char* k : {"version", "state", "published_at"}) impl.erase(k);
  impl["promised_limit_days"] = 1;
  boost::json::value body = impl;
  auto ok = call(tongban::http::Method::put,
                 "/v1/items/" + item.code + "/implementations/" + city + "/draft", &body, token);
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto pub =
      call(tongban::http::Method::post,
           "/v1/items/" + item.code + "/implementations/" + city + "/publish", nullptr, token);
  EXPECT_EQ(pub.status, 201) << pub.body;

  auto elsewhere = impl;
  elsewhere["city"] = other;
  body = elsewhere;
  auto denied =
      call(tongban::http::Method::put,
           "/v1/items/" + item.code + "/implementations/" + other + "/draft", &body, token);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(json(denied)["rule"].as_string(), "not_your_city");

  auto too_slow = impl;
  too_slow["promised_limit_days"] = item.statutory_limit_days + 1;
  body = too_slow;
  auto r = call(tongban::http::Method::put,
                "/v1/items/" + item.code + "/implementations/" + city + "/draft", &body, token);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["rule"].as_string(), "promised_above_statutory");

  auto unknown = impl;
  unknown["city"] = "999900";
  body = unknown;
  const auto admin_token = admin();
  r = call(tongban::http::Method::put, "/v1/items/" + item.code + "/implementations/999900/draft",
           &body, admin_token);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(json(r)["rule"].as_string(), "unknown_city");
}

TEST_F(CatalogTest, a_licensing_item_without_materials_is_refused) {
  const auto token = admin();
  for (const auto& i : items_) {
    if (to_string(i.power_type) != "administrative_licensing") continue;
    auto doc = tongban::catalog::to_json(i);
    doc["materials"] = boost::json::array{};
    boost::json::value body = doc;
    auto r = call(tongban::http::Method::put, "/v1/items/" + i.code + "/draft", &body, token);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(json(r)["rule"].as_string(), "materials_required");
    EXPECT_EQ(json(r)["field"].as_string(), "materials");
    return;
  }
  FAIL() << "no licensing item in the seed set";
}

TEST_F(CatalogTest, standardisation_scores_two_cities_symmetrically) {
  const auto& cs = tongban::cities::directory().all();
  for (const auto& i : items_) {
    auto ab = get("/v1/items/" + i.code + "/standardisation?a=" + cs[0].code + "&b=" + cs[1].code);
    ASSERT_EQ(ab.status, 200) << ab.body;
    auto ba = get("/v1/items/" + i.code + "/standardisation?a=" + cs[1].code + "&b=" + cs[0].code);
    const auto s = json(ab)["score"].as_int64();
    EXPECT_GE(s, 0);
    EXPECT_LE(s, 100);
    EXPECT_EQ(s, json(ba)["score"].as_int64()) << i.code;
    if (s < 100) {
      EXPECT_FALSE(json(ab)["deviations"].as_array().empty());
      return;  // found an item whose two implementations differ
    }
  }
}

TEST_F(CatalogTest, a_withdrawn_item_leaves_search_but_its_versions_stay) {
  const auto token = admin();
  const auto& item = items_.back();
  auto w =
      call(tongban::http::Method::post, "/v1/items/" + item.code + "/withdraw", nullptr, token);
  ASSERT_EQ(w.status, 200) << w.body;
  auto codes = all_codes("", 100);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), item.code), 0);
  EXPECT_EQ(get("/v1/items/" + item.code + "/versions/1").status, 200);
  auto again =
      call(tongban::http::Method::post, "/v1/items/" + item.code + "/withdraw", nullptr, token);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json(again)["rule"].as_string(), "invalid_transition");
  auto anonymous = call(tongban::http::Method::post, "/v1/items/" + item.code + "/publish");
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(CatalogTest, bad_search_parameters_name_the_parameter) {
  auto r = get("/v1/items?page_size=1000");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["field"].as_string(), "page_size");
  r = get("/v1/items?city=999900");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(json(r)["rule"].as_string(), "unknown_city");
  r = get("/v1/items?power_type=tax");
  EXPECT_EQ(r.status, 422);
}

TEST(CatalogConfig, every_knob_is_documented) {
  const std::string root = TONGBAN_SOURCE_DIR;
  EXPECT_GT(tongban::testing::print_env_knobs(TONGBAN_CATALOG_BIN).size(), 20u);
  EXPECT_EQ(tongban::testing::undocumented_knobs(
                TONGBAN_CATALOG_BIN,
                {root + "/docs/configuration.md", root + "/services/catalog/README.md"}),
            std::vector<std::string>{});
}

}  // namespace

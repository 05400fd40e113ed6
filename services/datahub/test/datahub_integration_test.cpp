// datahub as a real process (with identity for tokens) on a private Redis and the test
// Kafka: the directory, grant rules end to end, audited data calls and their denials,
// the citizen's access log, tampering found by the verify endpoint and by the offline
// command, e-licences from approved cases exactly once, and the materials check.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/testing/process.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::http::Client;
using tongban::http::Method;
using tongban::http::Response;
using tongban::testing::ChildProcess;
namespace json = boost::json;

constexpr const char* kAdminPassword = "Admin-Passw0rd-2026";
constexpr const char* kPassword = "Correct-Horse-42";
constexpr const char* kCasesTopic = "tongban.delegation.cases.v1";
constexpr const char* kCatalogTopic = "tongban.catalog.items.v1";
// Cities of the test: a case received in Nanjing for a citizen of Hangzhou; Guangzhou is
// the third city that handles nothing of it.
constexpr const char* kHangzhou = "330100";
constexpr const char* kNanjing = "320100";
constexpr const char* kGuangzhou = "440100";

using tongban::testing::fresh_id_number;

json::object parse(const Response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  return ec || !v.is_object() ? json::object{} : v.as_object();
}

std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A JSON string member as std::string ("" when not a string), for comparisons.
std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : ""; }

// Polls `probe` until it holds or the deadline passes.
bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline = 60s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return probe();
}

class DatahubTest : public ::testing::Test {
 protected:
  // One identity + datahub for the suite: each test uses its own resources, cases and
  // subjects, so they do not see each other's data.
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) return;
    kafka_ = *kafka;
    redis_ = new tongban::testing::PrivateRedis();
    if (!redis_->ready()) return;
    std::map<std::string, std::string> common{{"TONGBAN_HTTP_PORT", "0"},
                                              {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                              {"TONGBAN_REDIS_ADDR", redis_->address()},
                                              {"TONGBAN_KAFKA_BOOTSTRAP", kafka_}};
    auto id_env = common;
    id_env["TONGBAN_IDENTITY_ADMIN_PASSWORD"] = kAdminPassword;
    id_env["TONGBAN_IDENTITY_ARGON2_MEM_KIB"] = "8192";
    id_env["TONGBAN_IDENTITY_ARGON2_OPS"] = "1";
    identity_ = new ChildProcess(TONGBAN_IDENTITY_BIN, {}, id_env);
    auto id_port = identity_->wait_for_port(30s);
    if (!id_port) return;
    identity_url_ = "http://127.0.0.1:" + std::to_string(*id_port);
    auto hub_env = common;
    hub_env["TONGBAN_JWKS_URL"] = identity_url_ + "/.well-known/jwks.json";
    hub_env["TONGBAN_DATAHUB_SWEEP_INTERVAL"] = "200";
    // Not the default group another datahub on the shared test broker may be reading in.
    hub_env["TONGBAN_DATAHUB_GROUP"] = "datahub-test-" + tongban::ids::random_hex(4);
    hub_env["TONGBAN_DATAHUB_CHECKPOINT_INTERVAL"] = "3600000";  // by the API in tests
    datahub_ = new ChildProcess(TONGBAN_DATAHUB_BIN, {}, hub_env);
    auto port = datahub_->wait_for_port(60s);
    if (!port) return;
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    auto producer =
        tongban::bus::Producer::create(tongban::bus::KafkaConfig{kafka_, "datahub-test", {}});
    if (producer) producer_ = producer->release();
  }
  // Each suite (DatahubTest, AuditTamperTest) gets fresh processes.
  static void TearDownTestSuite() {
    delete producer_;
    delete datahub_;
    delete identity_;
    delete redis_;
    producer_ = nullptr;
    datahub_ = identity_ = nullptr;
    redis_ = nullptr;
    base_.clear();
    admin_token_.clear();
  }
  void SetUp() override {
    if (kafka_.empty()) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
    }
    ASSERT_FALSE(base_.empty()) << (identity_ ? identity_->output() : "") << "\n"
                                << (datahub_ ? datahub_->output() : "");
    ASSERT_NE(producer_, nullptr);
  }
  void TearDown() override {
    if (HasFailure() && datahub_) std::cerr << datahub_->output().substr(0, 30000);
  }

  Response call(Method m, const std::string& path, const std::string& token,
                const json::value* body = nullptr) {
    tongban::http::Headers h;
    if (body) h.emplace_back("Content-Type", "application/json");
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client_.request(m, base_ + path, h, body ? json::serialize(*body) : "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{};
  }
  Response get(const std::string& path, const std::string& token) {
    return call(Method::get, path, token);
  }
  Response post(const std::string& path, const std::string& token, const json::value& body) {
    return call(Method::post, path, token, &body);
  }
  Response put(const std::string& path, const std::string& token, const json::value& body) {
    return call(Method::put, path, token, &body);
  }

  std::string login(const std::string& type, const std::string& login,
                    const std::string& password) {
    auto r =
        client_.post_json(identity_url_ + "/v1/sessions",
                          json::serialize(json::object{
                              {"subject_type", type}, {"login", login}, {"password", password}}));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    return r ? str(parse(*r), "access_token") : "";
  }
  std::string admin() {
    if (admin_token_.empty()) admin_token_ = login("staff", "admin", kAdminPassword);
    return admin_token_;
  }
  // A staff member of `city` and `department` with `roles`; returns their token.
  std::string staff(const std::string& city, const std::string& department,
                    std::vector<std::string> roles) {
    const std::string name = "st-" + tongban::ids::random_hex(6);
    json::array r;
    for (auto& role : roles) r.emplace_back(role);
    json::object body{{"login", name},         {"name", "Staff " + name},
                      {"city", city},          {"department", department},
                      {"roles", std::move(r)}, {"password", kPassword}};
    auto res = client_.post_json(identity_url_ + "/v1/staff", json::serialize(body),
                                 {{"Authorization", "Bearer " + admin()}});
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : res.error().message);
    return login("staff", name, kPassword);
  }
  // A citizen registered in `city`: {subject id, token}.
  std::pair<std::string, std::string> citizen(const std::string& city) {
    const auto number = fresh_id_number(city);
    auto r = client_.post_json(identity_url_ + "/v1/citizens",
                               json::serialize(json::object{{"id_number", number},
                                                            {"name", "张三"},
                                                            {"household_city", city},
                                                            {"phone", "13800138000"},
                                                            {"password", kPassword}}));
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : r.error().message);
    const auto id = r ? str(parse(*r), "id") : "";
    return {id, login("citizen", number, kPassword)};
  }

  // Publishes a delegation case event as delegation will (CloudEvents on Kafka, key = the
  // case id). Returns the event id.
  std::string case_event(const std::string& type, const std::string& case_id,
                         const std::string& applicant, json::object extra = {},
                         const std::string& event_id = "", const std::string& key = "") {
    json::object data{{"case_id", case_id},
                      {"receiving_city", kNanjing},
                      {"accepting_city", kHangzhou},
                      {"applicant", applicant},
                      {"item_code", "CA-0001"},
                      {"version", 1},
                      {"at", tongban::to_rfc3339(tongban::Clock::system().now())}};
    // The state the type names, as delegation's events carry it (docs/events/asyncapi.yaml).
    const auto stem = type.substr(std::string("tongban.delegation.case_").size());
    std::string state = stem.substr(0, stem.rfind(".v1"));
    for (auto& ch : state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    data["state"] = state;
    for (auto& [k, v] : extra) data[k] = v;
    auto e = tongban::bus::Envelope::make("/tongban/delegation", type, key.empty() ? case_id : key,
                                          data);
    if (!event_id.empty()) e.id = event_id;
    auto ok = producer_->produce_sync(tongban::bus::to_message(kCasesTopic, e), 10s);
    EXPECT_TRUE(ok) << ok.error().message;
    return e.id;
  }
  void catalog_item(const std::string& code, int version, json::array materials) {
    auto e = tongban::bus::Envelope::make(
        "/tongban/catalog", "tongban.catalog.item_published.v1", code,
        json::object{{"code", code},
                     {"version", version},
                     {"item", json::object{{"code", code}, {"materials", std::move(materials)}}}});
    auto ok = producer_->produce_sync(tongban::bus::to_message(kCatalogTopic, e), 10s);
    EXPECT_TRUE(ok) << ok.error().message;
  }
  // The case is known to datahub once its events were consumed.
  void known_case(const std::string& case_id, const std::string& applicant) {
    case_event("tongban.delegation.case_submitted.v1", case_id, applicant);
  }

  // A resource registered by a fresh owner dept_admin of Hangzhou's public security.
  std::string resource(const std::string& owner_token, const std::string& sharing) {
    const auto id = "330100.ps.household-" + tongban::ids::random_hex(4);
    auto r = post("/v1/resources", owner_token,
                  json::object{{"id", id},
                               {"name", "户籍信息"},
                               {"fields", json::array{json::object{{"name", "name"}},
                                                      json::object{{"name", "address"}},
                                                      json::object{{"name", "hukou_type"}}}},
                               {"sharing_class", sharing},
                               {"update_frequency", "daily"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }
  Response request_grant(const std::string& token, const std::string& resource, json::array fields,
                         json::object duration = {{"duration_days", 30}}) {
    json::object body{
        {"resource", resource}, {"fields", std::move(fields)}, {"purpose", "跨城通办核验"}};
    for (auto& [k, v] : duration) body[k] = v;
    return post("/v1/grants", token, body);
  }
  Response read(const std::string& token, const std::string& resource, const std::string& subject,
                const std::string& purpose, const std::string& fields = "") {
    return get("/v1/resources/" + resource + "/records/" + subject + "?purpose=" + purpose +
                   (fields.empty() ? "" : "&fields=" + fields),
               token);
  }
  json::object verify(const std::string& token) {
    auto r = get("/v1/audit/verify", token);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r);
  }
  // The offline command against this suite's Redis: {exit code, report}.
  std::pair<int, json::object> offline_verify(std::vector<std::string> args) {
    ChildProcess p(TONGBAN_AUDIT_VERIFY_BIN, std::move(args), {});
    auto code = p.wait(30s);
    boost::system::error_code ec;
    auto lines = p.lines();
    json::object report;
    for (const auto& l : lines) {
      auto v = json::parse(l, ec);
      if (!ec && v.is_object() && v.as_object().contains("intact")) report = v.as_object();
    }
    return {code.value_or(-1), report};
  }
  static std::unique_ptr<tongban::store::Redis> redis_client() {
    auto opts = tongban::store::parse_redis_address(redis_->address());
    auto r = tongban::store::Redis::connect(*opts);
    return r ? std::move(*r) : nullptr;
  }

  static inline std::string kafka_, identity_url_, base_, admin_token_;
  static inline tongban::testing::PrivateRedis* redis_ = nullptr;
  static inline ChildProcess* identity_ = nullptr;
  static inline ChildProcess* datahub_ = nullptr;
  static inline tongban::bus::Producer* producer_ = nullptr;
  Client client_;
};

TEST_F(DatahubTest, the_directory_registers_searches_and_refuses_bad_registrations) {
  auto owner = staff(kHangzhou, "公安局", {"dept_admin"});
  auto id = resource(owner, "conditional");
  auto again = post("/v1/resources", owner,
                    json::object{{"id", id},
                                 {"name", "x"},
                                 {"fields", json::array{json::object{{"name", "a"}}}},
                                 {"sharing_class", "conditional"},
                                 {"update_frequency", "daily"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(str(parse(again), "rule"), "resource_exists");

  auto found = get("/v1/resources?city=330100&q=" + id.substr(id.size() - 4), owner);
  ASSERT_EQ(found.status, 200) << found.body;
  auto list = parse(found)["resources"].as_array();
  ASSERT_EQ(list.size(), 1u) << found.body;
  EXPECT_EQ(text(list[0].at("id")), id);
  EXPECT_EQ(text(list[0].at("owner").at("department")), "公安局");

  struct Bad {
    json::object body;
    std::string field, rule;
  };
  const std::vector<Bad> bad{
      {{{"id", "BAD ID"},
        {"name", "x"},
        {"fields", json::array{json::object{{"name", "a"}}}},
        {"sharing_class", "conditional"},
        {"update_frequency", "daily"}},
       "id",
       "resource_id"},
      {{{"id", "ok.id.1"},
        {"name", "x"},
        {"fields", json::array{json::object{{"name", "a"}}}},
        {"sharing_class", "whenever"},
        {"update_frequency", "daily"}},
       "sharing_class",
       "enum"},
      {{{"id", "ok.id.2"},
        {"name", "x"},
        {"fields", json::array{json::object{{"name", "a"}}, json::object{{"name", "a"}}}},
        {"sharing_class", "conditional"},
        {"update_frequency", "daily"}},
       "fields/1.name",
       "duplicate_field"},
  };
  for (const auto& b : bad) {
    auto r = post("/v1/resources", owner, b.body);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(str(parse(r), "field"), b.field) << r.body;
    EXPECT_EQ(str(parse(r), "rule"), b.rule) << r.body;
  }
  auto clerk = staff(kHangzhou, "公安局", {"clerk"});
  EXPECT_EQ(post("/v1/resources", clerk, bad[0].body).status, 403);
}

TEST_F(DatahubTest, an_unconditional_grant_is_immediate_and_calls_are_filtered_to_its_fields) {
  auto owner = staff(kHangzhou, "公安局", {"dept_admin"});
  auto owner_clerk = staff(kHangzhou, "公安局", {"clerk"});
  auto consumer_admin = staff(kNanjing, "民政局", {"dept_admin"});
  auto examiner = staff(kNanjing, "民政局", {"examiner"});
  auto [subject, citizen_token] = citizen(kHangzhou);
  const auto case_id = "case-" + tongban::ids::random_hex(6);
  known_case(case_id, subject);
  auto res = resource(owner, "unconditional");
  auto ingest = put("/v1/resources/" + res + "/records/" + subject, owner_clerk,
                    json::object{{"values", json::object{{"name", "张三"},
                                                         {"address", "杭州市西湖区"},
                                                         {"hukou_type", "城镇"}}}});
  ASSERT_EQ(ingest.status, 200) << ingest.body;

  auto g = request_grant(consumer_admin, res, {"name", "address"});
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_EQ(str(parse(g), "status"), "approved");

  Response r;
  ASSERT_TRUE(eventually([&] {
    r = read(examiner, res, subject, "case:" + case_id, "name,hukou_type");
    return r.status == 200;
  })) << r.body;
  auto body = parse(r);
  EXPECT_EQ(body["values"].as_object().size(), 1u) << r.body;
  EXPECT_EQ(text(body["values"].at("name")), "张三");
  EXPECT_EQ(body["withheld"].as_array(), (json::array{"hukou_type"}));
  // No fields asked: every granted field.
  auto all = parse(read(examiner, res, subject, "case:" + case_id));
  EXPECT_EQ(all["values"].as_object().size(), 2u);

  // The citizen sees who read their data, when and why.
  auto log = get("/v1/me/access-log", citizen_token);
  ASSERT_EQ(log.status, 200) << log.body;
  auto reads = parse(log)["reads"].as_array();
  ASSERT_GE(reads.size(), 2u);
  EXPECT_EQ(text(reads[0].at("purpose")), "case:" + case_id);
  EXPECT_EQ(text(reads[0].at("caller_city")), kNanjing);
  EXPECT_EQ(text(reads[0].at("caller_department")), "民政局");
  EXPECT_EQ(text(reads[0].at("decision")), "allowed");
  EXPECT_EQ(text(reads[0].at("resource")), res);
  // Another citizen cannot read this one's log.
  auto [other, other_token] = citizen(kHangzhou);
  EXPECT_EQ(get("/v1/subjects/" + subject + "/access-log", other_token).status, 403);
}

TEST_F(DatahubTest, a_conditional_grant_waits_for_the_owner_and_revocation_ends_it) {
  auto owner = staff(kHangzhou, "公安局", {"dept_admin"});
  auto owner_clerk = staff(kHangzhou, "公安局", {"clerk"});
  auto consumer_admin = staff(kNanjing, "人社局", {"dept_admin"});
  auto examiner = staff(kNanjing, "人社局", {"examiner"});
  auto [subject, citizen_token] = citizen(kHangzhou);
  const auto case_id = "case-" + tongban::ids::random_hex(6);
  known_case(case_id, subject);
  auto res = resource(owner, "conditional");
  ASSERT_EQ(put("/v1/resources/" + res + "/records/" + subject, owner_clerk,
                json::object{{"values", json::object{{"name", "李四"}}}})
                .status,
            200);
  auto g = request_grant(consumer_admin, res, {"name"});
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_EQ(str(parse(g), "status"), "requested");
  const auto grant_id = str(parse(g), "id");

  Response r;
  ASSERT_TRUE(eventually([&] {
    r = read(examiner, res, subject, "case:" + case_id);
    return r.status == 403 && str(parse(r), "rule") == "no_grant";
  })) << r.body;
  EXPECT_TRUE(parse(r).contains("audit_seq"));

  // The consumer cannot approve its own request; the owner can.
  auto self = post("/v1/grants/" + grant_id + "/approve", consumer_admin, json::object{});
  EXPECT_EQ(self.status, 403) << self.body;
  EXPECT_EQ(str(parse(self), "rule"), "not_owner");
  auto approve = post("/v1/grants/" + grant_id + "/approve", owner, json::object{});
  ASSERT_EQ(approve.status, 200) << approve.body;
  EXPECT_EQ(str(parse(approve), "status"), "approved");
  EXPECT_EQ(read(examiner, res, subject, "case:" + case_id).status, 200);
  auto twice = post("/v1/grants/" + grant_id + "/approve", owner, json::object{});
  EXPECT_EQ(twice.status, 409) << twice.body;

  ASSERT_EQ(post("/v1/grants/" + grant_id + "/revoke", owner, json::object{}).status, 200);
  auto revoked = read(examiner, res, subject, "case:" + case_id);
  EXPECT_EQ(revoked.status, 403) << revoked.body;
  EXPECT_EQ(str(parse(revoked), "rule"), "grant_revoked");

  // Denied: a second request the owner turns down.
  auto g2 = request_grant(consumer_admin, res, {"name"});
  const auto id2 = str(parse(g2), "id");
  ASSERT_EQ(post("/v1/grants/" + id2 + "/deny", owner, json::object{}).status, 200);
  EXPECT_EQ(str(parse(get("/v1/grants/" + id2, consumer_admin)), "status"), "denied");
  // A third department learns nothing of the grant.
  auto stranger = staff(kGuangzhou, "民政局", {"dept_admin"});
  EXPECT_EQ(get("/v1/grants/" + id2, stranger).status, 404);

  // Every one of those calls is in the citizen's access log, the denials too.
  auto reads = parse(get("/v1/me/access-log", citizen_token))["reads"].as_array();
  int denied = 0, allowed = 0;
  for (const auto& e : reads) (text(e.at("decision")) == "denied" ? denied : allowed)++;
  EXPECT_GE(denied, 2);
  EXPECT_EQ(allowed, 1);
}

TEST_F(DatahubTest, a_not_shared_resource_is_never_granted) {
  auto owner = staff(kHangzhou, "公安局", {"dept_admin"});
  auto consumer_admin = staff(kNanjing, "公安局", {"dept_admin"});
  auto res = resource(owner, "not_shared");
  auto g = request_grant(consumer_admin, res, {"name"});
  EXPECT_EQ(g.status, 403) << g.body;
  EXPECT_EQ(str(parse(g), "rule"), "not_shareable");
  auto unknown_field = request_grant(consumer_admin, resource(owner, "conditional"), {"salary"});
  EXPECT_EQ(unknown_field.status, 422) << unknown_field.body;
  EXPECT_EQ(str(parse(unknown_field), "field"), "fields/0");
  auto no_duration = request_grant(consumer_admin, res, {"name"}, {});
  EXPECT_EQ(no_duration.status, 422) << no_duration.body;
}

TEST_F(DatahubTest, bad_calls_are_problems_and_each_is_audited_as_denied) {
  auto owner = staff(kHangzhou, "公安局", {"dept_admin"});
  auto owner_clerk = staff(kHangzhou, "公安局", {"clerk"});
  auto consumer_admin = staff(kNanjing, "教育局", {"dept_admin"});
  auto examiner = staff(kNanjing, "教育局", {"examiner"});
  auto third_admin = staff(kGuangzhou, "教育局", {"dept_admin"});
  auto third_examiner = staff(kGuangzhou, "教育局", {"examiner"});
  auto auditor = staff(kHangzhou, "审计局", {"auditor"});
  auto [subject, citizen_token] = citizen(kHangzhou);
  const auto case_id = "case-" + tongban::ids::random_hex(6);
  known_case(case_id, subject);
  auto res = resource(owner, "unconditional");
  ASSERT_EQ(put("/v1/resources/" + res + "/records/" + subject, owner_clerk,
                json::object{{"values", json::object{{"name", "王五"}}}})
                .status,
            200);
  ASSERT_EQ(request_grant(consumer_admin, res, {"name"}).status, 201);
  ASSERT_EQ(request_grant(third_admin, res, {"name"}).status, 201);
  // A grant of two seconds, for the expiry.
  auto short_admin = staff(kNanjing, "卫健委", {"dept_admin"});
  auto short_examiner = staff(kNanjing, "卫健委", {"examiner"});
  ASSERT_EQ(request_grant(short_admin, res, {"name"}, {{"duration_seconds", 2}}).status, 201);
  Response ok;
  ASSERT_TRUE(eventually([&] {
    ok = read(examiner, res, subject, "case:" + case_id);
    return ok.status == 200;
  })) << ok.body;

  struct Bad {
    std::string token, resource, purpose;
    int status;
    std::string field, rule;
  };
  const std::vector<Bad> bad{
      {examiner, "330100.no.such-resource", "case:" + case_id, 404, "resource", "unknown_resource"},
      {third_examiner, res, "case:" + case_id, 403, "purpose", "case_not_handled"},
      {examiner, res, "case:never-heard-of", 403, "purpose", "case_not_handled"},
      {examiner, res, "audit", 422, "purpose", "purpose_malformed"},
      {examiner, res, "", 422, "purpose", "purpose_required"},
  };
  auto before = parse(get("/v1/subjects/" + subject + "/access-log", auditor))["total"].as_int64();
  for (const auto& b : bad) {
    auto r = read(b.token, b.resource, subject, b.purpose);
    EXPECT_EQ(r.status, b.status) << b.rule << ": " << r.body;
    EXPECT_EQ(str(parse(r), "field"), b.field) << r.body;
    EXPECT_EQ(str(parse(r), "rule"), b.rule) << r.body;
    EXPECT_TRUE(parse(r).contains("audit_seq")) << r.body;
  }
  // The grant of two seconds lapses: the sweep records it, the call is refused.
  EXPECT_TRUE(eventually(
      [&] {
        auto g = parse(get("/v1/grants", short_admin))["grants"].as_array();
        return g.size() == 1 && text(g[0].at("status")) == "expired";
      },
      20s));
  auto expired = read(short_examiner, res, subject, "case:" + case_id);
  EXPECT_EQ(expired.status, 403) << expired.body;
  EXPECT_EQ(str(parse(expired), "rule"), "grant_expired");

  auto log = parse(get("/v1/subjects/" + subject + "/access-log?limit=500", auditor));
  EXPECT_EQ(log["total"].as_int64(), before + static_cast<long long>(bad.size()) + 1);
  const auto& newest = log["reads"].as_array();
  ASSERT_GE(newest.size(), bad.size() + 1);
  EXPECT_EQ(text(newest[0].at("reason")), "grant_expired");
  for (std::size_t i = 1; i <= bad.size(); ++i) {
    EXPECT_EQ(text(newest[i].at("decision")), "denied");
    EXPECT_EQ(text(newest[i].at("reason")), bad[bad.size() - i].rule);
  }
  EXPECT_EQ(verify(auditor)["intact"], true);
}

TEST_F(DatahubTest, an_approved_case_delivered_twice_yields_exactly_one_e_licence) {
  auto [subject, citizen_token] = citizen(kHangzhou);
  const auto case_id = "case-" + tongban::ids::random_hex(6);
  json::object approved{
      {"actor",
       json::object{{"subject", "approver-1"}, {"city", kHangzhou}, {"department", "民政局"}}},
      {"result",
       json::object{{"licence_type", "marriage_certificate"}, {"title", "结婚登记证明"}}}};
  const auto first = case_event("tongban.delegation.case_approved.v1", case_id, subject, approved);
  case_event("tongban.delegation.case_approved.v1", case_id, subject, approved, first);
  // Redelivered under a new event id too (a producer retry after a lost ack would not do
  // that; a replay tool might): the case id still makes it one licence.
  case_event("tongban.delegation.case_approved.v1", case_id, subject, approved);
  json::array licences;
  ASSERT_TRUE(eventually([&] {
    licences = parse(get("/v1/me/licences", citizen_token))["licences"].as_array();
    return !licences.empty();
  }));
  // A marker case on the same partition (same key): once its licence shows, every earlier
  // delivery has been consumed.
  const auto marker = "case-" + tongban::ids::random_hex(6);
  case_event("tongban.delegation.case_approved.v1", marker, subject, approved, "", case_id);
  ASSERT_TRUE(eventually([&] {
    return parse(get("/v1/me/licences", citizen_token))["licences"].as_array().size() == 2;
  }));
  licences = parse(get("/v1/me/licences", citizen_token))["licences"].as_array();
  int for_case = 0;
  for (const auto& l : licences) {
    if (text(l.at("case_id")) == case_id) {
      ++for_case;
      EXPECT_EQ(text(l.at("type")), "marriage_certificate");
      EXPECT_EQ(text(l.at("issuer").at("city")), kHangzhou);
      EXPECT_EQ(text(l.at("subject")), subject);
      EXPECT_EQ(l.at("in_force"), true);
    }
  }
  EXPECT_EQ(for_case, 1) << json::serialize(licences);
  // The three deliveries may share a batch (one pipeline of licence scripts): the licence is
  // reported issued once (its log line, beside its count in tongban_datahub_licences_issued).
  int reported = 0;
  for (const auto& line : datahub_->lines()) {
    reported += line.find("e-licence issued for approved case") != std::string::npos &&
                line.find("\"case_id\":\"" + case_id + "\"") != std::string::npos;
  }
  EXPECT_EQ(reported, 1);
}

TEST_F(DatahubTest, the_materials_check_names_what_is_held_as_e_licences_in_force) {
  auto [subject, citizen_token] = citizen(kHangzhou);
  const auto code = "TT-" + std::to_string(1000 + std::random_device{}() % 9000);
  catalog_item(code, 1,
               json::array{json::object{{"name_zh", "户口簿"},
                                        {"name_en", "Household register"},
                                        {"form", "original"},
                                        {"e_licence_type", "household_register"}},
                           json::object{{"name_zh", "申请表"},
                                        {"name_en", "Form"},
                                        {"form", "original"},
                                        {"e_licence_type", nullptr}},
                           json::object{{"name_zh", "结婚证"},
                                        {"name_en", "Marriage certificate"},
                                        {"form", "copy"},
                                        {"e_licence_type", "marriage_certificate"}}});
  auto issuer = staff(kHangzhou, "公安局", {"approver"});
  auto issued = post("/v1/licences", issuer,
                     json::object{{"subject", subject},
                                  {"type", "household_register"},
                                  {"title", "居民户口簿"},
                                  {"number", "HZ-" + tongban::ids::random_hex(4)}});
  ASSERT_EQ(issued.status, 201) << issued.body;
  const auto licence_id = str(parse(issued), "id");

  Response check;
  ASSERT_TRUE(eventually([&] {
    check = get("/v1/materials-check?item=" + code, citizen_token);
    return check.status == 200;
  })) << check.body;
  auto materials = parse(check)["materials"].as_array();
  ASSERT_EQ(materials.size(), 3u);
  EXPECT_EQ(materials[0].at("held"), true);
  EXPECT_EQ(text(materials[0].at("licence_id")), licence_id);
  EXPECT_EQ(materials[1].at("held"), false);
  EXPECT_EQ(materials[2].at("held"), false);

  // Revoked: no longer counts.
  ASSERT_EQ(post("/v1/licences/" + licence_id + "/revoke", issuer, json::object{}).status, 200);
  auto after = parse(get("/v1/materials-check?item=" + code, citizen_token));
  EXPECT_EQ(after["materials"].as_array()[0].at("held"), false);
  EXPECT_EQ(after["held"], 0);

  // Staff of another city check for an applicant at the window; strangers may not.
  auto clerk = staff(kNanjing, "政务服务中心", {"clerk"});
  EXPECT_EQ(get("/v1/materials-check?item=" + code + "&subject=" + subject, clerk).status, 200);
  auto [other, other_token] = citizen(kNanjing);
  EXPECT_EQ(get("/v1/materials-check?item=" + code + "&subject=" + subject, other_token).status,
            403);
  EXPECT_EQ(get("/v1/materials-check?item=NO-0000", citizen_token).status, 404);
  // The checks are reads of the citizen's data: in their access log.
  auto reads = parse(get("/v1/me/access-log", citizen_token))["reads"].as_array();
  ASSERT_FALSE(reads.empty());
  EXPECT_EQ(text(reads[0].at("purpose")), "materials_check:" + code);
}

// Makes a few audited calls so the chain has entries; returns an auditor's token.
// Redis not answering yet when datahub starts (both restarted, Redis still loading its
// data): the audit signing key is retried for a while instead of ending the process, and
// datahub serves once Redis answers.
TEST(DatahubStart, waits_for_redis_before_loading_its_signing_key) {
  TONGBAN_REQUIRE_ENV(kafka, "TONGBAN_TEST_KAFKA");
  const int redis_port = tongban::testing::free_port();
  ChildProcess hub(TONGBAN_DATAHUB_BIN, {},
                   {{"TONGBAN_HTTP_PORT", "0"},
                    {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                    {"TONGBAN_REDIS_ADDR", "127.0.0.1:" + std::to_string(redis_port)},
                    {"TONGBAN_KAFKA_BOOTSTRAP", kafka},
                    // No identity here: nothing in this test needs a token.
                    {"TONGBAN_JWKS_URL", "http://127.0.0.1:1/.well-known/jwks.json"},
                    {"TONGBAN_DATAHUB_GROUP", "datahub-start-" + tongban::ids::random_hex(4)}});
  ASSERT_TRUE(hub.wait_for_log("audit signing key not loaded yet, retrying", 60s)) << hub.output();
  EXPECT_TRUE(hub.running());
  EXPECT_FALSE(hub.wait_for_log("service started", 0ms));  // not serving without its key

  tongban::testing::PrivateRedis redis(redis_port);
  ASSERT_TRUE(redis.ready());
  const auto port = hub.wait_for_port(60s);
  ASSERT_TRUE(port) << hub.output();
  Client client;
  EXPECT_TRUE(eventually(
      [&] {
        auto r = client.get("http://127.0.0.1:" + std::to_string(*port) + "/readyz");
        return r && r->status == 200;
      },
      30s));
}

class AuditTamperTest : public DatahubTest {
 protected:
  void SetUp() override {
    DatahubTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auditor_ = staff(kHangzhou, "审计局", {"auditor"});
    auto examiner = staff(kNanjing, "司法局", {"examiner"});
    for (int i = 0; i < 6; ++i) {
      read(examiner, "330100.none", "someone-" + std::to_string(i), "case:x");
    }
    redis_conn_ = redis_client();
    ASSERT_NE(redis_conn_, nullptr);
    auto all = redis_conn_->command({"LRANGE", "tb:datahub:audit:entries", "0", "-1"});
    ASSERT_TRUE(all);
    for (const auto& e : all->array()) original_.push_back(e.str());
    ASSERT_GE(original_.size(), 6u);
    auto head = redis_conn_->command({"HMGET", "tb:datahub:audit:head", "seq", "hash"});
    head_ = {head->array()[0].str(), head->array()[1].str()};
    ASSERT_EQ(verify(auditor_)["intact"], true);
  }
  // Puts the chain back as it was, for the next test.
  void TearDown() override {
    if (redis_conn_ && !original_.empty()) {
      tongban::store::Command restore{"RPUSH", "tb:datahub:audit:entries"};
      restore.insert(restore.end(), original_.begin(), original_.end());
      (void)redis_conn_->pipeline(
          {{"DEL", "tb:datahub:audit:entries"},
           restore,
           {"HSET", "tb:datahub:audit:head", "seq", head_.first, "hash", head_.second}});
      EXPECT_EQ(verify(auditor_)["intact"], true);
    }
    DatahubTest::TearDown();
  }
  void set(std::size_t index, const std::string& value) {
    ASSERT_TRUE(
        redis_conn_->command({"LSET", "tb:datahub:audit:entries", std::to_string(index), value}));
  }
  // The endpoint and the offline command both find the fault, with the same rule.
  void expect_detected(const std::string& rule, const std::string& field) {
    auto report = verify(auditor_);
    EXPECT_EQ(report["intact"], false) << json::serialize(report);
    ASSERT_TRUE(report["fault"].is_object()) << json::serialize(report);
    EXPECT_EQ(text(report["fault"].at("rule")), rule) << json::serialize(report);
    EXPECT_EQ(text(report["fault"].at("field")), field) << json::serialize(report);
    auto [code, offline] = offline_verify({"--redis", redis_->address()});
    EXPECT_EQ(code, 1) << json::serialize(offline);
    ASSERT_TRUE(offline.contains("fault")) << json::serialize(offline);
    EXPECT_EQ(text(offline["fault"].at("rule")), rule);
    EXPECT_EQ(text(offline["fault"].at("field")), field);
  }

  std::string auditor_;
  std::unique_ptr<tongban::store::Redis> redis_conn_;
  std::vector<std::string> original_;
  std::pair<std::string, std::string> head_;
};

TEST_F(AuditTamperTest, the_offline_command_finds_an_untouched_chain_intact) {
  auto [code, report] = offline_verify({"--redis", redis_->address()});
  EXPECT_EQ(code, 0) << json::serialize(report);
  EXPECT_EQ(report["intact"], true);
  EXPECT_EQ(report["entries"].to_number<std::size_t>(), original_.size());
}

TEST_F(AuditTamperTest, a_changed_entry_is_detected) {
  const std::size_t at = original_.size() - 3;
  auto e = json::parse(original_[at]).as_object();
  e["decision"] = "allowed";  // someone hides a denial
  set(at, json::serialize(e));
  expect_detected("entry_changed", "entries/" + std::to_string(at));
}

TEST_F(AuditTamperTest, a_changed_and_rehashed_entry_is_detected_by_the_link_after_it) {
  const std::size_t at = original_.size() - 3;
  auto e = json::parse(original_[at]).as_object();
  e["caller"] = "nobody";
  // Recomputing this entry's hash is not enough: the next entry's prev_hash breaks.
  e["hash"] = std::string(64, 'f');
  set(at, json::serialize(e));
  expect_detected("entry_changed", "entries/" + std::to_string(at));
}

TEST_F(AuditTamperTest, a_deleted_entry_is_detected) {
  const std::size_t at = original_.size() - 4;
  ASSERT_TRUE(redis_conn_->command({"LREM", "tb:datahub:audit:entries", "1", original_[at]}));
  expect_detected("entry_missing", "entries/" + std::to_string(at));
}

TEST_F(AuditTamperTest, reordered_entries_are_detected) {
  const std::size_t at = original_.size() - 4;
  set(at, original_[at + 1]);
  set(at + 1, original_[at]);
  expect_detected("entry_reordered", "entries/" + std::to_string(at));
}

TEST_F(AuditTamperTest, a_truncated_tail_is_detected_by_the_recorded_head) {
  ASSERT_TRUE(redis_conn_->command({"RPOP", "tb:datahub:audit:entries", "2"}));
  expect_detected("entry_missing", "head");
}

TEST_F(AuditTamperTest, a_truncated_tail_with_a_rewound_head_is_detected_by_a_checkpoint) {
  auto cp = post("/v1/audit/checkpoints", auditor_, json::object{});
  ASSERT_EQ(cp.status, 201) << cp.body;
  EXPECT_EQ(std::to_string(parse(cp)["seq"].to_number<std::uint64_t>()), head_.first);
  ASSERT_TRUE(redis_conn_->command({"RPOP", "tb:datahub:audit:entries", "2"}));
  // Cover the tracks: move the head back too. The signed checkpoint still knows.
  auto last = json::parse(original_[original_.size() - 3]).as_object();
  ASSERT_TRUE(redis_conn_->command({"HSET", "tb:datahub:audit:head", "seq",
                                    std::to_string(last["seq"].to_number<std::uint64_t>()), "hash",
                                    str(last, "hash")}));
  auto cps = redis_conn_->command({"LLEN", "tb:datahub:audit:checkpoints"});
  expect_detected("entry_missing", "checkpoints/" + std::to_string(cps->integer() - 1));
}

TEST_F(AuditTamperTest, exported_files_verify_offline_and_a_tampered_export_does_not) {
  ASSERT_EQ(post("/v1/audit/checkpoints", auditor_, json::object{}).status / 100, 2);
  auto entries = get("/v1/audit/entries", auditor_);
  auto checkpoints = get("/v1/audit/checkpoints", auditor_);
  auto jwks = get("/v1/audit/jwks.json", "");
  ASSERT_EQ(entries.status, 200);
  ASSERT_EQ(checkpoints.status, 200);
  ASSERT_EQ(jwks.status, 200);
  const auto dir =
      std::filesystem::temp_directory_path() / ("audit-" + tongban::ids::random_hex(6));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const auto e_file = write("entries.ndjson", entries.body);
  const auto c_file = write("checkpoints.ndjson", checkpoints.body);
  const auto k_file = write("jwks.json", jwks.body);
  auto [ok_code, ok] =
      offline_verify({"--entries", e_file, "--checkpoints", c_file, "--jwks", k_file});
  EXPECT_EQ(ok_code, 0) << json::serialize(ok);
  EXPECT_EQ(ok["intact"], true);

  // Swap two lines of the export.
  std::vector<std::string> lines;
  std::istringstream in(entries.body);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::swap(lines[1], lines[2]);
  std::string swapped;
  for (const auto& l : lines) swapped += l + "\n";
  auto [bad_code, bad] = offline_verify(
      {"--entries", write("swapped.ndjson", swapped), "--checkpoints", c_file, "--jwks", k_file});
  EXPECT_EQ(bad_code, 1) << json::serialize(bad);
  EXPECT_EQ(text(bad["fault"].at("rule")), "entry_reordered");
  // A JWKS that is not the service's: the checkpoints' signatures fail.
  auto [key_code, wrong_key] = offline_verify(
      {"--entries", e_file, "--checkpoints", c_file, "--jwks",
       write(
           "other.jwks",
           R"({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"x","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})")});
  EXPECT_EQ(key_code, 1) << json::serialize(wrong_key);
  EXPECT_EQ(text(wrong_key["fault"].at("rule")), "checkpoint_signature");
  std::filesystem::remove_all(dir);
}

TEST_F(DatahubTest, every_config_knob_is_documented) {
  auto missing = tongban::testing::undocumented_knobs(
      TONGBAN_DATAHUB_BIN, {std::string(TONGBAN_SOURCE_DIR) + "/docs/configuration.md",
                            std::string(TONGBAN_SOURCE_DIR) + "/services/datahub/README.md"});
  EXPECT_TRUE(missing.empty()) << "undocumented: " << ::testing::PrintToString(missing);
}

}  // namespace

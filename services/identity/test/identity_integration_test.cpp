// identity as a real process against the test Redis and Kafka: registration, login,
// refresh rotation and reuse, lockout, role rules, bad input, and revocation seen by a
// second service process through Kafka.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include "domain/resident_id.hpp"
#include "tongban/auth/base64url.hpp"
#include "tongban/bus/consumer.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::http::Client;
using tongban::http::Response;
using tongban::testing::ChildProcess;

std::string random_digits(int n) {
  static std::mt19937 gen(std::random_device{}());
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + gen() % 10));
  return s;
}

// A valid resident ID number no earlier run has registered: random sequence digits.
std::string fresh_id_number(std::string_view region = "440305") {
  // A valid number no earlier run is likely to have registered: birth dates over 40
  // years times 1000 sequence numbers (13 million) for each region.
  static std::mt19937 gen(std::random_device{}());
  char date[9];
  std::snprintf(date, sizeof date, "%04u%02u%02u", static_cast<unsigned>(1960 + gen() % 40),
                static_cast<unsigned>(1 + gen() % 12), static_cast<unsigned>(1 + gen() % 28));
  const std::string first17 = std::string(region) + date + random_digits(3);
  return first17 + tongban::identity::gb11643_check_character(first17);
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = tongban::testing::server_from_env("TONGBAN_TEST_REDIS");
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!redis || !kafka) {
      if (tongban::testing::servers_required()) FAIL() << "test servers are not set";
      GTEST_SKIP() << "TONGBAN_TEST_REDIS/KAFKA not set: scripts/test-env start";
    }
    redis_ = *redis;
    kafka_ = *kafka;
    admin_login_ = "admin-" + tongban::ids::random_hex(4);
    identity_ = std::make_unique<ChildProcess>(
        TONGBAN_IDENTITY_BIN, std::vector<std::string>{},
        std::map<std::string, std::string>{{"TONGBAN_HTTP_PORT", "0"},
                                           {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                           {"TONGBAN_REDIS_ADDR", redis_},
                                           {"TONGBAN_KAFKA_BOOTSTRAP", kafka_},
                                           {"TONGBAN_IDENTITY_ADMIN_LOGIN", admin_login_},
                                           {"TONGBAN_IDENTITY_ADMIN_PASSWORD", kAdminPassword},
                                           // cheap hashes: the tests log in many times
                                           {"TONGBAN_IDENTITY_ARGON2_MEM_KIB", "8192"},
                                           {"TONGBAN_IDENTITY_ARGON2_OPS", "1"},
                                           {"TONGBAN_IDENTITY_KEY_ACTIVATION_S", "1"}});
    auto port = identity_->wait_for_port(30s);
    ASSERT_TRUE(port) << identity_->output();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (identity_ && HasFailure()) std::cerr << identity_->output().substr(0, 20000);
  }

  Response post(std::string_view path, const boost::json::object& body,
                const std::string& token = "") {
    tongban::http::Headers h{{"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client_.request(tongban::http::Method::post, base_ + std::string(path), h,
                             boost::json::serialize(body));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{};
  }
  Response get(std::string_view path, const std::string& token = "") {
    tongban::http::Headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client_.get(base_ + std::string(path), h);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{};
  }
  static boost::json::object body(const Response& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    return ec || !v.is_object() ? boost::json::object{} : v.as_object();
  }
  static std::string str(const Response& r, std::string_view key) {
    auto b = body(r);
    const auto* v = b.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }

  Response login(std::string_view type, const std::string& login, const std::string& password) {
    return post("/v1/sessions", {{"subject_type", type}, {"login", login}, {"password", password}});
  }
  std::string admin_token() {
    auto r = login("staff", admin_login_, kAdminPassword);
    EXPECT_EQ(r.status, 200) << r.body;
    return str(r, "access_token");
  }
  // Registers a citizen of Shenzhen; returns {id_number, subject id}.
  std::pair<std::string, std::string> register_citizen(const std::string& password) {
    const auto number = fresh_id_number();
    auto r = post("/v1/citizens", {{"id_number", number},
                                   {"name", "张三"},
                                   {"household_city", "440300"},
                                   {"phone", "13800138000"},
                                   {"password", password}});
    EXPECT_EQ(r.status, 201) << r.body;
    return {number, str(r, "id")};
  }

  static constexpr const char* kAdminPassword = "Admin-Passw0rd-2026";
  static constexpr const char* kPassword = "Correct-Horse-42";
  std::string redis_, kafka_, admin_login_, base_;
  std::unique_ptr<ChildProcess> identity_;
  Client client_;
};

TEST_F(IdentityTest, a_citizen_registers_logs_in_and_reads_itself) {
  auto [number, id] = register_citizen(kPassword);
  auto r = login("citizen", number, kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r, "token_type"), "Bearer");
  EXPECT_FALSE(str(r, "refresh_token").empty());
  auto me = get("/v1/me", str(r, "access_token"));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(str(me, "id"), id);
  EXPECT_EQ(str(me, "city"), "440300");
  EXPECT_EQ(body(me).at("assurance_level").as_int64(), 1);
  EXPECT_EQ(me.body.find("secret_hash"), std::string::npos) << "the hash never leaves";
  auto jwks = get("/.well-known/jwks.json");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_FALSE(body(jwks).at("keys").as_array().empty());
}

TEST_F(IdentityTest, a_subject_updates_its_phone_with_if_match) {
  auto [number, id] = register_citizen(kPassword);
  const auto token = str(login("citizen", number, kPassword), "access_token");
  auto patch = [&](boost::json::object b, std::string etag) {
    tongban::http::Headers h{{"Content-Type", "application/json"},
                             {"Authorization", "Bearer " + token}};
    if (!etag.empty()) h.emplace_back("If-Match", etag);
    return *client_.request(tongban::http::Method::patch, base_ + "/v1/subjects/" + id, h,
                            boost::json::serialize(b));
  };
  auto me = get("/v1/me", token);
  const auto etag = *me.header("ETag");
  auto ok = patch({{"phone", "13700000000"}}, etag);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(str(ok, "phone"), "13700000000");
  auto stale = patch({{"phone", "13600000000"}}, etag);
  EXPECT_EQ(stale.status, 409) << "a stale If-Match loses, nothing written";
  EXPECT_EQ(str(stale, "rule"), "version_mismatch");
  EXPECT_EQ(str(get("/v1/me", token), "phone"), "13700000000");
  auto bad = patch({{"phone", "12345"}}, "");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(str(bad, "field"), "phone");
  auto forbidden_field = patch({{"city", "110100"}}, "");
  EXPECT_EQ(forbidden_field.status, 422);
  EXPECT_EQ(str(forbidden_field, "rule"), "not_updatable");
}

TEST_F(IdentityTest, refresh_tokens_rotate_and_reuse_revokes_the_family) {
  auto [number, id] = register_citizen(kPassword);
  auto first = login("citizen", number, kPassword);
  ASSERT_EQ(first.status, 200);
  const auto r1 = str(first, "refresh_token");
  auto second = post("/v1/sessions/refresh", {{"refresh_token", r1}});
  ASSERT_EQ(second.status, 200) << second.body;
  const auto r2 = str(second, "refresh_token");
  EXPECT_NE(r1, r2);
  // The rotated-out token comes back: reuse. Everything of the family dies.
  auto reuse = post("/v1/sessions/refresh", {{"refresh_token", r1}});
  EXPECT_EQ(reuse.status, 401);
  EXPECT_EQ(str(reuse, "rule"), "refresh_token_reused");
  auto after = post("/v1/sessions/refresh", {{"refresh_token", r2}});
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(str(after, "rule"), "refresh_token_revoked");
  // ... and the access tokens issued before, within seconds (the revocation stream).
  const auto access = str(second, "access_token");
  int status = 200;
  for (int i = 0; i < 100 && status != 401; ++i) {
    status = get("/v1/me", access).status;
    if (status != 401) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401);
}

TEST_F(IdentityTest, repeated_failures_lock_the_account_temporarily) {
  auto [number, id] = register_citizen(kPassword);
  for (int i = 0; i < 5; ++i) {
    auto r = login("citizen", number, "Wrong-Password-1");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(str(r, "rule"), "invalid_credentials");
  }
  auto locked = login("citizen", number, kPassword);
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(str(locked, "rule"), "account_locked");
  ASSERT_NE(locked.header("Retry-After"), nullptr);
  EXPECT_GT(std::stoi(*locked.header("Retry-After")), 60);
}

TEST_F(IdentityTest, unknown_login_and_wrong_password_answer_alike) {
  auto unknown = login("citizen", fresh_id_number(), kPassword);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(str(unknown, "rule"), "invalid_credentials");
}

TEST_F(IdentityTest, staff_management_follows_the_role_rules) {
  const auto admin = admin_token();
  const auto suffix = tongban::ids::random_hex(3);
  auto staff = [&](std::string login, std::string city, boost::json::array roles,
                   const std::string& token) {
    return post("/v1/staff",
                {{"login", login},
                 {"name", "Staff " + login},
                 {"city", city},
                 {"department", "政务服务中心"},
                 {"roles", roles},
                 {"password", kPassword}},
                token);
  };
  auto dept_admin = staff("sz-admin-" + suffix, "440300", {"dept_admin"}, admin);
  ASSERT_EQ(dept_admin.status, 201) << dept_admin.body;
  auto da_token = str(login("staff", "sz-admin-" + suffix, kPassword), "access_token");
  ASSERT_FALSE(da_token.empty());

  auto clerk = staff("sz-clerk-" + suffix, "440300", {"clerk"}, da_token);
  EXPECT_EQ(clerk.status, 201) << "a dept_admin creates staff in their city: " << clerk.body;

  auto elsewhere = staff("gz-clerk-" + suffix, "440100", {"clerk"}, da_token);
  EXPECT_EQ(elsewhere.status, 403) << elsewhere.body;
  EXPECT_EQ(str(elsewhere, "rule"), "not_your_city");

  auto escalate = staff("sz-admin2-" + suffix, "440300", {"platform_admin"}, da_token);
  EXPECT_EQ(escalate.status, 403);

  auto clerk_token = str(login("staff", "sz-clerk-" + suffix, kPassword), "access_token");
  ASSERT_FALSE(clerk_token.empty());
  auto by_clerk = staff("sz-clerk2-" + suffix, "440300", {"clerk"}, clerk_token);
  EXPECT_EQ(by_clerk.status, 403) << "a clerk cannot create staff";

  auto anonymous = staff("sz-clerk3-" + suffix, "440300", {"clerk"}, "");
  EXPECT_EQ(anonymous.status, 401);
}

// Services decide a supervisor's reach from the token alone (SPEC §3.1, §3.4).
TEST_F(IdentityTest, a_supervisors_token_carries_the_scope_of_their_supervision) {
  const auto admin = admin_token();
  auto scope_claim = [&](const std::string& login_name) {
    const auto token = str(login("staff", login_name, kPassword), "access_token");
    const auto d1 = token.find('.');
    const auto payload = tongban::auth::base64url::decode(
        std::string_view(token).substr(d1 + 1, token.find('.', d1 + 1) - d1 - 1));
    boost::system::error_code ec;
    auto claims = boost::json::parse(payload.value_or("{}"), ec);
    const auto* scope = claims.is_object() ? claims.as_object().if_contains("scope") : nullptr;
    return scope && scope->is_string() ? std::string(scope->as_string()) : std::string("(none)");
  };
  for (const std::string scope : {"city", "province"}) {
    const auto name = "sup-" + scope + "-" + tongban::ids::random_hex(3);
    auto created = post("/v1/staff",
                        {{"login", name},
                         {"name", "Supervisor"},
                         {"city", "440300"},
                         {"department", "监察室"},
                         {"roles", {"supervisor"}},
                         {"supervisor_scope", scope},
                         {"password", kPassword}},
                        admin);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(scope_claim(name), "supervision:" + scope);
  }
  const auto clerk = "clerk-" + tongban::ids::random_hex(3);
  ASSERT_EQ(post("/v1/staff",
                 {{"login", clerk},
                  {"name", "Clerk"},
                  {"city", "440300"},
                  {"department", "政务服务中心"},
                  {"roles", {"clerk"}},
                  {"password", kPassword}},
                 admin)
                .status,
            201);
  EXPECT_EQ(scope_claim(clerk), "(none)");
}

TEST_F(IdentityTest, bad_registrations_name_the_field_and_rule) {
  struct Case {
    std::string field;
    boost::json::value value;
    std::string rule;
  };
  auto valid = [&] {
    return boost::json::object{{"id_number", fresh_id_number()},
                               {"name", "李四"},
                               {"household_city", "320100"},
                               {"phone", "13912345678"},
                               {"password", kPassword}};
  };
  auto number = fresh_id_number();
  std::string wrong_check = number;
  wrong_check[17] = wrong_check[17] == '0' ? '1' : '0';
  const std::vector<Case> cases{
      {"id_number", boost::json::value(wrong_check), "gb11643_check_digit"},
      {"id_number", boost::json::value("12345"), "length"},
      {"household_city", boost::json::value("999900"), "unknown_city"},
      {"phone", boost::json::value("12345"), "phone_format"},
      {"password", boost::json::value("short"), "password_length"},
      {"name", boost::json::value(""), ""},
  };
  for (const auto& c : cases) {
    auto b = valid();
    b[c.field] = c.value;
    auto r = post("/v1/citizens", b);
    EXPECT_EQ(r.status, 422) << c.field << ": " << r.body;
    EXPECT_EQ(str(r, "field"), c.field) << r.body;
    if (!c.rule.empty()) {
      EXPECT_EQ(str(r, "rule"), c.rule) << r.body;
    }
  }
  auto missing = valid();
  missing.erase("phone");
  auto r = post("/v1/citizens", missing);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(str(r, "rule"), "required");

  tongban::http::Headers h{{"Content-Type", "application/json"}};
  auto malformed = client_.request(tongban::http::Method::post, base_ + "/v1/citizens", h, "{");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  auto oversize = client_.request(tongban::http::Method::post, base_ + "/v1/citizens", h,
                                  std::string(2 << 20, ' '));
  ASSERT_TRUE(oversize);
  EXPECT_EQ(oversize->status, 413);
}

TEST_F(IdentityTest, a_duplicate_registration_is_409_and_stores_nothing_twice) {
  auto [number, id] = register_citizen(kPassword);
  auto again = post("/v1/citizens", {{"id_number", number},
                                     {"name", "王五"},
                                     {"household_city", "440300"},
                                     {"phone", "13800138001"},
                                     {"password", kPassword}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(str(again, "rule"), "duplicate_subject");
  // The first registration is intact: same name, still logs in with its own password.
  auto r = login("citizen", number, kPassword);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(str(get("/v1/me", str(r, "access_token")), "name"), "张三");
}

TEST_F(IdentityTest, logout_revokes_the_token_in_a_second_service_through_kafka) {
  auto [number, id] = register_citizen(kPassword);
  auto session = login("citizen", number, kPassword);
  ASSERT_EQ(session.status, 200);
  const auto access = str(session, "access_token");
  // A second service verifying identity's tokens on its own (JWKS over HTTP).
  ChildProcess other(TONGBAN_SERVICE_FIXTURE, {},
                     {{"TONGBAN_HTTP_PORT", "0"},
                      {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                      {"TONGBAN_REDIS_ADDR", redis_},
                      {"TONGBAN_KAFKA_BOOTSTRAP", kafka_},
                      {"TONGBAN_JWKS_URL", base_ + "/.well-known/jwks.json"},
                      {"TONGBAN_FIXTURE_AUTH", "1"}});
  auto port = other.wait_for_port(30s);
  ASSERT_TRUE(port) << other.output();
  const std::string me = "http://127.0.0.1:" + std::to_string(*port) + "/me";
  auto before = client_.get(me, {{"Authorization", "Bearer " + access}});
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200) << before->body;
  EXPECT_EQ(before->body, id);

  tongban::http::Headers h{{"Authorization", "Bearer " + access}};
  auto out = client_.request(tongban::http::Method::del, base_ + "/v1/sessions/current", h);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204) << out->body;
  int status = 200;
  for (int i = 0; i < 100 && status != 401; ++i) {
    auto r = client_.get(me, {{"Authorization", "Bearer " + access}});
    status = r ? r->status : 0;
    if (status != 401) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(status, 401) << "revoked within 10 s in the other service";
}

TEST_F(IdentityTest, service_accounts_log_in_with_client_credentials) {
  const auto admin = admin_token();
  const auto client_id = "portal-" + tongban::ids::random_hex(4);
  auto created =
      post("/v1/service-accounts",
           {{"client_id", client_id}, {"name", "portal"}, {"scopes", {"cases:read"}}}, admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto secret = str(created, "client_secret");
  ASSERT_FALSE(secret.empty());
  auto ok = post("/v1/sessions/client-credentials",
                 {{"client_id", client_id}, {"client_secret", secret}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(body(ok).if_contains("refresh_token") == nullptr);
  auto wrong = post("/v1/sessions/client-credentials",
                    {{"client_id", client_id}, {"client_secret", secret + "x"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(str(wrong, "rule"), "invalid_client");
  auto by_citizen =
      post("/v1/service-accounts", {{"client_id", "x-" + client_id}, {"name", "x"}},
           str(login("citizen", register_citizen(kPassword).first, kPassword), "access_token"));
  EXPECT_EQ(by_citizen.status, 403);
}

TEST_F(IdentityTest, assurance_rises_to_l2_on_a_verified_id_match) {
  auto [number, id] = register_citizen(kPassword);
  auto token = str(login("citizen", number, kPassword), "access_token");
  auto mismatch = post("/v1/subjects/" + id + "/assurance",
                       {{"level", 2}, {"name", "别人"}, {"id_number", number}}, token);
  EXPECT_EQ(mismatch.status, 422) << mismatch.body;
  EXPECT_EQ(str(mismatch, "rule"), "assurance_evidence");
  auto raised = post("/v1/subjects/" + id + "/assurance",
                     {{"level", 2}, {"name", "张三"}, {"id_number", number}}, token);
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(body(raised).at("assurance_level").as_int64(), 2);
  auto lower = post("/v1/subjects/" + id + "/assurance", {{"level", 1}}, token);
  EXPECT_EQ(lower.status, 422);
  // New tokens carry the level as acr.
  auto fresh = str(login("citizen", number, kPassword), "access_token");
  const auto payload = fresh.substr(fresh.find('.') + 1, fresh.rfind('.') - fresh.find('.') - 1);
  auto decoded = tongban::auth::base64url::decode(payload);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(boost::json::parse(*decoded).at("acr").as_string(), "L2");
}

TEST_F(IdentityTest, a_rotated_key_signs_new_tokens_while_old_ones_still_verify) {
  const auto admin = admin_token();
  auto [number, id] = register_citizen(kPassword);
  const auto old_token = str(login("citizen", number, kPassword), "access_token");
  auto rotated = post("/v1/signing-keys/rotations", {}, admin);
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  const auto kid = str(rotated, "kid");
  const auto jwks = body(get("/.well-known/jwks.json"));
  bool published = false;
  for (const auto& k : jwks.at("keys").as_array()) {
    published = published || k.at("kid").as_string() == kid;
  }
  EXPECT_TRUE(published) << "the new key is published before it signs";
  std::this_thread::sleep_for(1500ms);  // TONGBAN_IDENTITY_KEY_ACTIVATION_S=1
  const auto new_token = str(login("citizen", number, kPassword), "access_token");
  auto header = tongban::auth::base64url::decode(new_token.substr(0, new_token.find('.')));
  ASSERT_TRUE(header);
  EXPECT_EQ(boost::json::parse(*header).at("kid").as_string(), kid);
  EXPECT_EQ(get("/v1/me", new_token).status, 200);
  EXPECT_EQ(get("/v1/me", old_token).status, 200) << "tokens of the old key stay valid";
  auto citizen_rotates = post("/v1/signing-keys/rotations", {}, new_token);
  EXPECT_EQ(citizen_rotates.status, 403);
}

TEST_F(IdentityTest, registration_events_reach_kafka) {
  auto [number, id] = register_citizen(kPassword);
  tongban::bus::KafkaConfig config;
  config.bootstrap_servers = kafka_;
  auto producer = tongban::bus::Producer::create(config);
  ASSERT_TRUE(producer);
  std::mutex m;
  std::vector<std::string> types;
  tongban::bus::ConsumerOptions opts;
  opts.group_id = "identity-test-" + tongban::ids::random_hex(4);
  opts.topics = {"tongban.identity.subjects.v1"};
  auto runner = tongban::bus::ConsumerRunner::create(
      config, opts,
      [&](const tongban::bus::Envelope& e,
          const tongban::bus::IncomingMessage& msg) -> tongban::Result<void> {
        if (e.subject == id) {
          std::lock_guard lock(m);
          types.push_back(e.type);
          EXPECT_EQ(msg.key, id) << "partition key = subject id";
        }
        return {};
      },
      **producer, nullptr);
  ASSERT_TRUE(runner) << runner.error().message;
  (*runner)->start();
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    {
      std::lock_guard lock(m);
      seen = !types.empty();
    }
    if (!seen) std::this_thread::sleep_for(100ms);
  }
  (*runner)->stop();
  ASSERT_TRUE(seen) << "subject_registered arrived within 20 s";
  EXPECT_EQ(types.front(), "tongban.identity.subject_registered.v1");
}

TEST_F(IdentityTest, sigterm_stops_identity_cleanly) {
  identity_->signal(SIGTERM);
  auto code = identity_->wait(20s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(IdentityConfig, every_knob_is_documented) {
  const std::string root = TONGBAN_SOURCE_DIR;
  EXPECT_GT(tongban::testing::print_env_knobs(TONGBAN_IDENTITY_BIN).size(), 20u);
  EXPECT_EQ(tongban::testing::undocumented_knobs(
                TONGBAN_IDENTITY_BIN,
                {root + "/docs/configuration.md", root + "/services/identity/README.md"}),
            std::vector<std::string>{});
}

}  // namespace

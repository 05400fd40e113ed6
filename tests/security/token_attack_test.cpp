// Token attacks (issue #10) against every service that takes tokens — identity, catalog,
// datahub, a delegation node, the portal — as processes: alg "none", HS256 signed with
// identity's public key, relabelled algorithms, unknown kid, a foreign key under the real
// kid, expired / not-yet-valid / future tokens and wrong issuer or audience signed with the
// real key, tampered claims under the original signature, garbage, revoked tokens (identity's
// revocation event reaching every service), and a genuine token of one city's staff used on
// another city's case. Each is refused with the status SPEC §2/§3.4 gives, as a problem
// document naming the rule.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "matrix.hpp"
#include "support.hpp"
#include "tongban/auth/base64url.hpp"
#include "tongban/auth/jwk.hpp"
#include "tongban/auth/signer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using namespace tongban::security;
using tongban::http::Method;
using tongban::http::Response;
namespace json = boost::json;
namespace b64 = tongban::auth::base64url;

struct Account {
  std::string login, subject, token;
};

// Header and payload of a compact JWS, and its signature segment.
struct Jws {
  json::object header, payload;
  std::string signature;  // base64url, as in the token
};

Jws split(const std::string& token) {
  Jws out;
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  auto decode = [](std::string_view s) {
    boost::system::error_code ec;
    auto v = json::parse(b64::decode(s).value_or("{}"), ec);
    return ec || !v.is_object() ? json::object{} : v.as_object();
  };
  out.header = decode(std::string_view(token).substr(0, d1));
  out.payload = decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  out.signature = token.substr(d2 + 1);
  return out;
}

std::string segment(const json::object& o) { return b64::encode(json::serialize(o)); }

std::string hs256(std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
            reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, sizeof mac,
            &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string public_pem(const tongban::auth::Jwk& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.key.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One request every service answers for a genuine platform_admin token, and what it answers.
struct Target {
  std::string service;
  Method method;
  std::string url;
  int genuine_status;
};

class TokenAttacks : public PlatformSuite {
 protected:
  static void SetUpTestSuite() {
    if (!start_platform("attacks", {"A", "B", "C"})) return;
    identity_ = stack_->identity_url();
    catalog_ = stack_->catalog_url();
    datahub_ = stack_->datahub_url();
    node_ = stack_->node_url(0);
    portal_ = stack_->portal_url();
    targets_ = {{"identity", Method::get, identity_ + "/v1/me", 200},
                // Authenticated and authorised, then nothing to publish: 404.
                {"catalog", Method::post, catalog_ + "/v1/items/PS-9998/publish", 404},
                {"datahub", Method::get, datahub_ + "/v1/me/licences", 200},
                {"delegation", Method::get, node_ + "/v1/cases?applicant=me", 200},
                {"portal", Method::get, portal_ + "/v1/indicators", 200}};
    victim_ = create_staff(cities_["A"], "platform_admin");
    if (victim_.token.empty()) {
      error_ = "cannot create the platform_admin whose tokens are attacked";
      return;
    }
    // identity's signing key, from its Redis: only the test may forge with it (expired,
    // early, wrong-audience tokens must carry a valid signature to reach those checks).
    const auto kid = str(split(victim_.token).header, "kid");
    auto opts = tongban::store::parse_redis_address(stack_->portal_env()["TONGBAN_REDIS_ADDR"]);
    auto redis =
        opts ? tongban::store::Redis::connect(*opts)
             : tongban::Result<std::unique_ptr<tongban::store::Redis>>(tongban::fail(opts.error()));
    if (!redis) {
      error_ = "redis: " + redis.error().message;
      return;
    }
    auto entry = (*redis)->command({"HGET", "tb:identity:signing_keys", kid});
    boost::system::error_code ec;
    auto doc = entry ? json::parse(entry->str(), ec) : json::value();
    const auto* pem = doc.is_object() ? doc.as_object().if_contains("pem") : nullptr;
    auto signer = pem && pem->is_string()
                      ? tongban::auth::Signer::from_pem(pem->as_string(), kid)
                      : tongban::Result<tongban::auth::Signer>(
                            tongban::fail(tongban::Error::not_found("no signing key " + kid)));
    if (!signer) {
      error_ = "identity's signing key: " + signer.error().message;
      return;
    }
    real_ = new tongban::auth::Signer(std::move(*signer));
  }

  static void TearDownTestSuite() {
    delete real_;
    real_ = nullptr;
    stop_platform();
  }

  static Account create_staff(const std::string& city, const std::string& role) {
    Account a;
    a.login = "atk-" + tongban::ids::random_hex(5);
    auto r = api_.post(identity_ + "/v1/staff", stack_->admin_token(),
                       json::object{{"login", a.login},
                                    {"name", "攻击测试"},
                                    {"city", city},
                                    {"department", "政务服务中心"},
                                    {"roles", json::array{json::value(role)}},
                                    {"password", tongban::testing::Stack::kPassword}});
    a.subject = str(parse(r), "id");
    return login(a) ? a : Account{};
  }
  static bool login(Account& a) {
    auto r = api_.post(identity_ + "/v1/sessions", "",
                       json::object{{"subject_type", "staff"},
                                    {"login", a.login},
                                    {"password", tongban::testing::Stack::kPassword}});
    a.token = str(parse(r), "access_token");
    return r.status == 200 && !a.token.empty();
  }

  static Response send(const Target& t, const std::string& authorization) {
    tongban::http::Headers h;
    if (!authorization.empty()) h.emplace_back("Authorization", authorization);
    tongban::http::Client client;
    auto r = client.request(t.method, t.url, h);
    return r ? *r : Response{0, {}, r.error().message};
  }

  // Sends `authorization` to every service; each must answer `status` as a problem document
  // with `rule`. Returns what did not.
  std::vector<std::string> refused_everywhere(const std::string& attack,
                                              const std::string& authorization,
                                              const std::string& rule, int status = 401) {
    std::vector<std::string> out;
    for (const auto& t : targets_) {
      const auto r = send(t, authorization);
      ++attempts_;
      const auto doc = parse(r);
      if (r.status == status && is_problem(r) && str(doc, "rule") == rule &&
          doc.at("status").to_number<int>() == status) {
        ++refused_;
        continue;
      }
      out.push_back(attack + " at " + t.service + ": expected " + std::to_string(status) + " " +
                    rule + ", got " + std::to_string(r.status) + " " + r.body.substr(0, 200));
    }
    return out;
  }

  void expect_refused(const std::string& attack, const std::string& token,
                      const std::string& rule) {
    report(refused_everywhere(attack, "Bearer " + token, rule));
  }
  static void report(const std::vector<std::string>& failures) {
    std::string listing;
    for (const auto& f : failures) listing += "\n  " + f;
    EXPECT_TRUE(failures.empty()) << failures.size()
                                  << " not refused as they should be:" << listing;
  }

  // A token with the victim's claims changed by `edit`, signed by identity's real key.
  std::string real_signed(const std::function<void(json::object&)>& edit) {
    auto claims = split(victim_.token).payload;
    edit(claims);
    auto t = real_->sign(claims);
    EXPECT_TRUE(t) << t.error().message;
    return t ? *t : "";
  }

  static inline tongban::auth::Signer* real_ = nullptr;
  static inline std::string identity_, catalog_, datahub_, node_, portal_;
  static inline std::vector<Target> targets_;
  static inline Account victim_;
  static inline Api api_;
  static inline std::size_t attempts_ = 0, refused_ = 0;
};

TEST_F(TokenAttacks, a_genuine_token_passes_every_service) {
  for (const auto& t : targets_) {
    const auto r = send(t, "Bearer " + victim_.token);
    EXPECT_EQ(r.status, t.genuine_status) << t.service << " " << r.body;
  }
}

TEST_F(TokenAttacks, alg_none_is_refused_by_every_service) {
  const auto jws = split(victim_.token);
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    auto header = jws.header;
    header["alg"] = alg;
    const auto unsigned_part = segment(header) + "." + segment(jws.payload);
    expect_refused(std::string("alg ") + alg + ", no signature", unsigned_part + ".",
                   "alg_not_allowed");
    expect_refused(std::string("alg ") + alg + ", the original signature",
                   unsigned_part + "." + jws.signature, "alg_not_allowed");
  }
}

TEST_F(TokenAttacks, hs256_signed_with_identitys_public_key_is_refused) {
  auto jwks = api_.get(identity_ + "/.well-known/jwks.json", "");
  auto keys = tongban::auth::Jwks::parse(jwks.body);
  ASSERT_TRUE(keys) << jwks.body;
  const auto jws = split(victim_.token);
  const auto* key = keys->find(str(jws.header, "kid"));
  ASSERT_NE(key, nullptr);
  // The secrets an HMAC confusion attack tries: the PEM, and the JWK as published.
  for (const auto& [what, secret] : std::vector<std::pair<std::string, std::string>>{
           {"PEM", public_pem(*key)}, {"JWK JSON", json::serialize(key->to_json())}}) {
    auto header = jws.header;
    header["alg"] = "HS256";
    const auto input = segment(header) + "." + segment(jws.payload);
    expect_refused("HS256 with the public key (" + what + ") as secret",
                   input + "." + b64::encode(hs256(secret, input)), "alg_not_allowed");
  }
  // The key decides the algorithm: a valid ES256 signature relabelled RS256 or EdDSA.
  for (const char* alg : {"RS256", "EdDSA", "ES384", "PS256"}) {
    auto header = jws.header;
    header["alg"] = alg;
    expect_refused(std::string("ES256 signature relabelled ") + alg,
                   segment(header) + "." + segment(jws.payload) + "." + jws.signature,
                   "alg_not_allowed");
  }
}

TEST_F(TokenAttacks, an_unknown_kid_and_a_foreign_key_under_the_real_kid_are_refused) {
  const auto claims = split(victim_.token).payload;
  auto stranger = tongban::auth::Signer::generate(tongban::auth::Alg::ES256,
                                                  "attacker-" + tongban::ids::random_hex(4));
  ASSERT_TRUE(stranger);
  auto unknown = stranger->sign(claims);
  ASSERT_TRUE(unknown);
  expect_refused("a kid identity never published", *unknown, "unknown_kid");
  auto impostor = tongban::auth::Signer::generate(tongban::auth::Alg::ES256,
                                                  str(split(victim_.token).header, "kid"));
  ASSERT_TRUE(impostor);
  auto forged = impostor->sign(claims);
  ASSERT_TRUE(forged);
  expect_refused("a foreign key under identity's kid", *forged, "bad_signature");
}

TEST_F(TokenAttacks, expired_early_and_future_tokens_are_refused_though_signed_by_identity) {
  const auto now = now_s();
  // Sanity: the forging key is identity's, so only the edited claim can be the reason.
  const auto same = real_signed([&](json::object&) {});
  EXPECT_EQ(send(targets_[0], "Bearer " + same).status, 200);
  expect_refused("expired an hour ago", real_signed([&](json::object& c) {
                   c["iat"] = now - 4000;
                   c["exp"] = now - 3600;
                 }),
                 "token_expired");
  expect_refused("not valid for an hour",
                 real_signed([&](json::object& c) { c["nbf"] = now + 3600; }),
                 "token_not_yet_valid");
  expect_refused("issued an hour from now", real_signed([&](json::object& c) {
                   c["iat"] = now + 3600;
                   c["exp"] = now + 4500;
                 }),
                 "token_issued_in_future");
}

TEST_F(TokenAttacks, tokens_of_another_issuer_or_for_another_audience_are_refused) {
  expect_refused("another issuer",
                 real_signed([](json::object& c) { c["iss"] = "https://identity.example.org"; }),
                 "wrong_issuer");
  expect_refused("another audience",
                 real_signed([](json::object& c) { c["aud"] = "some-other-platform"; }),
                 "wrong_audience");
}

TEST_F(TokenAttacks, claims_tampered_under_the_original_signature_are_refused) {
  const auto clerk = create_staff(cities_["C"], "clerk");
  ASSERT_FALSE(clerk.token.empty());
  const auto jws = split(clerk.token);
  auto tamper = [&](const std::string& what, const std::function<void(json::object&)>& edit) {
    auto claims = jws.payload;
    edit(claims);
    expect_refused(what, segment(jws.header) + "." + segment(claims) + "." + jws.signature,
                   "bad_signature");
  };
  tamper("clerk's roles changed to platform_admin",
         [](json::object& c) { c["roles"] = json::array{"platform_admin"}; });
  tamper("city changed", [&](json::object& c) { c["city"] = cities_["A"]; });
  tamper("subject changed", [&](json::object& c) { c["sub"] = victim_.subject; });
  tamper("expiry extended", [](json::object& c) { c["exp"] = now_s() + 86400 * 365; });
  tamper("department changed", [](json::object& c) { c["dept"] = "公安局"; });
  tamper("token id changed (to dodge a revocation)",
         [](json::object& c) { c["jti"] = tongban::ids::uuid_v7(); });
  // Another token's signature on this token's header and payload.
  const auto other = split(victim_.token);
  expect_refused("the victim's signature on the clerk's claims",
                 segment(jws.header) + "." + segment(jws.payload) + "." + other.signature,
                 "bad_signature");
}

TEST_F(TokenAttacks, garbage_is_refused_by_every_service) {
  const auto t = victim_.token;
  std::vector<std::string> failures;
  auto add = [&](const std::vector<std::string>& f) {
    failures.insert(failures.end(), f.begin(), f.end());
  };
  add(refused_everywhere("no Authorization", "", "missing_bearer_token"));
  add(refused_everywhere("Basic credentials", "Basic YWRtaW46cGFzcw==", "missing_bearer_token"));
  add(refused_everywhere("Bearer and nothing", "Bearer ", "missing_bearer_token"));
  add(refused_everywhere("one word", "Bearer garbage", "malformed_token"));
  add(refused_everywhere("three dots of nothing", "Bearer ..", "malformed_token"));
  add(refused_everywhere("segments that are not JSON", "Bearer a.b.c", "malformed_token"));
  add(refused_everywhere("four segments", "Bearer " + t + ".eyJ9", "malformed_token"));
  add(refused_everywhere("padding",
                         "Bearer " + t.substr(0, t.find('.')) + "==" + t.substr(t.find('.')),
                         "malformed_token"));
  add(refused_everywhere("standard base64 characters", "Bearer " + t + "+/", "malformed_token"));
  add(refused_everywhere("9000 bytes", "Bearer " + std::string(9000, 'a'), "token_too_large"));
  report(failures);
}

TEST_F(TokenAttacks, a_revoked_token_is_refused_everywhere_within_seconds) {
  auto user = create_staff(cities_["A"], "platform_admin");
  ASSERT_FALSE(user.token.empty());
  for (const auto& t : targets_) {
    ASSERT_EQ(send(t, "Bearer " + user.token).status, t.genuine_status) << t.service;
  }
  // Logout: this token only, published on Kafka, applied by every service.
  const auto logged_out = user.token;
  ASSERT_EQ(api_.call(Method::del, identity_ + "/v1/sessions/current", logged_out).status, 204);
  for (const auto& t : targets_) {
    EXPECT_TRUE(eventually([&] { return send(t, "Bearer " + logged_out).status == 401; }, 60s))
        << t.service << " still accepts a logged-out token";
  }
  report(refused_everywhere("logged out", "Bearer " + logged_out, "token_revoked"));

  // Every session of the subject: tokens issued up to now die, a later login works.
  ASSERT_TRUE(login(user));
  const auto before = user.token;
  ASSERT_EQ(
      api_.post(identity_ + "/v1/subjects/" + user.subject + "/revocations", before, json::object{})
          .status,
      202);
  for (const auto& t : targets_) {
    EXPECT_TRUE(eventually([&] { return send(t, "Bearer " + before).status == 401; }, 60s))
        << t.service << " still accepts a token of a revoked subject";
  }
  report(refused_everywhere("subject revoked", "Bearer " + before, "token_revoked"));
  std::this_thread::sleep_for(1100ms);  // the cut is at second resolution, inclusive
  ASSERT_TRUE(login(user));
  for (const auto& t : targets_) {
    EXPECT_EQ(send(t, "Bearer " + user.token).status, t.genuine_status) << t.service;
  }

  // Roles changed: the tokens that carried the old roles die.
  const auto old_roles = user.token;
  ASSERT_EQ(api_.call(Method::put, identity_ + "/v1/staff/" + user.subject + "/roles",
                      stack_->admin_token(), json::object{{"roles", json::array{"auditor"}}})
                .status,
            200);
  for (const auto& t : targets_) {
    EXPECT_TRUE(eventually([&] { return send(t, "Bearer " + old_roles).status == 401; }, 60s))
        << t.service << " still accepts a token with the roles before the change";
  }
  report(refused_everywhere("roles changed", "Bearer " + old_roles, "token_revoked"));
}

// A genuine token, of staff of a city that is no party: the case, the licence, the
// implementation and the staff member of other cities are refused (404 where existence must
// not leak, 403 where the resource is public).
TEST_F(TokenAttacks, a_genuine_token_of_one_citys_staff_is_refused_on_another_citys_things) {
  const auto a = cities_["A"], b = cities_["B"], c = cities_["C"];
  const auto admin = stack_->admin_token();
  auto item = find_case_item(api_, catalog_, "320100");
  ASSERT_TRUE(item) << item.error().message;
  for (const auto& city : {a, b}) {
    auto ok = publish_implementation(api_, catalog_, admin, item->code, city, item->implementation);
    ASSERT_TRUE(ok) << ok.error().message;
  }
  const auto clerk_a = create_staff(a, "clerk"), clerk_c = create_staff(c, "clerk");
  const auto approver_b = create_staff(b, "approver"), approver_c = create_staff(c, "approver");
  const auto da_a = create_staff(a, "dept_admin"), da_b = create_staff(b, "dept_admin");
  const auto da_c = create_staff(c, "dept_admin");
  auto applicant = stack_->citizen(b);
  ASSERT_FALSE(applicant.second.empty());

  // delegation: a case received at A for B's citizen.
  const json::object submission{
      {"item_code", item->code},
      {"applicant", {{"subject", applicant.first}, {"registration_city", b}}},
      {"materials", item->materials},
      {"delivery", "mail"}};
  Response r;
  ASSERT_TRUE(eventually(
      [&] {
        auto probe = submission;
        probe["materials"] = json::array{};
        r = api_.post(node_ + "/v1/cases", clerk_a.token, probe);
        return str(parse(r), "rule") != "unknown_item";
      },
      300s))
      << r.body;
  auto agreement = active_agreement(api_, Pair{node_, a, b, da_a.token, da_b.token, admin},
                                    agreement_terms(item->code, 5));
  ASSERT_TRUE(agreement) << agreement.error().message;
  r = api_.post(node_ + "/v1/cases", clerk_a.token, submission);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto case_id = str(parse(r), "id");
  ASSERT_EQ(api_.get(node_ + "/v1/cases/" + case_id, clerk_a.token).status, 200);

  // datahub: a licence B issued to the applicant.
  r = api_.post(datahub_ + "/v1/licences", approver_b.token,
                json::object{{"subject", applicant.first},
                             {"type", "attack_licence"},
                             {"title", "攻击测试证照"},
                             {"number", "ATK-" + tongban::ids::random_hex(3)}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto licence = str(parse(r), "id");

  struct Misuse {
    std::string what;
    Method method;
    std::string url;
    std::string token;
    std::optional<json::value> body;
    int status;
  };
  const std::vector<Misuse> misuses = {
      {"C's clerk reads A and B's case", Method::get, node_ + "/v1/cases/" + case_id, clerk_c.token,
       std::nullopt, 404},
      {"C's clerk reads its timeline", Method::get, node_ + "/v1/cases/" + case_id + "/timeline",
       clerk_c.token, std::nullopt, 404},
      {"C's clerk receives it", Method::post, node_ + "/v1/cases/" + case_id + "/receive",
       clerk_c.token, json::value(json::object{}), 404},
      {"C's clerk withdraws it", Method::post, node_ + "/v1/cases/" + case_id + "/withdraw",
       clerk_c.token, json::value(json::object{{"reason", "x"}}), 404},
      {"C's approver reads B's licence", Method::get, datahub_ + "/v1/licences/" + licence,
       approver_c.token, std::nullopt, 404},
      {"C's approver revokes it", Method::post, datahub_ + "/v1/licences/" + licence + "/revoke",
       approver_c.token, json::value(json::object{}), 404},
      {"C's dept_admin edits A's implementation", Method::put,
       catalog_ + "/v1/items/" + item->code + "/implementations/" + a + "/draft", da_c.token,
       json::value(item->implementation), 403},
      {"C's dept_admin reads A's clerk", Method::get, identity_ + "/v1/subjects/" + clerk_a.subject,
       da_c.token, std::nullopt, 404},
      {"C's dept_admin changes A's clerk's roles", Method::put,
       identity_ + "/v1/staff/" + clerk_a.subject + "/roles", da_c.token,
       json::value(json::object{{"roles", json::array{"approver"}}}), 404},
      {"C's dept_admin creates staff in A", Method::post, identity_ + "/v1/staff", da_c.token,
       json::value(json::object{{"login", "atk-" + tongban::ids::random_hex(4)},
                                {"name", "攻击测试"},
                                {"city", a},
                                {"department", "政务服务中心"},
                                {"roles", json::array{"clerk"}},
                                {"password", tongban::testing::Stack::kPassword}}),
       403},
  };
  std::vector<std::string> failures;
  for (const auto& m : misuses) {
    auto body = m.body;
    if (m.method == Method::put && m.url.find("/implementations/") != std::string::npos) {
      body->as_object()["city"] = a;
      body->as_object()["item_code"] = item->code;
    }
    const auto res = api_.call(m.method, m.url, m.token, body);
    ++attempts_;
    if (res.status == m.status && is_problem(res)) {
      ++refused_;
      continue;
    }
    failures.push_back(m.what + ": expected " + std::to_string(m.status) + ", got " +
                       std::to_string(res.status) + " " + res.body.substr(0, 200));
  }
  report(failures);
  // The case is untouched by all that.
  EXPECT_EQ(str(parse(api_.get(node_ + "/v1/cases/" + case_id, clerk_a.token)), "state"),
            "SUBMITTED");
  std::cout << "[token attacks] " << attempts_ << " attack requests, " << refused_
            << " refused as the SPEC says\n";
}

}  // namespace

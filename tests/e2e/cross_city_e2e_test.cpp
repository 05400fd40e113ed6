// The flagship end to end: identity, catalog, datahub and two delegation nodes — node A
// serving Nanjing (the receiving place), node B serving Wuxi (the accepting place), each on
// its own Redis so the hand-off can only cross Kafka — complete a cross-city case: sign an
// agreement, submit in Nanjing for a citizen registered in Wuxi, receive, pre-examine,
// forward, accept at Wuxi, approve, dispatch, complete, rate; datahub then holds the
// e-licence and the timeline is complete and ordered. Then the rejections, two clerks at
// once, and cases flowing on while catalog and datahub are down.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "tongban/bus/consumer.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/agreements.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::http::Client;
using tongban::http::Method;
using tongban::http::Response;
namespace json = boost::json;

constexpr const char* kNanjing = "320100";  // receiving place, node A
constexpr const char* kWuxi = "320200";     // accepting place, node B
constexpr const char* kXuzhou = "320300";   // a third city

json::object parse(const Response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  return ec || !v.is_object() ? json::object{} : v.as_object();
}
std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : ""; }
std::string str(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v ? text(*v) : "";
}

bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline = 90s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return probe();
}

class CrossCity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) return;
    since_ = tongban::to_rfc3339(tongban::Clock::system().now());
    tongban::testing::StackOptions o;
    o.kafka = *kafka;
    o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                  TONGBAN_DELEGATION_BIN, TONGBAN_PORTAL_BIN};
    o.catalog_seed_cities = 3;  // Nanjing, Wuxi, Xuzhou
    o.nodes = {{"a", kNanjing}, {"b", kWuxi}};
    stack_ = new tongban::testing::Stack(std::move(o));
    if (!stack_->error().empty()) return;
    identity_url_ = stack_->identity_url();
    catalog_url_ = stack_->catalog_url();
    datahub_url_ = stack_->datahub_url();
    a_ = stack_->node_url(0);
    b_ = stack_->node_url(1);
    portal_url_ = stack_->portal_url();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override {
    if (!stack_) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
    }
    ASSERT_TRUE(stack_->error().empty()) << stack_->error();
  }
  void TearDown() override {
    if (HasFailure() && stack_) std::cerr << stack_->outputs();
  }

  Response call(Method m, const std::string& url, const std::string& token,
                const json::value* body = nullptr, const std::string& idem = "") {
    tongban::http::Headers h;
    if (body) h.emplace_back("Content-Type", "application/json");
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    if (!idem.empty()) h.emplace_back("Idempotency-Key", idem);
    auto r = client_.request(m, url, h, body ? json::serialize(*body) : "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : Response{};
  }
  Response get(const std::string& url, const std::string& token) {
    return call(Method::get, url, token);
  }
  // The value of one sample on a service's /metrics (`name{labels}` as Prometheus prints it),
  // -1 when it is not there.
  double metric(const std::string& service_url, const std::string& sample) {
    const auto metrics = get(service_url + "/metrics", "").body;
    const auto at = metrics.find(sample + " ");
    return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + sample.size() + 1));
  }
  Response post(const std::string& url, const std::string& token, const json::value& body,
                const std::string& idem = "") {
    return call(Method::post, url, token, &body, idem);
  }
  std::string staff(const std::string& city, const std::string& role,
                    const std::string& dept = "政务服务中心") {
    auto token = stack_->staff(city, role, dept);
    EXPECT_FALSE(token.empty()) << "staff " << role << " of " << city;
    return token;
  }
  std::pair<std::string, std::string> citizen(const std::string& city) {
    auto c = stack_->citizen(city);
    EXPECT_FALSE(c.second.empty()) << "citizen of " << city;
    return c;
  }

  // Cross-city items implemented in both cities, with a minimum assurance above L1 and a
  // material an e-licence can replace: the flow's item, and a second one for "not covered".
  std::vector<json::object> candidate_items() {
    std::vector<json::object> out;
    json::array all;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
      auto r = get(catalog_url_ + "/v1/items?cross_city=true&page_size=50" +
                       (cursor.empty() ? "" : "&cursor=" + cursor),
                   "");
      auto doc = parse(r);
      if (r.status != 200 || !doc["items"].is_array()) break;
      for (auto& v : doc["items"].as_array()) all.push_back(v);
      if (!doc["next_cursor"].is_string()) break;
      cursor = text(doc["next_cursor"]);
    }
    for (const auto& v : all) {
      const auto& item = v.as_object();
      if (item.at("min_assurance_level").to_number<int>() < 2) continue;
      bool licence = false;
      for (const auto& m : item.at("materials").as_array()) {
        licence = licence || m.at("e_licence_type").is_string();
      }
      if (!licence) continue;
      const auto code = str(item, "code");
      if (get(catalog_url_ + "/v1/items/" + code + "/implementations/" + kNanjing, "").status !=
              200 ||
          get(catalog_url_ + "/v1/items/" + code + "/implementations/" + kWuxi, "").status != 200) {
        continue;
      }
      out.push_back(item);
      if (out.size() == 2) break;
    }
    return out;
  }

  static json::object terms(const std::string& code) {
    const auto now = tongban::Clock::system().now();
    return {{"items",
             json::object{{code, json::object{{"rights", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}}}},
            {"result_delivery", json::array{"mail", "window_at_receiving_place"}},
            {"valid_from", tongban::to_rfc3339(now - std::chrono::hours(24))},
            {"valid_until", tongban::to_rfc3339(now + std::chrono::hours(24 * 365))},
            {"accept_limit_days", 5}};
  }

  static inline tongban::testing::Stack* stack_ = nullptr;
  static inline std::string identity_url_, catalog_url_, datahub_url_, a_, b_, portal_url_;
  static inline std::string since_;  // when the suite started: its events are the newer ones
  Client client_;
};

// A second process of node A (a replica: the same node name, Redis and consumer groups) moves a
// case on behind the first one's back, so what the first one cached of it is behind. Its answers
// must still be those of the case Redis holds: a refusal prepared on a cached copy is prepared
// again on the stored case, and so is a write that lost to a newer version. First in the suite:
// it signs its own agreement, which needs the catalog the life cycle test stops at its end (and
// that test ends whatever agreement it finds for the pair).
TEST_F(CrossCity, a_replica_answers_from_the_stored_case_when_its_cached_copy_is_behind) {
  const auto da_a = staff(kNanjing, "dept_admin");
  const auto da_b = staff(kWuxi, "dept_admin");
  const auto clerk_a = staff(kNanjing, "clerk");
  const auto examiner_a = staff(kNanjing, "examiner");
  auto [applicant, applicant_token] = citizen(kWuxi);
  std::string error;
  const auto agreement_id =
      tongban::testing::sign_agreement({catalog_url_, a_, kNanjing, da_a, kWuxi, da_b, b_}, error);
  ASSERT_FALSE(agreement_id.empty()) << error;
  // The item whose pre-examination the agreement delegates, and every material it asks for.
  const auto agreement = parse(get(a_ + "/v1/agreements/" + agreement_id, da_a));
  std::string code;
  const auto& versions = agreement.at("versions").as_array();
  for (const auto& [item, terms] : versions.back().at("body").at("items").as_object()) {
    if (str(terms.as_object(), "rights") == "RECEIPT_AND_PRELIMINARY_EXAMINATION") code = item;
  }
  ASSERT_FALSE(code.empty()) << json::serialize(agreement);
  const auto item = parse(get(catalog_url_ + "/v1/items/" + code,
                              ""));  // kept: a loop over a temporary's member dangles
  json::array materials;
  for (const auto& m : item.at("materials").as_array()) materials.push_back(m.at("name_zh"));

  tongban::testing::ChildProcess replica(TONGBAN_DELEGATION_BIN, {}, stack_->node_env(0));
  const auto port = replica.wait_for_port(120s);
  ASSERT_TRUE(port) << replica.output().substr(0, 4000);
  const auto a2 = "http://127.0.0.1:" + std::to_string(*port);
  // How many commands of a process were prepared again on the stored case.
  const auto rereads = [&](const std::string& node) {
    return metric(node, "tongban_delegation_case_cache_total{outcome=\"reread\"}");
  };
  const auto rereads_a = rereads(a_), rereads_a2 = rereads(a2);
  ASSERT_GE(rereads_a, 0);

  auto r = post(a_ + "/v1/cases", clerk_a,
                json::object{{"item_code", code},
                             {"applicant", {{"subject", applicant}, {"registration_city", kWuxi}}},
                             {"materials", materials},
                             {"delivery", "mail"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = str(parse(r), "id");
  const auto act = [&](const std::string& node, const std::string& action,
                       const std::string& token) {
    return post(node + "/v1/cases/" + id + "/" + action, token, json::object{});
  };
  // A process verifies a token it has not seen on a worker, where commands read the case from
  // Redis: a read first, so each command below runs on the I/O thread with the cache.
  for (const auto& node : {a_, a2}) {
    for (const auto& token : {clerk_a, examiner_a}) {
      ASSERT_EQ(get(node + "/v1/cases/" + id, token).status, 200);
    }
  }
  // A has cached version 1 (SUBMITTED); the replica receives it (version 2).
  ASSERT_EQ(act(a2, "receive", clerk_a).status, 200);
  // On A's cached copy a pre-examination is illegal; on the stored case it is not.
  r = act(a_, "pre_examine", examiner_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("version").to_number<int>(), 3);
  EXPECT_EQ(str(parse(r), "state"), "PRE_EXAMINED");
  // The replica's copy (RECEIVED) is behind now: its forward is prepared again and written.
  r = act(a2, "forward", clerk_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("version").to_number<int>(), 4);
  // On A's copy (PRE_EXAMINED) a forward is legal, but its write loses to version 4: prepared
  // again on the stored case (FORWARDED), the answer is the state machine's, not a conflict.
  r = act(a_, "forward", clerk_a);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "illegal_transition") << r.body;
  EXPECT_EQ(str(parse(r), "state"), "FORWARDED") << r.body;
  EXPECT_EQ(rereads(a_), rereads_a + 2);
  EXPECT_EQ(rereads(a2), rereads_a2 + 1);
  // What both processes answered is what is stored: one timeline, each version once.
  const auto timeline = parse(get(a_ + "/v1/cases/" + id + "/timeline", clerk_a));
  std::vector<std::string> actions;
  for (const auto& e : timeline.at("entries").as_array())
    actions.push_back(str(e.as_object(), "action"));
  EXPECT_EQ(actions, (std::vector<std::string>{"submit", "receive", "pre_examine", "forward"}))
      << json::serialize(timeline);
}

TEST_F(CrossCity, a_case_crosses_two_nodes_from_submission_to_rating) {
  auto items = candidate_items();
  ASSERT_EQ(items.size(), 2u) << "the seed has no two suitable cross-city items";
  const auto item = items[0];
  const auto code = str(item, "code");
  const auto other_code = str(items[1], "code");
  const auto da_a = staff(kNanjing, "dept_admin");
  const auto da_b = staff(kWuxi, "dept_admin");
  const auto clerk_a = staff(kNanjing, "clerk");
  const auto examiner_a = staff(kNanjing, "examiner");
  const auto clerk_b = staff(kWuxi, "clerk");
  const auto clerk_b2 = staff(kWuxi, "clerk");
  const auto approver_b = staff(kWuxi, "approver");
  const auto clerk_x = staff(kXuzhou, "clerk");
  auto [applicant, applicant_token] = citizen(kWuxi);
  auto [stranger, stranger_token] = citizen(kNanjing);

  // Materials: every one by name, except one the applicant holds as an e-licence.
  std::string licence_type;
  for (const auto& m : item.at("materials").as_array()) {
    if (licence_type.empty() && m.at("e_licence_type").is_string()) {
      licence_type = text(m.at("e_licence_type"));
    }
  }
  json::array materials;
  std::size_t held = 0;
  for (const auto& m : item.at("materials").as_array()) {
    if (text(m.at("e_licence_type")) == licence_type) {
      ++held;
      continue;
    }
    materials.push_back(m.at("name_zh"));
  }
  const auto issuer = staff(kWuxi, "approver", "公安局");
  ASSERT_EQ(post(datahub_url_ + "/v1/licences", issuer,
                 json::object{{"subject", applicant},
                              {"type", licence_type},
                              {"title", "电子证照"},
                              {"number", "WX-" + tongban::ids::random_hex(4)}})
                .status,
            201);
  // datahub knows the item's materials once it has read the catalog's events.
  ASSERT_TRUE(eventually([&] {
    auto check =
        get(datahub_url_ + "/v1/materials-check?item=" + code + "&subject=" + applicant, clerk_a);
    return check.status == 200 && parse(check)["held"].to_number<std::size_t>() == held;
  }));
  json::object submission{{"item_code", code},
                          {"applicant", {{"subject", applicant}, {"registration_city", kWuxi}}},
                          {"materials", materials},
                          {"delivery", "mail"}};

  Response r;
  ASSERT_TRUE(eventually([&] {
    // (without materials: whatever agreement an earlier run left, this creates no case)
    auto probe = submission;
    probe["materials"] = json::array{};
    r = post(a_ + "/v1/cases", clerk_a, probe);
    return str(parse(r), "rule") != "unknown_item";  // the node has read the catalog
  })) << r.status
      << " " << r.body;
  // Earlier runs on a long-lived broker may have left an agreement for the pair on the
  // agreements topic (node A has read it by now, with the larger catalog topic): end it.
  const auto existing =
      parse(get(a_ + "/v1/agreements?limit=200&city=" + std::string(kNanjing), da_a));
  for (const auto& a : existing.at("agreements").as_array()) {
    const auto& o = a.as_object();
    const auto status = str(o, "status");
    if (str(o, "city_b") != kWuxi || status == "TERMINATED" || status == "DECLINED") continue;
    auto end = post(a_ + "/v1/agreements/" + str(o, "id") + "/terminate", da_a,
                    json::object{{"reason", "earlier test run"}});
    ASSERT_EQ(end.status, 200) << end.body;
  }
  // The list's bad queries name the parameter and the rule; pages follow next_cursor.
  for (const auto& [query, field, rule] :
       std::vector<std::array<std::string, 3>>{{"city=999999", "city", "unknown_city"},
                                               {"limit=0", "limit", "range"},
                                               {"limit=201", "limit", "range"},
                                               {"limit=ten", "limit", "range"}}) {
    r = get(a_ + "/v1/agreements?" + query, da_a);
    EXPECT_EQ(r.status, 422) << query << " " << r.body;
    EXPECT_EQ(str(parse(r), "field"), field) << query;
    EXPECT_EQ(str(parse(r), "rule"), rule) << query;
  }
  // No agreement: refused.
  r = post(a_ + "/v1/cases", clerk_a, submission);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "no_agreement");

  // Sign: Nanjing proposes, Wuxi countersigns (at node A, which writes this pair's agreement).
  json::object proposal{{"partner_city", kWuxi}, {"terms", terms(code)}};
  ASSERT_TRUE(eventually([&] {
    r = post(a_ + "/v1/agreements", da_a, proposal);
    return r.status == 201;
  })) << r.status
      << " " << r.body;
  const auto agreement_id = str(parse(r), "id");
  EXPECT_EQ(str(parse(r), "status"), "PROPOSED");
  auto self = post(a_ + "/v1/agreements/" + agreement_id + "/countersign", da_a, json::object{});
  EXPECT_EQ(self.status, 403) << self.body;
  auto signed_ = post(a_ + "/v1/agreements/" + agreement_id + "/countersign", da_b,
                      json::object{{"version", 1}});
  ASSERT_EQ(signed_.status, 200) << signed_.body;
  EXPECT_EQ(str(parse(signed_), "status"), "ACTIVE");
  EXPECT_TRUE(
      parse(signed_)["versions"].as_array()[0].at("standardisation").as_object().contains(code));
  // Node B learns the agreement from its event.
  EXPECT_TRUE(eventually([&] {
    return str(parse(get(b_ + "/v1/agreements/" + agreement_id, da_b)), "status") == "ACTIVE";
  }));

  // The city's agreements in pages (the one just signed among them).
  const auto listed_by_pages_of = [&](std::size_t limit) {
    std::vector<std::string> ids;
    std::string cursor;
    do {
      const auto page = parse(get(a_ + "/v1/agreements?limit=" + std::to_string(limit) +
                                      "&city=" + std::string(kNanjing) +
                                      (cursor.empty() ? "" : "&cursor=" + cursor),
                                  da_a));
      EXPECT_LE(page.at("agreements").as_array().size(), limit);
      for (const auto& a : page.at("agreements").as_array()) {
        ids.push_back(str(a.as_object(), "id"));
      }
      cursor = page.at("next_cursor").is_string() ? str(page, "next_cursor") : "";
    } while (!cursor.empty() && ids.size() < 100'000);
    return ids;
  };
  const auto one_by_one = listed_by_pages_of(1);
  EXPECT_NE(std::find(one_by_one.begin(), one_by_one.end(), agreement_id), one_by_one.end());
  EXPECT_EQ(one_by_one, listed_by_pages_of(200));  // the same, newest first, none twice
  EXPECT_TRUE(std::is_sorted(one_by_one.rbegin(), one_by_one.rend()));

  // Rejections at submission.
  auto not_covered = submission;
  not_covered["item_code"] = other_code;
  r = post(a_ + "/v1/cases", clerk_a, not_covered);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "item_not_covered");
  auto missing = submission;
  missing["materials"] = json::array{};
  r = post(a_ + "/v1/cases", clerk_a, missing);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "materials_missing");
  // The applicant on their own (password login, L1) is below the item's minimum.
  r = post(
      a_ + "/v1/cases", applicant_token,
      json::object{{"item_code", code}, {"receiving_city", kNanjing}, {"materials", materials}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "assurance_too_low");
  // Submitted at the node that does not serve the receiving city.
  r = post(b_ + "/v1/cases", clerk_a, submission);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "wrong_node");

  // Submit twice with the same key: one case.
  const auto key = "submit-" + tongban::ids::random_hex(6);
  auto first = post(a_ + "/v1/cases", clerk_a, submission, key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = post(a_ + "/v1/cases", clerk_a, submission, key);
  EXPECT_EQ(again.status, 201) << again.body;
  const auto id = str(parse(first), "id");
  EXPECT_EQ(str(parse(again), "id"), id);
  ASSERT_NE(again.header("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(first.header("Idempotent-Replayed"), nullptr);
  // The key belongs to its caller: another clerk's request with it is a new submission,
  // refused here as a duplicate only by what it says (no key of theirs was used).
  auto others = post(a_ + "/v1/cases", staff(kNanjing, "clerk"), missing, key);
  EXPECT_EQ(others.status, 422) << others.body;
  EXPECT_EQ(others.header("Idempotent-Replayed"), nullptr);
  auto mine = parse(get(a_ + "/v1/cases?applicant=" + applicant, clerk_a))["cases"].as_array();
  EXPECT_EQ(mine.size(), 1u);
  const auto created = parse(first);
  EXPECT_EQ(str(created, "state"), "SUBMITTED");
  EXPECT_EQ(created.at("exempted").as_array().size(), held) << first.body;
  EXPECT_EQ(str(created, "materials_check"), "datahub");

  auto act = [&](const std::string& node, const std::string& action, const std::string& token,
                 json::object body = {}) {
    return post(node + "/v1/cases/" + id + "/" + action, token, body);
  };
  auto state_at = [&](const std::string& node, const std::string& token) {
    return str(parse(get(node + "/v1/cases/" + id, token)), "state");
  };
  // Receiving place: receive, pre-examine, forward. Each answer and the read after it agree.
  // The receipt is sent twice with one key (a retry after a lost answer): the retry, now an
  // illegal transition in itself, gets the first answer.
  const auto receipt_key = "receive-" + tongban::ids::random_hex(6);
  auto receipt = post(a_ + "/v1/cases/" + id + "/receive", clerk_a, json::object{}, receipt_key);
  ASSERT_EQ(receipt.status, 200) << receipt.body;
  auto receipt_again =
      post(a_ + "/v1/cases/" + id + "/receive", clerk_a, json::object{}, receipt_key);
  EXPECT_EQ(receipt_again.status, 200) << receipt_again.body;
  EXPECT_EQ(receipt_again.body, receipt.body);
  EXPECT_NE(receipt_again.header("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(state_at(a_, clerk_a), "RECEIVED");
  EXPECT_EQ(act(a_, "receive", clerk_a).status, 409);  // without the key: refused
  // Illegal: forwarding before the pre-examination the agreement delegates.
  r = act(a_, "forward", clerk_a);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "illegal_transition");
  ASSERT_TRUE(parse(r)["allowed"].is_array());
  // Wrong place: the accepting city's clerk cannot receive; a third city's sees nothing.
  EXPECT_EQ(act(a_, "pre_examine", clerk_b).status, 403);
  EXPECT_EQ(get(a_ + "/v1/cases/" + id, clerk_x).status, 404);
  EXPECT_EQ(get(a_ + "/v1/cases/" + id, stranger_token).status, 404);
  ASSERT_EQ(act(a_, "pre_examine", examiner_a).status, 200);
  ASSERT_EQ(act(a_, "forward", clerk_a).status, 200);
  EXPECT_EQ(state_at(a_, clerk_a), "FORWARDED");

  // Accepting place: node B builds its copy from the FORWARDED event.
  ASSERT_TRUE(eventually(
      [&] { return str(parse(get(b_ + "/v1/cases/" + id, clerk_b)), "holder") == "accepting"; }));
  // The accepting place's work queue and state index list it.
  const auto queue = parse(get(b_ + "/v1/work-queue", clerk_b));
  bool queued = false;
  for (const auto& q : queue.at("queues").as_array()) {
    if (text(q.at("place")) != "accepting" || text(q.at("state")) != "FORWARDED") continue;
    for (const auto& c : q.at("cases").as_array()) queued = queued || text(c.at("id")) == id;
  }
  EXPECT_TRUE(queued) << json::serialize(queue);
  const auto forwarded_here = parse(get(
      b_ + "/v1/cases?city=" + std::string(kWuxi) + "&place=accepting&state=FORWARDED", clerk_b));
  ASSERT_FALSE(forwarded_here.at("cases").as_array().empty());
  EXPECT_EQ(text(forwarded_here.at("cases").as_array()[0].at("id")), id);
  r = act(b_, "approve", approver_b);
  EXPECT_EQ(r.status, 409) << r.body;
  json::array allowed = parse(r)["allowed"].as_array();
  EXPECT_NE(std::find(allowed.begin(), allowed.end(), json::value("accept")), allowed.end());
  // The receiving node holds a read-only copy now.
  EXPECT_EQ(str(parse(act(a_, "withdraw", clerk_a)), "rule"), "wrong_node");

  // Two clerks accept at once: exactly one wins.
  auto f1 = std::async(std::launch::async, [&] { return act(b_, "accept", clerk_b); });
  auto f2 = std::async(std::launch::async, [&] { return act(b_, "accept", clerk_b2); });
  const auto s1 = f1.get().status, s2 = f2.get().status;
  EXPECT_EQ((s1 == 200) + (s2 == 200), 1) << s1 << " " << s2;
  EXPECT_EQ((s1 == 409) + (s2 == 409), 1) << s1 << " " << s2;

  ASSERT_EQ(act(b_, "approve", approver_b,
                {{"result", {{"licence_type", "cross_city_result"}, {"title", "准予许可决定书"}}}})
                .status,
            200);
  ASSERT_EQ(act(b_, "dispatch_result", clerk_b).status, 200);
  ASSERT_EQ(act(b_, "complete", applicant_token).status, 200);
  r = post(b_ + "/v1/cases/" + id + "/rating", applicant_token, json::object{{"grade", "good"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      post(b_ + "/v1/cases/" + id + "/rating", applicant_token, json::object{{"grade", "good"}})
          .status,
      409);
  {
    // Both ratings ran on B's I/O thread: the completion before them had B verify the token.
    const auto metrics = get(b_ + "/metrics", "").body;
    const std::string rated_on_io =
        "tongban_delegation_requests_total{path=\"io_thread\",request=\"rating\"} ";
    const auto at = metrics.find(rated_on_io);
    ASSERT_NE(at, std::string::npos);
    EXPECT_GE(std::stod(metrics.substr(at + rated_on_io.size())), 2);
  }

  // datahub holds the e-licence issued from the approval.
  EXPECT_TRUE(eventually([&] {
    const auto held_licences = parse(get(datahub_url_ + "/v1/me/licences", applicant_token));
    for (const auto& l : held_licences.at("licences").as_array()) {
      if (text(l.at("case_id")) == id && text(l.at("type")) == "cross_city_result") return true;
    }
    return false;
  }));

  // The timeline at the accepting node: complete and ordered.
  auto tl = parse(get(b_ + "/v1/cases/" + id + "/timeline", applicant_token))["entries"].as_array();
  std::vector<std::string> actions;
  int last = 0;
  for (const auto& e : tl) {
    actions.push_back(text(e.at("action")));
    const int v = e.at("version").to_number<int>();
    EXPECT_EQ(v, last + 1) << json::serialize(tl);
    last = v;
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"submit", "receive", "pre_examine", "forward", "accept",
                                      "approve", "dispatch_result", "complete", "rate"}));
  // And the receiving node's copy catches up.
  EXPECT_TRUE(eventually([&] { return state_at(a_, clerk_a) == "COMPLETED"; }));

  // A suspended agreement stops new submissions.
  ASSERT_EQ(post(a_ + "/v1/agreements/" + agreement_id + "/suspend", da_b,
                 json::object{{"reason", "系统升级"}})
                .status,
            200);
  r = post(a_ + "/v1/cases", clerk_a, submission);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "agreement_suspended");
  // A retry of the submission made before, with its key: refused now, so the key's first
  // answer is looked up and given.
  r = post(a_ + "/v1/cases", clerk_a, submission, key);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(parse(r), "id"), id);
  EXPECT_NE(r.header("Idempotent-Replayed"), nullptr);
  ASSERT_EQ(post(a_ + "/v1/agreements/" + agreement_id + "/resume", da_b, json::object{}).status,
            200);

  // Catalog and datahub down: cases already possible keep flowing from cached data.
  stack_->stop_datahub();
  stack_->stop_catalog();
  auto all_materials = submission;
  json::array every;
  for (const auto& m : item.at("materials").as_array()) every.push_back(m.at("name_zh"));
  all_materials["materials"] = every;
  // Without datahub nothing is exempted: the material held as an e-licence must be brought.
  r = post(a_ + "/v1/cases", clerk_a, submission);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(str(parse(r), "rule"), "materials_missing");
  EXPECT_EQ(str(parse(r), "materials_check"), "unavailable");
  // Brought: datahub is not needed at all.
  r = post(a_ + "/v1/cases", clerk_a, all_materials);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(str(parse(r), "materials_check"), "not_needed");
  const auto id2 = str(parse(r), "id");
  EXPECT_EQ(post(a_ + "/v1/cases/" + id2 + "/receive", clerk_a, json::object{}).status, 200);

  // The applicant's cases at node A, one per page, newest first.
  const auto page1 = parse(get(a_ + "/v1/cases?applicant=" + applicant + "&limit=1", clerk_a));
  ASSERT_EQ(page1.at("cases").as_array().size(), 1u);
  EXPECT_EQ(text(page1.at("cases").as_array()[0].at("id")), id2);
  ASSERT_TRUE(page1.at("next_cursor").is_string());
  const auto page2 = parse(get(
      a_ + "/v1/cases?applicant=" + applicant + "&limit=1&cursor=" + text(page1.at("next_cursor")),
      clerk_a));
  ASSERT_EQ(page2.at("cases").as_array().size(), 1u);
  EXPECT_EQ(text(page2.at("cases").as_array()[0].at("id")), id);
  EXPECT_TRUE(page2.at("next_cursor").is_null());

  // A submission whose token and references are cached (for a second) and which needs no
  // data check runs on the I/O thread with an asynchronous write; it answers as a worker's
  // does — created, readable at once, replayed for its key.
  const auto handled_on = [&](const std::string& request, const std::string& path) {
    return metric(
        a_, "tongban_delegation_requests_total{path=\"" + path + "\",request=\"" + request + "\"}");
  };
  const auto submissions_on = [&](const std::string& path) {
    return handled_on("submission", path);
  };
  // The flow's transitions and reads with cached tokens ran on the I/O thread too.
  EXPECT_GT(handled_on("transition", "io_thread"), 0);
  EXPECT_GT(handled_on("case_read", "io_thread"), 0);
  const auto workers_before = submissions_on("workers");
  const auto io_before = submissions_on("io_thread");
  ASSERT_GT(workers_before, 0) << "the submissions above that asked datahub ran on workers";
  ASSERT_GE(io_before, 0);
  auto io_submission = all_materials;
  io_submission["applicant"].as_object()["subject"] = applicant + "-io";
  std::string io_key;
  for (int attempt = 0; attempt < 20 && submissions_on("io_thread") == io_before; ++attempt) {
    io_key = "submit-io-" + tongban::ids::random_hex(6);
    r = post(a_ + "/v1/cases", clerk_a, io_submission, io_key);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  ASSERT_GT(submissions_on("io_thread"), io_before) << "a submission with everything cached";
  const auto io_id = str(parse(r), "id");
  ASSERT_NE(r.header("Location"), nullptr);
  EXPECT_EQ(*r.header("Location"), "/v1/cases/" + io_id);
  EXPECT_EQ(str(parse(r), "materials_check"), "not_needed");
  auto io_read = get(a_ + "/v1/cases/" + io_id, clerk_a);
  EXPECT_EQ(io_read.status, 200) << "written before it was answered";
  EXPECT_EQ(str(parse(io_read), "state"), "SUBMITTED");
  auto io_again = post(a_ + "/v1/cases", clerk_a, io_submission, io_key);
  EXPECT_EQ(io_again.status, 201) << io_again.body;
  EXPECT_EQ(str(parse(io_again), "id"), io_id);
  EXPECT_NE(io_again.header("Idempotent-Replayed"), nullptr);
  // A keyed command retried after the case moved on is refused by the state machine, and its
  // first answer is looked up and given — on the I/O path too, without a worker.
  const auto receive_key = "receive-io-" + tongban::ids::random_hex(6);
  auto received =
      post(a_ + "/v1/cases/" + io_id + "/receive", clerk_a, json::object{}, receive_key);
  ASSERT_EQ(received.status, 200) << received.body;
  const auto transitions_on_workers = handled_on("transition", "workers");
  auto retried = post(a_ + "/v1/cases/" + io_id + "/receive", clerk_a, json::object{}, receive_key);
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_NE(retried.header("Idempotent-Replayed"), nullptr);
  EXPECT_EQ(str(parse(retried), "state"), "RECEIVED");
  EXPECT_EQ(handled_on("transition", "workers"), transitions_on_workers);
}

// After the life cycle above (same suite, same stack): the portal's indicators show it, a
// rebuild from the topics gives the same numbers, and the dashboard renders them.
TEST_F(CrossCity, the_portal_shows_the_flow_and_a_rebuild_agrees) {
  const auto admin = stack_->admin_token();
  auto indicators = [&](const std::string& base) {
    return parse(get(base + "/v1/indicators?window=all", admin));
  };
  json::object ind;
  // The pair Nanjing–Wuxi: connected, with the cases of the test above (at least two).
  auto pair_of = [](const json::object& doc) -> json::object {
    for (const auto& p : doc.at("collaboration").at("pairs").as_array()) {
      if (text(p.at("city_a")) == kNanjing && text(p.at("city_b")) == kWuxi) return p.as_object();
    }
    return {};
  };
  ASSERT_TRUE(eventually(
      [&] {
        ind = indicators(portal_url_);
        const auto p = ind.contains("collaboration") ? pair_of(ind) : json::object{};
        // The rating and the exemption are the test's own case's: on a broker with the history of
        // earlier runs, COMPLETED alone may be an older case's while the portal still catches up.
        return !p.empty() && p.at("connected").as_bool() && p.at("cases").to_number<int>() >= 2 &&
               ind.at("funnel").at("reached").as_object().contains("COMPLETED") &&
               ind.at("capability").at("satisfaction").at("good").to_number<int>() >= 1 &&
               ind.at("capability").at("reuse").at("exempted").to_number<int>() >= 1;
      },
      120s))
      << json::serialize(ind).substr(0, 4000);
  const auto pair = pair_of(ind);
  EXPECT_GE(pair.at("degree").to_number<int>(), 1);
  EXPECT_GE(pair.at("realised_degree").to_number<int>(), 1);
  // A supervisor of Xuzhou (same province, Jiangsu) sees the pair; one of Guangzhou does not.
  const auto jiangsu = staff(kXuzhou, "supervisor");
  EXPECT_FALSE(pair_of(parse(get(portal_url_ + "/v1/indicators", jiangsu))).empty());
  const auto guangdong = staff("440100", "supervisor");
  EXPECT_TRUE(pair_of(parse(get(portal_url_ + "/v1/indicators", guangdong))).empty());
  EXPECT_EQ(get(portal_url_ + "/v1/indicators", staff(kNanjing, "clerk")).status, 403);
  // The business metrics, computed at scrape time on a worker (not the I/O thread the portal's
  // Redis traffic shares).
  const auto scraped = get(portal_url_ + "/metrics", "");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_NE(scraped.body.find("tongban_portal_cases "), std::string::npos) << scraped.body;
  auto csv = get(portal_url_ + "/v1/export/pairs.csv", admin);
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find(std::string(kNanjing) + "," + kWuxi), std::string::npos)
      << csv.body.substr(0, 500);

  // Rebuild: a second portal folds every topic again into a fresh namespace.
  tongban::testing::ChildProcess rebuilt(TONGBAN_PORTAL_BIN, {"--rebuild"}, stack_->portal_env());
  auto port = rebuilt.wait_for_port(60s);
  ASSERT_TRUE(port) << rebuilt.output();
  const auto rebuilt_url = "http://127.0.0.1:" + std::to_string(*port);
  auto stable = [](json::object doc) {
    // What depends on the moment of asking, not on the events.
    doc.erase("now");
    doc.erase("supervision");
    return json::serialize(doc);
  };
  std::string live, again;
  EXPECT_TRUE(eventually(
      [&] {
        live = stable(indicators(portal_url_));
        again = stable(indicators(rebuilt_url));
        return live == again;
      },
      180s))
      << [&] {
           std::size_t at = 0;
           while (at < live.size() && at < again.size() && live[at] == again[at]) ++at;
           const auto from = at > 400 ? at - 400 : 0;
           return "first difference at " + std::to_string(at) +
                  "\nlive:    " + live.substr(from, 800) + "\nrebuilt: " + again.substr(from, 800);
         }();

  // The dashboard in headless Chromium: signed in as the platform admin, charts with data,
  // no console errors; the screenshot is kept as a test artefact.
  const std::string shot = std::string(TONGBAN_ARTEFACTS) + "/portal-dashboard.png";
  tongban::testing::ChildProcess browser(
      "/usr/bin/node",
      {TONGBAN_DASHBOARD_SCRIPT, portal_url_, "admin", tongban::testing::Stack::kAdminPassword,
       shot},
      {{"NODE_PATH", TONGBAN_WEB_MODULES},
       {"HOME", std::getenv("HOME") ? std::getenv("HOME") : "/tmp"}});
  auto code = browser.wait(120s);
  EXPECT_EQ(code.value_or(-1), 0) << browser.output();
}

// Every event the platform produced while this suite ran (identity's registrations, the
// catalog's seed, datahub's calls and licences, both nodes' cases and agreements) validates
// against the AsyncAPI file: each type documented, each payload matching.
TEST_F(CrossCity, produced_events_validate_against_the_asyncapi_schemas) {
  auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
  ASSERT_TRUE(kafka);
  auto producer =
      tongban::bus::Producer::create(tongban::bus::KafkaConfig{*kafka, "e2e-events", {}});
  ASSERT_TRUE(producer);
  std::mutex mu;
  std::vector<std::string> events;
  auto last = std::chrono::steady_clock::now();
  tongban::bus::ConsumerOptions o;
  o.group_id = "e2e-events-" + tongban::ids::random_hex(6);
  o.topics = {"tongban.identity.subjects.v1", "tongban.identity.revocations.v1",
              "tongban.catalog.items.v1",     "tongban.datahub.directory.v1",
              "tongban.datahub.calls.v1",     "tongban.datahub.licences.v1",
              "tongban.delegation.cases.v1",  "tongban.delegation.agreements.v1"};
  auto runner = tongban::bus::ConsumerRunner::create(
      tongban::bus::KafkaConfig{*kafka, "e2e-events", {}}, o,
      [&](const tongban::bus::Envelope&,
          const tongban::bus::IncomingMessage& m) -> tongban::Result<void> {
        std::lock_guard lock(mu);
        events.push_back(m.value);
        last = std::chrono::steady_clock::now();
        return {};
      },
      **producer, nullptr);
  ASSERT_TRUE(runner) << runner.error().message;
  (*runner)->start();
  // Read until the topics have been quiet for 3 s (at most 2 minutes).
  const auto until = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    std::this_thread::sleep_for(500ms);
    std::lock_guard lock(mu);
    if (!events.empty() && std::chrono::steady_clock::now() - last > 3s) break;
    if (std::chrono::steady_clock::now() > until) break;
  }
  (*runner)->stop();
  const std::string file = std::string(TONGBAN_ARTEFACTS) + "/events.ndjson";
  {
    std::ofstream out(file);
    for (const auto& e : events) out << e << "\n";
  }
  tongban::testing::ChildProcess validate(
      "/usr/bin/env", {"python3", TONGBAN_VALIDATE_EVENTS, TONGBAN_ASYNCAPI, file, since_}, {});
  auto code = validate.wait(300s);
  EXPECT_EQ(code.value_or(-1), 0) << validate.output().substr(0, 6000);
  std::cout << validate.output().substr(0, 2000) << "\n";
}

}  // namespace

// The delegation kind on a simulated platform: a fake identity, catalog and delegation
// node(s) that keep cases in memory and check every transition, actor and node the way
// services/delegation's README says. No network, no sleeps.
#include "tongban/loadgen/delegation.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <set>

#include "sim.hpp"
#include "tongban/loadgen/engine.hpp"

namespace tongban::loadgen {
namespace {

namespace json = boost::json;
using sim::Reply;
using sim::SimLoop;
using sim::SimTransport;

constexpr Nanos kMs = 1'000'000;
constexpr Nanos kSecond = kNanosPerSecond;

std::string header(const OutRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

// Tokens are "t:<login>", so the fake services know who is calling.
std::string caller(const OutRequest& r) {
  const auto auth = header(r, "Authorization");
  return auth.starts_with("Bearer t:") ? auth.substr(9) : "";
}

struct FakeCase {
  std::string state = "SUBMITTED";
  std::string rights, receiving, accepting, applicant;
  int version = 1;
  int polls_until_accepting = 2;  // the hand-off: the accepting node answers 404 first
};

// identity (target 0), catalog (1), delegation nodes (2...: node i serves nodes[i-2]).
class FakePlatform {
 public:
  struct Agreement {
    std::string a, b;
    std::map<std::string, std::string> items;  // code -> rights
  };
  std::vector<Agreement> agreements;
  std::vector<std::set<std::string>> nodes;  // cities per node; empty set: all
  std::int64_t expires_in = 900;
  std::map<std::string, FakeCase> cases;
  std::vector<std::string> violations;                   // what the generator did wrong
  std::map<std::string, int> calls;                      // "METHOD path-kind" -> count
  std::vector<std::pair<std::size_t, std::string>> log;  // target, "METHOD path"
  int next_id = 1;

  sim::Server server() {
    return [this](const OutRequest& r, Nanos sent, std::size_t target) {
      auto [status, body] = answer(r, r.target.value_or(target));
      return Reply{sent + kMs, HttpResult::Outcome::response, status, body};
    };
  }

 private:
  bool serves(std::size_t node, const std::string& city) const {
    return nodes[node].empty() || nodes[node].contains(city);
  }
  void violation(std::string what) { violations.push_back(std::move(what)); }
  static std::pair<int, std::string> problem(int status, const char* rule) {
    return {status, json::serialize(json::object{{"status", status}, {"rule", rule}})};
  }

  std::pair<int, std::string> answer(const OutRequest& r, std::size_t target) {
    log.emplace_back(target, r.method + " " + r.path);
    boost::system::error_code ec;
    auto body = r.body.empty() ? json::value() : json::parse(r.body, ec);
    if (target == 0) return identity(r, body);
    if (target == 1) {
      ++calls["catalog item"];
      return {200, R"({"code": "x", "materials": [{"name_zh": "身份证"}, {"name_zh": "户口簿"}]})"};
    }
    return node(r, body, target - 2);
  }

  std::pair<int, std::string> identity(const OutRequest& r, const json::value& body) {
    if (r.path == "/v1/citizens") {
      ++calls["register"];
      return {201, "{}"};
    }
    ++calls["login"];
    const auto login = std::string(body.at("login").as_string());
    return {200, json::serialize(json::object{{"access_token", "t:" + login},
                                              {"expires_in", expires_in},
                                              {"subject_id", "s:" + login}})};
  }

  std::pair<int, std::string> node(const OutRequest& r, const json::value& body, std::size_t n) {
    const auto who = caller(r);
    if (r.path.starts_with("/v1/agreements?")) {
      // One agreement a page: the setup must follow next_cursor (here: the next index).
      const auto at = r.path.find("cursor=");
      const std::size_t first = at == std::string::npos ? 0 : std::stoul(r.path.substr(at + 7));
      json::array out;
      for (std::size_t i = first; i < agreements.size() && i < first + 1; ++i) {
        const auto& a = agreements[i];
        json::object items;
        for (const auto& [code, rights] : a.items) items[code] = {{"rights", rights}};
        out.push_back(json::object{
            {"city_a", a.a},
            {"city_b", a.b},
            {"status", "ACTIVE"},
            {"versions", json::array{json::object{
                             {"status", "ACTIVE"},
                             {"body", {{"items", items}, {"result_delivery", {"mail"}}}}}}}});
      }
      ++calls["agreements page"];
      const json::value next =
          first + 1 < agreements.size() ? json::value(std::to_string(first + 1)) : nullptr;
      return {200, json::serialize(json::object{{"agreements", out}, {"next_cursor", next}})};
    }
    if (r.path == "/v1/cases" && r.method == "POST") {
      ++calls["submit"];
      const auto& o = body.as_object();
      const auto b = std::string(o.at("applicant").at("registration_city").as_string());
      const auto a = who.substr(who.find('-') + 1);  // clerk-<city>
      if (!who.starts_with("clerk-")) violation("submit by " + who);
      if (!serves(n, a)) violation("submit at a node that does not serve " + a);
      if (header(r, "Idempotency-Key").empty()) violation("submit without Idempotency-Key");
      if (o.at("materials").as_array().size() != 2) violation("materials missing");
      const Agreement* ag = nullptr;
      for (const auto& x : agreements) {
        if ((x.a == a && x.b == b) || (x.a == b && x.b == a)) ag = &x;
      }
      if (!ag) return problem(403, "no_agreement");
      const auto item = std::string(o.at("item_code").as_string());
      const auto id = "case-" + std::to_string(next_id++);
      auto& c = cases[id];
      c.rights = ag->items.at(item);
      c.receiving = a;
      c.accepting = b;
      c.applicant = std::string(o.at("applicant").at("subject").as_string());
      return {201, view(id)};
    }
    if (r.path.starts_with("/v1/cases?applicant=me") || r.path.starts_with("/v1/work-queue")) {
      ++calls["read"];
      return {200, R"({"cases": []})"};
    }
    // /v1/cases/{id}[/{action}]
    const auto rest = r.path.substr(std::string("/v1/cases/").size());
    const auto slash = rest.find('/');
    const auto id = rest.substr(0, slash);
    auto it = cases.find(id);
    if (it == cases.end()) return problem(404, "not_found");
    auto& c = it->second;
    if (r.method == "GET") {
      if (slash != std::string::npos) return {200, R"({"entries": []})"};  // timeline
      if (!serves(n, c.accepting)) violation("hand-off polled at a node not serving B");
      if (c.state == "FORWARDED" && c.polls_until_accepting-- > 0) return problem(404, "not_found");
      return {200, view(id)};
    }
    const auto action = rest.substr(slash + 1);
    ++calls[action];
    struct Rule {
      const char* from;
      const char* to;
      const char* who;  // role-of-A, role-of-B or "applicant"
      bool at_a;
    };
    static const std::map<std::string, Rule> rules{
        {"receive", {"SUBMITTED", "RECEIVED", "clerk", true}},
        {"request_supplement", {"RECEIVED", "SUPPLEMENT_REQUESTED", "examiner", true}},
        {"supplement", {"SUPPLEMENT_REQUESTED", "RECEIVED", "applicant", true}},
        {"pre_examine", {"RECEIVED", "PRE_EXAMINED", "examiner", true}},
        {"accept", {"FORWARDED", "ACCEPTED", "clerk", false}},
        {"reject", {"FORWARDED", "REJECTED", "clerk", false}},
        {"approve", {"ACCEPTED", "APPROVED", "approver", false}},
        {"deny", {"ACCEPTED", "DENIED", "approver", false}},
        {"dispatch_result", {"APPROVED", "RESULT_DISPATCHED", "clerk", false}},
        {"complete", {"RESULT_DISPATCHED", "COMPLETED", "applicant", false}},
        {"rating", {"COMPLETED", "COMPLETED", "applicant", false}},
        {"withdraw", {"", "WITHDRAWN", "applicant", true}},
    };
    std::string from = c.state;
    Rule rule{};
    if (action == "forward") {
      const bool pre = c.rights == "RECEIPT_AND_PRELIMINARY_EXAMINATION";
      rule = {pre ? "PRE_EXAMINED" : "RECEIVED", "FORWARDED", "clerk", true};
    } else if (auto x = rules.find(action); x != rules.end()) {
      rule = x->second;
    } else {
      violation("unknown action " + action);
      return problem(404, "not_found");
    }
    if (action == "pre_examine" && c.rights != "RECEIPT_AND_PRELIMINARY_EXAMINATION") {
      violation("pre_examine without the right");
    }
    if (*rule.from && from != rule.from) {
      violation(action + " in state " + from);
      return problem(409, "illegal_transition");
    }
    const auto& city = rule.at_a ? c.receiving : c.accepting;
    const std::string expected = std::string_view(rule.who) == "applicant"
                                     ? c.applicant.substr(2)  // s:<login> -> <login>
                                     : std::string(rule.who) + "-" + city;
    if (who != expected) violation(action + " by " + who + ", expected " + expected);
    const bool at_a =
        action == "withdraw" ? c.state != "FORWARDED" && c.state != "ACCEPTED" : rule.at_a;
    if (!serves(n, at_a ? c.receiving : c.accepting)) violation(action + " at the wrong node");
    if (action != "rating") {
      const auto* v = body.is_object() ? body.as_object().if_contains("version") : nullptr;
      if (!v || v->to_number<int>() != c.version) violation(action + " with a stale version");
      c.state = rule.to;
      ++c.version;
    }
    return {200, view(id)};
  }

  std::string view(const std::string& id) {
    const auto& c = cases.at(id);
    const bool after = c.state != "SUBMITTED" && c.state != "RECEIVED" &&
                       c.state != "PRE_EXAMINED" && c.state != "SUPPLEMENT_REQUESTED";
    return json::serialize(json::object{{"id", id},
                                        {"state", c.state},
                                        {"version", c.version},
                                        {"rights", c.rights},
                                        {"applicant", c.applicant},
                                        {"holder", after ? "accepting" : "receiving"}});
  }
};

Scenario load(std::string_view doc, const Vars& vars = {}) {
  auto s = Registry::instance().build(doc, vars);
  EXPECT_TRUE(s) << (s ? "" : s.error().field + ": " + s.error().message);
  return s ? std::move(*s) : Scenario{};
}

constexpr std::string_view kTwoNodes = R"({
  "kind": "delegation", "name": "t",
  "targets": {"identity": "http://i", "catalog": "http://c", "a": "http://a", "b": "http://b"},
  "vars": {"nodes": "a=320100;b=320200", "pairs": "320100-320200", "applicants": "2"},
  "operations": [{"name": "lifecycle", "steps": ["submit", "receive", "pre_examine", "forward",
     "await_handoff", "accept", "approve", "dispatch_result", "complete", "rate"],
     "spans": [{"name": "handoff", "from": "submit", "to": "await_handoff"},
               {"name": "completed", "from": "submit", "to": "complete"}]}]})";

struct Harness {
  FakePlatform platform;
  SimLoop loop;
  std::unique_ptr<SimTransport> transport;
  Vars globals;
  std::optional<Result<Vars>> setup;

  explicit Harness(std::size_t connections = 64) {
    transport = std::make_unique<SimTransport>(loop, connections, platform.server());
  }
  bool run_setup(const Scenario& s) {
    RunConfig c;
    Worker w(s, globals, c, loop, *transport, std::nullopt);
    w.run_once(*s.setup, [&](Result<Vars> v) { setup = std::move(v); });
    loop.run();
    if (!setup || !*setup) return false;
    for (auto& [k, v] : **setup) globals[k] = v;
    return true;
  }
  Stats run(const Scenario& s, double rate, Nanos duration, Recorder* recorder = nullptr) {
    auto plan = RatePlan::build({Stage{Stage::Kind::step, duration, rate}}, 0);
    RunConfig c;
    c.end = plan->end();
    c.recorder = recorder;
    Worker w(s, globals, c, loop, *transport, Schedule(*plan, ArrivalProcess::constant, 1));
    w.start();
    loop.run();
    w.stop();
    return w.stats();
  }
};

TEST(Delegation, a_case_walks_its_life_cycle_across_both_nodes_with_the_right_staff) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  h.platform.agreements = {
      {"320100", "320200", {{"PS-0001", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}}};
  const auto s = load(kTwoNodes);
  ASSERT_TRUE(h.run_setup(s)) << (h.setup ? h.setup->error().message : "setup did not end");
  const auto stats = h.run(s, 10, 2 * kSecond);
  EXPECT_TRUE(h.platform.violations.empty()) << h.platform.violations.front();
  EXPECT_EQ(stats.counters.ok, 20);
  EXPECT_EQ(stats.counters.request_errors, 0);
  EXPECT_EQ(h.platform.calls["complete"], 20);
  EXPECT_EQ(h.platform.calls["rating"], 20);
  EXPECT_EQ(h.platform.calls["pre_examine"], 20);
  // Both directions of the pair: some cases received in Wuxi for Nanjing's residents.
  std::set<std::string> receiving;
  for (const auto& [id, c] : h.platform.cases) receiving.insert(c.receiving);
  EXPECT_EQ(receiving.size(), 2u);
  EXPECT_EQ(stats.spans.at("lifecycle/handoff").count(), 20);
  EXPECT_EQ(stats.spans.at("lifecycle/completed").count(), 20);
  // The hand-off was polled (404 twice per case) at the accepting node, then acted on there.
  EXPECT_EQ(stats.endpoints.at("lifecycle/await_handoff").count, 60);
  EXPECT_EQ(stats.endpoints.count("lifecycle/tokens"), 0u);  // no token was near expiry
}

TEST(Delegation, the_hand_off_is_first_looked_for_one_interval_after_forward) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  h.platform.agreements = {
      {"320100", "320200", {{"PS-0001", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}}};
  std::string doc(kTwoNodes);
  doc.replace(doc.find(R"({"name": "completed")"), 0,
              R"({"name": "crossing", "from": "forward", "to": "await_handoff"}, )");
  const auto s = load(doc, {{"poll_interval", "10ms"}, {"poll_backoff", "0"}});
  ASSERT_TRUE(h.run_setup(s));
  const auto stats = h.run(s, 10, 2 * kSecond);
  EXPECT_EQ(stats.counters.ok, 20);
  // B answers 404 twice, then 200: three looks, at 10, 20 and 30 ms after forward (at once,
  // 10 and 20 ms when the first look did not wait).
  EXPECT_EQ(stats.endpoints.at("lifecycle/await_handoff").count, 60);
  EXPECT_GE(stats.spans.at("lifecycle/crossing").min(), 30 * kMs / 1000)  // µs
      << "the first look waited one interval";
}

TEST(Delegation, pre_examination_happens_only_where_the_agreement_delegates_it) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  h.platform.agreements = {{"320100", "320200", {{"PS-0002", "RECEIPT"}}}};
  const auto s = load(kTwoNodes);
  ASSERT_TRUE(h.run_setup(s));
  const auto stats = h.run(s, 5, 2 * kSecond);
  EXPECT_TRUE(h.platform.violations.empty()) << h.platform.violations.front();
  EXPECT_EQ(stats.counters.ok, 10);
  EXPECT_EQ(h.platform.calls["pre_examine"], 0);
  EXPECT_EQ(stats.endpoints.count("lifecycle/pre_examine"), 0u);
  EXPECT_EQ(stats.spans.at("lifecycle/handoff").count(), 10);
}

TEST(Delegation, setup_reads_the_agreements_and_logs_in_the_staff_and_applicants_they_need) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  // The pair asked for is on the second page of the listing.
  h.platform.agreements = {{"320100", "320300", {{"PS-0001", "RECEIPT"}}},  // not asked for
                           {"320100", "320200", {{"PS-0001", "RECEIPT"}, {"PS-0002", "RECEIPT"}}}};
  const auto s = load(kTwoNodes);
  ASSERT_TRUE(h.run_setup(s));
  // Clerk, examiner, approver of both cities; two applicants each, registered then logged in.
  EXPECT_EQ(h.platform.calls["login"], 6 + 4);
  EXPECT_EQ(h.platform.calls["register"], 4);
  EXPECT_EQ(h.platform.calls["catalog item"], 2);
  EXPECT_EQ(h.platform.calls["agreements page"], 2);  // followed next_cursor
}

TEST(Delegation, setup_fails_with_a_hint_when_the_pair_has_no_agreement) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  const auto s = load(kTwoNodes);
  EXPECT_FALSE(h.run_setup(s));
  ASSERT_TRUE(h.setup && !*h.setup);
  EXPECT_NE(h.setup->error().message.find("no active agreement between 320100 and 320200"),
            std::string::npos)
      << h.setup->error().message;
}

TEST(Delegation, pairs_are_drawn_by_migrant_flow) {
  // Guangzhou–Foshan carries ~43x the flow of Nanjing–Xuzhou.
  Harness h;
  h.platform.nodes = {{}};
  h.platform.agreements = {{"440100", "440600", {{"PS-0001", "RECEIPT"}}},
                           {"320100", "320300", {{"PS-0001", "RECEIPT"}}}};
  const auto s = load(R"({"kind": "delegation", "name": "t",
      "targets": {"identity": "http://i", "catalog": "http://c", "delegation": "http://d"},
      "operations": [{"name": "submit", "steps": ["submit"]}]})");
  ASSERT_TRUE(h.run_setup(s));
  h.run(s, 1000, 2 * kSecond);
  int guangdong = 0;
  for (const auto& [id, c] : h.platform.cases) guangdong += c.receiving.starts_with("44");
  const double share = guangdong / static_cast<double>(h.platform.cases.size());
  EXPECT_EQ(h.platform.cases.size(), 2000u);
  EXPECT_NEAR(share, 31760.6 / (31760.6 + 742.739), 0.015);
}

TEST(Delegation, refused_submissions_go_where_no_agreement_exists_and_expect_the_refusal) {
  Harness h;
  h.platform.nodes = {{}};
  h.platform.agreements = {{"440100", "440600", {{"PS-0001", "RECEIPT"}}}};
  const auto s = load(R"({"kind": "delegation", "name": "t",
      "targets": {"identity": "http://i", "catalog": "http://c", "delegation": "http://d"},
      "operations": [{"name": "refused", "steps": ["submit_refused"]}]})");
  ASSERT_TRUE(h.run_setup(s));
  // Clerks of all 155 cities may be asked (plus examiner and approver of the agreed pair,
  // and its applicants).
  EXPECT_EQ(h.platform.calls["login"], 155 + 4 + 4);
  const auto stats = h.run(s, 200, 1 * kSecond);
  EXPECT_EQ(stats.counters.ok, 200);
  EXPECT_EQ(h.platform.calls["submit"], 200);
  EXPECT_TRUE(h.platform.cases.empty());  // every one refused: no agreement
}

TEST(Delegation, refused_submissions_stay_among_the_cities_the_nodes_serve) {
  Harness h;
  h.platform.nodes = {{"320100", "320200", "320300"}};
  h.platform.agreements = {{"320100", "320200", {{"PS-0001", "RECEIPT"}}}};
  const auto s = load(R"({"kind": "delegation", "name": "t",
      "targets": {"identity": "http://i", "catalog": "http://c", "delegation": "http://d"},
      "vars": {"nodes": "delegation=320100,320200,320300"},
      "operations": [{"name": "refused", "steps": ["submit_refused"]}]})");
  ASSERT_TRUE(h.run_setup(s));
  const auto stats = h.run(s, 100, 1 * kSecond);
  EXPECT_EQ(stats.counters.ok, 100);
  // Only Xuzhou has no agreement with the others: every refused case involves it.
  int submissions = 0;
  for (const auto& [target, what] : h.platform.log) submissions += what == "POST /v1/cases";
  EXPECT_EQ(submissions, 100);
  for (const auto& r : h.transport->sent_requests) {
    if (r.path != "/v1/cases") continue;
    const auto body = json::parse(r.body).as_object();
    const auto b = std::string(body.at("applicant").at("registration_city").as_string());
    const auto a = caller(r).substr(6);  // clerk-<city>
    EXPECT_TRUE(a == "320300" || b == "320300") << a << " " << b;
  }
}

TEST(Delegation, a_token_about_to_expire_is_refreshed_by_one_flow_while_others_go_on) {
  Harness h;
  h.platform.nodes = {{}};
  h.platform.expires_in = 60;  // within the refresh margin at once
  h.platform.agreements = {{"320100", "320200", {{"PS-0001", "RECEIPT"}}}};
  const auto s = load(R"({"kind": "delegation", "name": "t",
      "targets": {"identity": "http://i", "catalog": "http://c", "delegation": "http://d"},
      "vars": {"applicants": "1"},
      "operations": [{"name": "read", "steps": ["work_queue"]}]})");
  ASSERT_TRUE(h.run_setup(s));
  const int logins_before = h.platform.calls["login"];
  const auto stats = h.run(s, 100, 1 * kSecond);
  EXPECT_EQ(stats.counters.ok, 100);
  // Each flow may refresh one of its tokens; none twice at once, and reads went on.
  const int refreshed = h.platform.calls["login"] - logins_before;
  EXPECT_GT(refreshed, 0);
  EXPECT_EQ(stats.endpoints.at("read/tokens").count, refreshed);
  EXPECT_EQ(h.platform.calls["read"], 100);
}

TEST(Delegation, the_recorder_writes_each_acknowledged_submission_with_its_case_and_cities) {
  Harness h;
  h.platform.nodes = {{"320100"}, {"320200"}};
  h.platform.agreements = {{"320100", "320200", {{"PS-0001", "RECEIPT"}}}};
  const auto s = load(kTwoNodes);
  ASSERT_TRUE(h.run_setup(s));
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  Recorder recorder(f);
  h.run(s, 5, 1 * kSecond, &recorder);
  std::rewind(f);
  std::map<std::string, int> steps;
  std::set<std::string> ids;
  char line[4096];
  while (std::fgets(line, sizeof line, f)) {
    auto v = json::parse(line).as_object();
    steps[std::string(v.at("step").as_string())]++;
    EXPECT_TRUE(v.at("ok").as_bool());
    if (v.at("step") == "submit") {
      EXPECT_EQ(v.at("status").as_int64(), 201);
      ids.insert(std::string(v.at("vars").at("case_id").as_string()));
      EXPECT_EQ(v.at("vars").at("accepting").as_string().size(), 6u);
    }
  }
  std::fclose(f);
  // submit, forward and complete are recorded by default; receive etc. are not.
  EXPECT_EQ(steps["submit"], 5);
  EXPECT_EQ(steps["forward"], 5);
  EXPECT_EQ(steps["complete"], 5);
  EXPECT_EQ(steps.count("receive"), 0u);
  EXPECT_EQ(ids.size(), 5u);
}

TEST(Delegation, the_builtin_scenarios_load_and_vars_override_them) {
  for (const char* name : {"hot-pair", "burst", "seed-155-cities", "submit"}) {
    auto s = Registry::instance().load(name);
    ASSERT_TRUE(s) << name << ": " << s.error().field << " " << s.error().message;
    EXPECT_EQ(s->kind, "delegation");
    EXPECT_TRUE(s->setup);
    EXPECT_FALSE(s->slos.empty());
  }
  auto s = Registry::instance().load("hot-pair",
                                     {{"nodes", "a=320100;b=320200"}, {"pairs", "320100-320200"}});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_TRUE(s->find_target("a") && s->find_target("b"));  // URLs from --target a=... b=...
  EXPECT_TRUE(s->targets[*s->find_target("a")].urls.empty());
  EXPECT_EQ(s->vars.at("pairs"), "320100-320200");
}

TEST(Delegation, a_document_with_a_mistake_names_the_field) {
  const auto error_of = [](std::string_view ops, std::string_view vars = "{}") {
    auto s = Registry::instance().build(std::string(R"({"kind": "delegation", "name": "t",
          "targets": {"identity": "http://i", "catalog": "http://c", "delegation": "http://d"},
          "vars": )") + std::string(vars) +
                                        R"(, "operations": )" + std::string(ops) + "}");
    return s ? std::string("ok") : s.error().field + " " + s.error().rule;
  };
  const std::string ok = R"([{"name": "x", "steps": ["submit"]}])";
  EXPECT_EQ(error_of(ok), "ok");
  EXPECT_EQ(error_of(R"([{"name": "x", "steps": ["submit", "fly"]}])"),
            "scenario.operations[0].steps[1] action");
  EXPECT_EQ(error_of(R"([{"name": "x", "steps": ["receive"]}])"),
            "scenario.operations[0].steps[0] order");
  EXPECT_EQ(error_of(R"([{"name": "x", "steps": ["submit", "receive", "receive"]}])"),
            "scenario.operations[0].steps[2].name unique");
  EXPECT_EQ(error_of(R"([{"name": "x", "steps": ["submit_refused", "receive"]}])"),
            "scenario.operations[0].steps[1] order");
  EXPECT_EQ(error_of(ok, R"({"pair": "x"})"), "scenario.vars.pair unknown_var");
  EXPECT_EQ(error_of(ok, R"({"pairs": "320100-999999"})"), "scenario.vars.pairs pair");
  EXPECT_EQ(error_of(ok, R"({"pairs": "top:0"})"), "scenario.vars.pairs top");
  EXPECT_EQ(error_of(ok, R"({"nodes": "a=123456"})"), "scenario.vars.nodes unknown_city");
  EXPECT_EQ(error_of(ok, R"({"applicants": "0"})"), "scenario.vars.applicants range");
  EXPECT_EQ(error_of(ok, R"({"poll_backoff": "0.25"})"), "ok");
  EXPECT_EQ(error_of(ok, R"({"poll_backoff": "1.5"})"), "scenario.vars.poll_backoff range");
  EXPECT_EQ(error_of(ok, R"({"poll_backoff": "much"})"), "scenario.vars.poll_backoff range");
  const auto handoff = [](std::string_view poll) {
    return R"([{"name": "x", "steps": ["submit", "receive", "forward",
               {"action": "await_handoff", "poll": )" +
           std::string(poll) + "}]}]";
  };
  EXPECT_EQ(error_of(handoff(R"({"interval": "5ms", "backoff": 0})")), "ok");
  EXPECT_EQ(error_of(handoff(R"({"backoff": -0.1})")),
            "scenario.operations[0].steps[3].poll.backoff range");
  EXPECT_EQ(error_of(handoff(R"({"backoff": "0.1"})")),
            "scenario.operations[0].steps[3].poll.backoff range");
}

TEST(Delegation, applicant_id_numbers_carry_a_valid_check_character_and_repeat_across_runs) {
  std::set<std::string> seen;
  for (std::size_t n = 0; n < 50; ++n) {
    const auto id = applicant_id_number("320200", n);
    ASSERT_EQ(id.size(), 18u);
    EXPECT_TRUE(id.starts_with("320200"));
    static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
    EXPECT_EQ(id[17], "10X98765432"[sum % 11]) << id;
    EXPECT_EQ(id, applicant_id_number("320200", n));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_EQ(applicant_id_number("320200", 0).substr(6, 8), "19750301");
}

}  // namespace
}  // namespace tongban::loadgen

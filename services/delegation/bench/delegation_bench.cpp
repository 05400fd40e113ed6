// Cross-city throughput through the HTTP API on a local stack of processes (identity,
// catalog, datahub, node A serving Nanjing and node B serving Wuxi, each node on its own
// Redis, the test Kafka): submissions per second at the receiving place, full two-place life
// cycles per second, and the hand-off latency — FORWARDED answered at A until the case is
// writable at B — as percentiles. Printed, never asserted.
//
//   eval "$(scripts/test-env env)"; build/services/delegation/delegation_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <thread>

#include "tongban/core/clock.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using tongban::http::Client;
using tongban::http::Method;

constexpr const char* kNanjing = "320100";
constexpr const char* kWuxi = "320200";

json::object parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return ec || !v.is_object() ? json::object{} : v.as_object();
}

struct Platform {
  std::unique_ptr<tongban::testing::Stack> stack;
  std::string error, a, b, item;
  json::array materials;
  std::string clerk_a, examiner_a, clerk_b, approver_b;
  std::mutex mu;
  std::vector<double> handoff_ms;

  Platform() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) {
      error = "TONGBAN_TEST_KAFKA not set (eval \"$(scripts/test-env env)\")";
      return;
    }
    tongban::testing::StackOptions o;
    o.kafka = *kafka;
    o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                  TONGBAN_DELEGATION_BIN, /*portal=*/""};
    o.catalog_seed_cities = 2;
    o.nodes = {{"bench-a", kNanjing}, {"bench-b", kWuxi}};
    stack = std::make_unique<tongban::testing::Stack>(std::move(o));
    if (!stack->error().empty()) {
      error = stack->error();
      return;
    }
    a = stack->node_url(0);
    b = stack->node_url(1);
    Client c;
    // An item both cities implement.
    auto items = c.get(stack->catalog_url() + "/v1/items?cross_city=true&page_size=100");
    const auto listing = parse(items ? items->body : "");
    const auto* page = listing.if_contains("items");
    for (const auto& v : page && page->is_array() ? page->get_array() : json::array{}) {
      const auto code = std::string(v.at("code").as_string());
      auto ia = c.get(stack->catalog_url() + "/v1/items/" + code + "/implementations/" + kNanjing);
      auto ib = c.get(stack->catalog_url() + "/v1/items/" + code + "/implementations/" + kWuxi);
      if (ia && ia->status == 200 && ib && ib->status == 200) {
        item = code;
        for (const auto& m : v.at("materials").as_array()) materials.push_back(m.at("name_zh"));
        break;
      }
    }
    if (item.empty()) {
      error = "no item implemented in both cities";
      return;
    }
    clerk_a = stack->staff(kNanjing, "clerk");
    examiner_a = stack->staff(kNanjing, "examiner");
    clerk_b = stack->staff(kWuxi, "clerk");
    approver_b = stack->staff(kWuxi, "approver");
    const auto da_a = stack->staff(kNanjing, "dept_admin");
    const auto da_b = stack->staff(kWuxi, "dept_admin");
    // End what earlier runs left for the pair, then sign a fresh agreement.
    for (int i = 0; i < 300; ++i) {
      auto probe = post(a, "/v1/cases", clerk_a, submission("probe"));
      if (parse(probe.second)["rule"] != "unknown_item") break;
      std::this_thread::sleep_for(200ms);
    }
    auto listed = c.get(a + "/v1/agreements?limit=200&city=" + std::string(kNanjing),
                        {{"Authorization", "Bearer " + da_a}});
    const auto existing = parse(listed ? listed->body : "");
    for (const auto& ag : existing.at("agreements").as_array()) {
      const auto status = std::string(ag.at("status").as_string());
      if (status != "TERMINATED" && status != "DECLINED" && ag.at("city_b") == kWuxi) {
        post(a, "/v1/agreements/" + std::string(ag.at("id").as_string()) + "/terminate", da_a,
             {{"reason", "benchmark reset"}});
      }
    }
    const auto now = tongban::Clock::system().now();
    json::object terms{{"items", {{item, {{"rights", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}}}},
                       {"result_delivery", json::array{"mail"}},
                       {"valid_from", tongban::to_rfc3339(now - 24h)},
                       {"valid_until", tongban::to_rfc3339(now + 24h * 365)},
                       {"accept_limit_days", 5}};
    std::string agreement;
    for (int i = 0; i < 300 && agreement.empty(); ++i) {
      auto r = post(a, "/v1/agreements", da_a, {{"partner_city", kWuxi}, {"terms", terms}});
      if (r.first == 201)
        agreement = std::string(parse(r.second).at("id").as_string());
      else
        std::this_thread::sleep_for(200ms);
    }
    if (agreement.empty() ||
        post(a, "/v1/agreements/" + agreement + "/countersign", da_b, {}).first != 200) {
      error = "could not sign the agreement";
    }
  }

  json::object submission(const std::string& applicant) const {
    return {{"item_code", item},
            {"applicant", {{"subject", applicant}, {"registration_city", kWuxi}}},
            {"materials", materials}};
  }
  std::pair<int, std::string> post(const std::string& node, const std::string& path,
                                   const std::string& token, const json::object& body) const {
    static thread_local Client c;
    auto r = c.request(Method::post, node + path,
                       {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                       json::serialize(body));
    return r ? std::pair{r->status, r->body} : std::pair{0, r.error().message};
  }
};

Platform& platform() {
  static Platform p;
  return p;
}

void BM_submit(benchmark::State& state) {
  auto& p = platform();
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  for (auto _ : state) {
    auto r =
        p.post(p.a, "/v1/cases", p.clerk_a, p.submission("bench-" + tongban::ids::random_hex(6)));
    if (r.first != 201) {
      state.SkipWithError(r.second.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_submit)->Threads(1)->Threads(4)->UseRealTime()->MinTime(3.0);

// One whole case: submit, receive, pre-examine, forward at A; accept, approve, dispatch,
// complete at B once the hand-off arrived.
void BM_lifecycle(benchmark::State& state) {
  auto& p = platform();
  if (!p.error.empty()) {
    state.SkipWithError(p.error.c_str());
    return;
  }
  Client c;
  for (auto _ : state) {
    auto sub =
        p.post(p.a, "/v1/cases", p.clerk_a, p.submission("bench-" + tongban::ids::random_hex(6)));
    const auto id =
        std::string(parse(sub.second)["id"].is_string() ? parse(sub.second)["id"].as_string() : "");
    bool ok = sub.first == 201 &&
              p.post(p.a, "/v1/cases/" + id + "/receive", p.clerk_a, {}).first == 200 &&
              p.post(p.a, "/v1/cases/" + id + "/pre_examine", p.examiner_a, {}).first == 200 &&
              p.post(p.a, "/v1/cases/" + id + "/forward", p.clerk_a, {}).first == 200;
    const auto forwarded = std::chrono::steady_clock::now();
    while (ok) {
      auto r = c.get(p.b + "/v1/cases/" + id, {{"Authorization", "Bearer " + p.clerk_b}});
      if (r && r->status == 200 && parse(r->body)["holder"] == "accepting") break;
      if (std::chrono::steady_clock::now() - forwarded > 30s) ok = false;
      std::this_thread::sleep_for(500us);
    }
    if (ok) {
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - forwarded)
              .count();
      std::lock_guard lock(p.mu);
      p.handoff_ms.push_back(ms);
    }
    ok = ok && p.post(p.b, "/v1/cases/" + id + "/accept", p.clerk_b, {}).first == 200 &&
         p.post(p.b, "/v1/cases/" + id + "/approve", p.approver_b, {}).first == 200 &&
         p.post(p.b, "/v1/cases/" + id + "/dispatch_result", p.clerk_b, {}).first == 200 &&
         p.post(p.b, "/v1/cases/" + id + "/complete", p.clerk_b, {}).first == 200;
    if (!ok) {
      state.SkipWithError(("life cycle failed for " + id).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    std::lock_guard lock(p.mu);
    auto v = p.handoff_ms;
    if (!v.empty()) {
      std::sort(v.begin(), v.end());
      auto pct = [&v](double q) {
        return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
      };
      state.counters["handoff_p50_ms"] = pct(0.50);
      state.counters["handoff_p90_ms"] = pct(0.90);
      state.counters["handoff_p99_ms"] = pct(0.99);
      state.counters["handoff_max_ms"] = v.back();
    }
  }
}
BENCHMARK(BM_lifecycle)->Threads(1)->Threads(4)->UseRealTime()->MinTime(5.0);

}  // namespace

int main(int argc, char** argv) {
  // The stack's processes die with the thread that started them (PR_SET_PDEATHSIG), and a
  // multi-threaded benchmark's threads end between runs: start it on the main thread.
  (void)platform();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

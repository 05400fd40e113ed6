#include "tongban/testing/agreements.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "tongban/core/clock.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/process.hpp"
#include "tongban/testing/stack.hpp"

namespace tongban::testing {

namespace json = boost::json;

std::string seed_demo_staff(const std::string& seed_binary, const std::string& identity_url,
                            int cities) {
  std::vector<std::string> args{"--identity",          identity_url,       "--admin-password",
                                Stack::kAdminPassword, "--staff-password", kDemoStaffPassword};
  if (cities > 0) args.insert(args.end(), {"--cities", std::to_string(cities)});
  ChildProcess seed(seed_binary, std::move(args), {});
  const auto rc = seed.wait(std::chrono::seconds(600));
  if (rc == 0) return "";
  return "tongban-seed " + (rc ? "exited with " + std::to_string(*rc) : std::string("hung")) +
         ":\n" + seed.output().substr(0, 4000);
}

std::string sign_agreement(const AgreementParties& p, std::string& error) {
  http::Client c({.connect_timeout = std::chrono::milliseconds(2000),
                  .request_timeout = std::chrono::milliseconds(30000)});
  const auto call = [&](http::Method m, const std::string& url, const std::string& token,
                        const json::object* body) {
    http::Headers h{{"Authorization", "Bearer " + token}};
    if (body) h.emplace_back("Content-Type", "application/json");
    auto r = c.request(m, url, h, body ? json::serialize(*body) : "");
    return r ? *r : http::Response{};
  };
  std::vector<std::string> codes;
  auto items = c.get(p.catalog_url + "/v1/items?cross_city=true&page_size=50");
  if (!items || items->status != 200) {
    error = "listing the catalog's cross-city items failed";
    return "";
  }
  const auto list = parse_object(items->body);  // kept: iterating a temporary's member dangles
  for (const auto& v : list.at("items").as_array()) {
    const auto code = str(v.as_object(), "code");
    bool both = true;
    for (const auto* city : {&p.city_a, &p.city_b}) {
      auto impl = c.get(p.catalog_url + "/v1/items/" + code + "/implementations/" + *city);
      both = both && impl && impl->status == 200;
    }
    if (both) codes.push_back(code);
    if (codes.size() == 2) break;
  }
  if (codes.size() != 2) {
    error = "fewer than two cross-city items implemented in both cities";
    return "";
  }
  const auto now = Clock::system().now();
  const json::object terms{{"items",
                            {{codes[0], {{"rights", "RECEIPT_AND_PRELIMINARY_EXAMINATION"}}},
                             {codes[1], {{"rights", "RECEIPT"}}}}},
                           {"result_delivery", json::array{"mail", "online"}},
                           {"valid_from", to_rfc3339(now - std::chrono::hours(24))},
                           {"valid_until", to_rfc3339(now + std::chrono::hours(24 * 365))},
                           {"accept_limit_days", 5}};
  const json::object proposal{{"partner_city", p.city_b}, {"terms", terms}};
  http::Response r;
  for (int attempt = 0; attempt < 180; ++attempt) {
    // Every page of the city's agreements (newest first) until next_cursor is null.
    std::string cursor;
    do {
      auto existing = call(http::Method::get,
                           p.node_url + "/v1/agreements?limit=200&city=" + p.city_a +
                               (cursor.empty() ? "" : "&cursor=" + cursor),
                           p.token_a, nullptr);
      const auto doc = parse_object(existing.body);
      const auto* next = doc.if_contains("next_cursor");
      cursor = next && next->is_string() ? std::string(next->get_string()) : "";
      const auto* all = doc.if_contains("agreements");
      if (!all || !all->is_array()) break;
      for (const auto& v : all->get_array()) {
        const auto& a = v.as_object();
        const auto status = str(a, "status");
        const bool pair = (str(a, "city_a") == p.city_a && str(a, "city_b") == p.city_b) ||
                          (str(a, "city_a") == p.city_b && str(a, "city_b") == p.city_a);
        if (!pair || status == "TERMINATED" || status == "DECLINED") continue;
        const json::object reason{{"reason", "earlier test run"}};
        call(http::Method::post, p.node_url + "/v1/agreements/" + str(a, "id") + "/terminate",
             p.token_a, &reason);
      }
    } while (!cursor.empty());
    r = call(http::Method::post, p.node_url + "/v1/agreements", p.token_a, &proposal);
    if (r.status == 201) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (r.status != 201) {
    error = "proposal: " + std::to_string(r.status) + " " + r.body;
    return "";
  }
  const auto id = str(parse_object(r.body), "id");
  const json::object version{{"version", 1}};
  r = call(http::Method::post, p.node_url + "/v1/agreements/" + id + "/countersign", p.token_b,
           &version);
  if (r.status != 200) {
    error = "countersignature: " + std::to_string(r.status) + " " + r.body;
    return "";
  }
  if (p.partner_node_url.empty()) return id;
  // The partner's node reads the agreement from the agreements topic.
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    r = call(http::Method::get, p.partner_node_url + "/v1/agreements/" + id, p.token_b, nullptr);
    if (r.status == 200 && str(parse_object(r.body), "status") == "ACTIVE") return id;
    if (std::chrono::steady_clock::now() > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  error = "agreement " + id +
          " not ACTIVE at the partner's node after 2 minutes: " + std::to_string(r.status) + " " +
          r.body.substr(0, 400);
  return "";
}

}  // namespace tongban::testing

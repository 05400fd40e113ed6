#include "seed_platform.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "tongban/cities/cities.hpp"
#include "tongban/core/clock.hpp"

namespace tongban::seed {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

json::object parse(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return ec || !v.is_object() ? json::object{} : v.as_object();
}

std::string member(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

// Logs in each city's demo dept_admin once.
class Tokens {
 public:
  Tokens(const http::Client& c, std::string identity, std::string password)
      : c_(c), identity_(std::move(identity)), password_(std::move(password)) {}
  const std::string& dept_admin(const std::string& city) {
    auto it = tokens_.find(city);
    if (it != tokens_.end()) return it->second;
    auto r = c_.post_json(
        identity_ + "/v1/sessions",
        json::serialize(json::object{
            {"subject_type", "staff"}, {"login", "dept_admin-" + city}, {"password", password_}}));
    return tokens_[city] = r && r->status == 200 ? member(parse(r->body), "access_token") : "";
  }

 private:
  const http::Client& c_;
  std::string identity_, password_;
  std::map<std::string, std::string> tokens_;
};

// The most frequently used cross-city items (catalog frequency_rank), codes only.
std::vector<std::string> frequent_items(const http::Client& c, const std::string& catalog,
                                        std::size_t n) {
  std::vector<std::pair<long long, std::string>> ranked;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    auto r = c.get(catalog + "/v1/items?cross_city=true&page_size=100" +
                   (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!r || r->status != 200) break;
    const auto doc = parse(r->body);
    const auto* items = doc.if_contains("items");
    if (!items || !items->is_array()) break;
    for (const auto& v : items->get_array()) {
      const auto& o = v.as_object();
      const auto* rank = o.if_contains("frequency_rank");
      ranked.emplace_back(rank && rank->is_number() ? rank->to_number<long long>() : 1000000,
                          member(o, "code"));
    }
    cursor = member(doc, "next_cursor");
    if (cursor.empty()) break;
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ranked.size() && i < n; ++i) out.push_back(ranked[i].second);
  return out;
}

json::object terms(const std::vector<std::string>& items) {
  json::object covered;
  for (std::size_t i = 0; i < items.size(); ++i) {
    // Half the items delegate pre-examination too, as agreements in the field do.
    covered[items[i]] = {{"rights", i % 2 ? "RECEIPT" : "RECEIPT_AND_PRELIMINARY_EXAMINATION"}};
  }
  const auto now = Clock::system().now();
  return {{"items", std::move(covered)},
          {"result_delivery", json::array{"mail", "window_at_receiving_place", "online"}},
          {"valid_from", to_rfc3339(now - std::chrono::hours(24))},
          {"valid_until", to_rfc3339(now + std::chrono::hours(24 * 365 * 3))},
          {"accept_limit_days", 5}};
}

}  // namespace

SeedCounts seed_platform(const http::Client& c, const PlatformSeed& s) {
  SeedCounts counts;
  Tokens tokens(c, s.identity, s.staff_password);

  // Agreements: the pairs with the largest migrant flows first.
  const auto items = frequent_items(c, s.catalog, s.items);
  std::vector<cities::CityPair> pairs(cities::directory().pairs().begin(),
                                      cities::directory().pairs().end());
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& x, const auto& y) { return x.weight > y.weight; });
  if (pairs.size() > s.pairs) pairs.resize(s.pairs);
  bool cache_warm = false;
  for (const auto& pair : pairs) {
    const std::string a = std::min(pair.a->code, pair.b->code);
    const std::string b = std::max(pair.a->code, pair.b->code);
    auto covered = items;
    std::string id;
    // The delegation node learns implementations from the catalog's events: at first start
    // it may still be reading them, so the first proposal waits for it.
    for (int attempt = 0;
         attempt < (cache_warm ? 1 : 300) + static_cast<int>(items.size()) && !covered.empty();
         ++attempt) {
      auto r =
          c.request(http::Method::post, s.delegation + "/v1/agreements",
                    {{"Authorization", "Bearer " + tokens.dept_admin(a)},
                     {"Content-Type", "application/json"}},
                    json::serialize(json::object{{"partner_city", b}, {"terms", terms(covered)}}));
      const auto doc = r ? parse(r->body) : json::object{};
      if (r && r->status == 201) {
        id = member(doc, "id");
        break;
      }
      const auto rule = member(doc, "rule");
      if (rule == "agreement_exists") {
        ++counts.agreements_existing;
        break;
      }
      if (rule == "implementation_missing" && cache_warm) {
        // This pair lacks an implementation: leave that item out.
        const auto field = member(doc, "field");
        const auto code = field.substr(field.find('/') + 1);
        covered.erase(std::remove(covered.begin(), covered.end(), code), covered.end());
        continue;
      }
      if (rule == "implementation_missing" || !r) {
        std::this_thread::sleep_for(1s);
        continue;
      }
      std::fprintf(stderr, "tongban-seed: agreement %s-%s: %s\n", a.c_str(), b.c_str(),
                   r->body.c_str());
      break;
    }
    if (id.empty()) continue;
    cache_warm = true;
    auto signed_ = c.request(
        http::Method::post, s.delegation + "/v1/agreements/" + id + "/countersign",
        {{"Authorization", "Bearer " + tokens.dept_admin(b)}, {"Content-Type", "application/json"}},
        json::serialize(json::object{{"version", 1}}));
    if (signed_ && signed_->status == 200) {
      ++counts.agreements_signed;
    } else {
      ++counts.failed;
      std::fprintf(stderr, "tongban-seed: countersign %s: %s\n", id.c_str(),
                   signed_ ? signed_->body.c_str() : signed_.error().message.c_str());
    }
  }

  // The directory: the largest cities' departments register what they hold.
  std::vector<const cities::City*> largest;
  for (const auto& city : cities::directory().all()) largest.push_back(&city);
  std::sort(largest.begin(), largest.end(),
            [](const auto* x, const auto* y) { return x->population > y->population; });
  if (largest.size() > s.directory_cities) largest.resize(s.directory_cities);
  struct Kind {
    const char* suffix;
    const char* name;
    const char* sharing;
    const char* frequency;
    std::vector<const char*> fields;
  };
  const std::vector<Kind> kinds{
      {"household",
       "户籍登记信息",
       "conditional",
       "daily",
       {"name", "id_number", "address", "household_type"}},
      {"social-insurance",
       "社会保险参保信息",
       "unconditional",
       "monthly",
       {"name", "insured_since", "contribution_months"}},
      {"marriage",
       "婚姻登记信息",
       "conditional",
       "on_change",
       {"name", "spouse_name", "registered_on"}},
      {"tax-arrears", "欠税信息", "not_shared", "daily", {"name", "amount"}},
  };
  for (const auto* city : largest) {
    for (const auto& k : kinds) {
      json::array fields;
      for (const auto* f : k.fields) fields.push_back(json::object{{"name", f}});
      auto r = c.request(http::Method::post, s.datahub + "/v1/resources",
                         {{"Authorization", "Bearer " + tokens.dept_admin(city->code)},
                          {"Content-Type", "application/json"}},
                         json::serialize(json::object{{"id", city->code + "." + k.suffix},
                                                      {"name", city->name_zh + k.name},
                                                      {"fields", std::move(fields)},
                                                      {"sharing_class", k.sharing},
                                                      {"update_frequency", k.frequency}}));
      if (r && (r->status == 201 || r->status == 409)) {
        counts.resources += r->status == 201;
      } else {
        ++counts.failed;
        std::fprintf(stderr, "tongban-seed: resource %s.%s: %s\n", city->code.c_str(), k.suffix,
                     r ? r->body.c_str() : r.error().message.c_str());
      }
    }
  }
  return counts;
}

}  // namespace tongban::seed

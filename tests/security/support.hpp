// What the security tests share: HTTP calls with a bearer token, reading problem documents,
// waiting for what travels over Kafka, valid GB 32100 codes, and the cross-city set-up (an
// item both cities implement, an agreement between them) a case needs.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "tongban/core/result.hpp"
#include "tongban/http/client.hpp"

namespace tongban::security {

boost::json::object parse(const http::Response& r);
std::string str(const boost::json::object& o, const char* key);
// application/problem+json with a status member.
bool is_problem(const http::Response& r);
// "rule <rule>" of a problem document, else the start of the body: for failure messages.
std::string brief(const http::Response& r);

// Polls `probe` every 250 ms until it holds or `deadline` has passed (for what crosses
// Kafka); not a timing assertion.
bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline);

// A valid GB 32100 unified social credit code of an enterprise registered in `city`.
std::string fresh_credit_code(const std::string& city);

class Api {
 public:
  http::Response call(http::Method m, const std::string& url, const std::string& token,
                      const std::optional<boost::json::value>& body = std::nullopt) const;
  http::Response get(const std::string& url, const std::string& token) const {
    return call(http::Method::get, url, token);
  }
  http::Response post(const std::string& url, const std::string& token,
                      const boost::json::value& body) const {
    return call(http::Method::post, url, token, body);
  }

 private:
  http::Client client_{http::ClientOptions{.connect_timeout = std::chrono::milliseconds(2000),
                                           .request_timeout = std::chrono::milliseconds(30000)}};
};

// A cross-city item open to assurance L1 (citizens submit with a password login) that the
// catalog's seed implements in `template_city`.
struct CaseItem {
  std::string code;
  boost::json::object item;            // as the catalog serves it, without version/state
  boost::json::object implementation;  // the template city's, without version/state
  boost::json::array materials;        // every material's name_zh
};
Result<CaseItem> find_case_item(const Api& api, const std::string& catalog_url,
                                const std::string& template_city);

// Publishes `implementation` (city and item_code replaced) as admin.
Result<void> publish_implementation(const Api& api, const std::string& catalog_url,
                                    const std::string& admin_token, const std::string& code,
                                    const std::string& city, boost::json::object implementation);

// Agreement terms covering `item` with receipt and pre-examination delegated.
boost::json::object agreement_terms(const std::string& item, int accept_limit_days);

// The parties of the agreements of one pair of cities at one delegation node.
struct Pair {
  std::string node, city_a, city_b;
  std::string dept_admin_a, dept_admin_b, admin;  // tokens
};
// A PROPOSED agreement of city_a with city_b. An open one of the pair (an earlier run's on a
// long-lived broker) is ended first; a node that does not know the implementations yet is
// waited for.
Result<std::string> propose_agreement(const Api& api, const Pair& pair,
                                      const boost::json::object& terms);
// Proposed by A and countersigned by B.
Result<std::string> active_agreement(const Api& api, const Pair& pair,
                                     const boost::json::object& terms);
// Declines a PROPOSED agreement (as B), terminates an active or suspended one (as admin).
void end_agreement(const Api& api, const Pair& pair, const std::string& id);

}  // namespace tongban::security

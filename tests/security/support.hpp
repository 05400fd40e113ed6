// What the security tests share: the platform their suites run against, HTTP calls with a
// bearer token, reading problem documents, waiting for what travels over Kafka, valid GB 32100
// codes, and the cross-city set-up (an item both cities implement, an agreement between them)
// a case needs.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "tongban/core/result.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/stack.hpp"

namespace tongban::security {

// A suite against the platform as processes (tests/support's Stack: identity, catalog,
// datahub, portal and one delegation node) on the test Kafka, in cities drawn from the table
// for the run, so runs on a shared broker do not meet each other's agreements. The suite's
// SetUpTestSuite calls start_platform and its TearDownTestSuite stop_platform (the members are
// the running suite's: gtest runs suites one after another).
class PlatformSuite : public ::testing::Test {
 protected:
  // Nothing starts without TONGBAN_TEST_KAFKA (the tests skip). Else loads the table, draws its
  // cities and starts the platform with a delegation node named `node` serving the cities of
  // `labels`. False, with error_ saying why, when something did not start.
  static bool start_platform(const std::string& node, const std::vector<std::string>& labels);
  static void stop_platform();

  // Skips without the test Kafka (fails under TONGBAN_REQUIRE_SERVERS=1); fails when the
  // suite's set-up did.
  void SetUp() override;
  // The processes' output after a failed test.
  void TearDown() override;

  static inline std::string kafka_;  // bootstrap servers; "" without the test Kafka
  static inline Table table_;
  static inline std::map<std::string, std::string> cities_;  // label -> division code
  static inline std::unique_ptr<tongban::testing::Stack> stack_;
  static inline std::string error_;  // why the suite's set-up failed
};

boost::json::object parse(const http::Response& r);
using tongban::testing::str;
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

// OpenAPI-driven fuzzing (issue #10): schemathesis generates requests from each service's
// api/openapi.yaml — valid ones, boundary values and invalid ones — against the platform
// running as processes (identity, catalog, datahub, a delegation node, the portal on a
// private Redis and the test Kafka), without a token and with the tokens of the roles that
// use the service. Every answer must be no 5xx and conform to the spec: a documented status,
// content type, headers and body schema.
//
// Examples per operation: TONGBAN_API_FUZZ_EXAMPLES (default 5, CI); more for a longer run.
// schemathesis itself comes from PyPI into a virtualenv that scripts/setup makes
// (TONGBAN_SCHEMATHESIS overrides its path).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::testing::ChildProcess;
using tongban::testing::Stack;

std::string schemathesis_path() {
  if (const char* p = std::getenv("TONGBAN_SCHEMATHESIS"); p && *p) return p;
  std::string cache;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    cache = x;
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    cache = std::string(h) + "/.cache";
  }
  return cache + "/tongban/schemathesis/bin/st";
}

std::string examples() {
  const char* n = std::getenv("TONGBAN_API_FUZZ_EXAMPLES");
  return n && *n ? n : "5";
}

// One identity to fuzz a service as: a name for the report, and a bearer token ("" for none).
struct Caller {
  std::string name;
  std::string token;
};

class OpenApiFuzz : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka || !std::filesystem::exists(schemathesis_path())) return;
    tongban::testing::StackOptions o;
    o.kafka = *kafka;
    o.binaries = {TONGBAN_IDENTITY_BIN, TONGBAN_CATALOG_BIN, TONGBAN_DATAHUB_BIN,
                  TONGBAN_DELEGATION_BIN, TONGBAN_PORTAL_BIN};
    o.catalog_seed_cities = 2;
    o.nodes = {{"apifuzz", "all"}};
    stack_ = std::make_unique<Stack>(std::move(o));
  }
  static void TearDownTestSuite() { stack_.reset(); }

  void SetUp() override {
    if (!tongban::testing::server_from_env("TONGBAN_TEST_KAFKA")) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA is not set: start them with scripts/test-env start";
    }
    ASSERT_TRUE(std::filesystem::exists(schemathesis_path()))
        << schemathesis_path() << " is missing: run scripts/setup";
    ASSERT_TRUE(stack_ && stack_->error().empty()) << (stack_ ? stack_->error() : "no stack");
  }

  // Runs schemathesis over `service`'s spec at `url` once per caller; a failed run prints
  // schemathesis's report (each failure with a curl command that reproduces it).
  void fuzz(const std::string& service, const std::string& url,
            const std::vector<Caller>& callers) {
    const std::string spec =
        std::string(TONGBAN_SOURCE_DIR) + "/services/" + service + "/api/openapi.yaml";
    for (const auto& caller : callers) {
      std::vector<std::string> args{
          "run", spec, "--url", url,
          // Readiness answers 503 by design while Kafka or Redis is slow to answer (a loaded
          // CI machine): not a server error of the API.
          "--exclude-path", "/readyz", "--checks",
          "not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance",
          // One worker: with more, schemathesis's threads trip a CPython 3.11 bug ("AST
          // constructor recursion depth mismatch") when it formats a traceback.
          "--phases", "examples,coverage,fuzzing", "--max-examples", examples(), "--seed", "1",
          "--workers", "1", "--request-timeout", "30", "--report", "junit", "--report-junit-path",
          std::string(TONGBAN_ARTEFACTS) + "/schemathesis-" + service + "-" + caller.name + ".xml"};
      if (!caller.token.empty()) {
        args.push_back("--header");
        args.push_back("Authorization: Bearer " + caller.token);
      }
      ChildProcess st(schemathesis_path(), args, {{"NO_COLOR", "1"}});
      const auto rc = st.wait(900s);
      const auto out = st.output();
      // The run's closing line, e.g. "==== 3 failures, 2 warnings in 69.42s ====".
      const auto last = out.rfind("\n==");
      std::cout << "schemathesis " << service << " as " << caller.name << ": "
                << (last == std::string::npos ? "no summary" : out.substr(last + 1, 120)) << "\n";
      EXPECT_EQ(rc, 0) << service << " as " << caller.name << ":\n"
                       << (out.size() > 30000 ? out.substr(out.size() - 30000) : out);
    }
  }

  static std::unique_ptr<Stack> stack_;
};

std::unique_ptr<Stack> OpenApiFuzz::stack_;

// Nanjing and Wuxi: the two cities the catalog is seeded with.
constexpr const char* kCity = "320100";
constexpr const char* kOtherCity = "320200";

TEST_F(OpenApiFuzz, catalog_conforms_without_5xx) {
  fuzz("catalog", stack_->catalog_url(),
       {{"anonymous", ""},
        {"platform_admin", stack_->admin_token()},
        {"dept_admin", stack_->staff(kCity, "dept_admin")}});
}

TEST_F(OpenApiFuzz, datahub_conforms_without_5xx) {
  fuzz("datahub", stack_->datahub_url(),
       {{"anonymous", ""},
        {"dept_admin", stack_->staff(kCity, "dept_admin")},
        {"citizen", stack_->citizen(kOtherCity).second}});
}

TEST_F(OpenApiFuzz, delegation_conforms_without_5xx) {
  fuzz("delegation", stack_->node_url(0),
       {{"anonymous", ""},
        {"clerk", stack_->staff(kCity, "clerk")},
        {"citizen", stack_->citizen(kOtherCity).second}});
}

TEST_F(OpenApiFuzz, portal_conforms_without_5xx) {
  fuzz("portal", stack_->portal_url(),
       {{"anonymous", ""}, {"supervisor", stack_->staff(kCity, "supervisor")}});
}

// Last: identity's own operations include logout and revocation, which end the tokens the
// other runs use.
TEST_F(OpenApiFuzz, identity_conforms_without_5xx) {
  fuzz("identity", stack_->identity_url(),
       {{"anonymous", ""},
        {"platform_admin", stack_->admin_token()},
        {"citizen", stack_->citizen(kCity).second}});
}

}  // namespace

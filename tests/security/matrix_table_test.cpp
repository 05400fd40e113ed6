// The authorisation matrix's table against the OpenAPI files: every operation of every
// service (and every value of an enumerated path parameter) has a row, so a new endpoint
// without one fails here; and the table is consistent with itself.
#include <gtest/gtest.h>

#include <filesystem>

#include "matrix.hpp"
#include "tongban/testing/json.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tongban::security;
using tongban::testing::read_file;

Table table() {
  auto t = load_table(TONGBAN_MATRIX_TABLE);
  EXPECT_TRUE(t) << t.error().message;
  return t ? *t : Table{};
}

std::map<std::string, std::vector<OpenApiOperation>> every_openapi_file() {
  std::map<std::string, std::vector<OpenApiOperation>> out;
  for (const auto& dir : fs::directory_iterator(fs::path(TONGBAN_SOURCE_DIR) / "services")) {
    const auto file = dir.path() / "api" / "openapi.yaml";
    if (fs::exists(file)) out[dir.path().filename().string()] = openapi_operations(read_file(file));
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

TEST(AuthzMatrixTable, covers_every_operation_of_every_services_openapi_file) {
  const auto t = table();
  const auto files = every_openapi_file();
  ASSERT_GE(files.size(), 5u) << "expected identity, catalog, datahub, delegation, portal";
  std::size_t ops = 0;
  for (const auto& [service, list] : files) {
    ops += list.size();
    EXPECT_FALSE(list.empty()) << service << ": no operation read from its OpenAPI file";
  }
  const auto problems = coverage_problems(t, files);
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems:" << joined(problems);
  std::cout << "[matrix] " << files.size() << " services, " << ops << " operations, "
            << t.rows.size() << " rows, " << t.principals.size() << " principals\n";
}

TEST(AuthzMatrixTable, has_a_section_for_every_service_with_an_openapi_file) {
  const auto t = table();
  for (const auto& [service, ops] : every_openapi_file()) {
    EXPECT_NE(std::find(t.services.begin(), t.services.end(), service), t.services.end())
        << service << " has an OpenAPI file but no section in authz_matrix.json";
  }
}

TEST(AuthzMatrixTable, gives_every_principal_a_status_in_every_row_and_knows_its_placeholders) {
  const auto problems = consistency_problems(table());
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems:" << joined(problems);
}

TEST(AuthzMatrixTable, reports_an_operation_without_a_row) {
  auto t = table();
  auto files = every_openapi_file();
  files["delegation"].push_back({"DELETE", "/v1/cases/{id}", {}});
  const auto problems = coverage_problems(t, files);
  ASSERT_EQ(problems.size(), 1u) << joined(problems);
  EXPECT_NE(problems[0].find("DELETE /v1/cases/{id} has no row"), std::string::npos);
}

TEST(AuthzMatrixTable, reports_an_enumerated_path_value_without_a_row) {
  const auto ops = openapi_operations(
      "openapi: 3.1.0\npaths:\n  /v1/things/{id}/{verb}:\n    post:\n      parameters:\n"
      "        - {name: verb, in: path, required: true, schema: {type: string, enum: [open, "
      "close]}}\n  /healthz:\n    get:\n      summary: x\ncomponents:\n  schemas: {}\n");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].op(), "POST /v1/things/{id}/{verb}");
  EXPECT_EQ(ops[0].path_enums.at("verb"), (std::vector<std::string>{"open", "close"}));
  auto t = parse_table(R"({"principals": {"others": ["anonymous"]}, "services": [{"name": "x",
      "rows": [{"op": "POST /v1/things/{id}/{verb}", "path": "/v1/things/{thing}/open",
                "expect": [["*", 401]]},
               {"op": "GET /v1/gone", "path": "/v1/gone", "expect": [["*", 404]]}]}]})");
  ASSERT_TRUE(t) << t.error().message;
  const auto problems = coverage_problems(*t, {{"x", ops}});
  EXPECT_EQ(problems.size(), 3u) << joined(problems);  // close, /healthz, the stale row
  EXPECT_NE(joined(problems).find("verb=close"), std::string::npos);
  EXPECT_NE(joined(problems).find("GET /healthz has no row"), std::string::npos);
  EXPECT_NE(joined(problems).find("GET /v1/gone, not in its OpenAPI file"), std::string::npos);
}

TEST(AuthzMatrixTable, the_first_matching_rule_decides) {
  auto t = parse_table(R"({"principals": {"others": ["anonymous", "citizen:owner"],
      "staff_roles": ["clerk", "dept_admin"], "staff_cities": ["A", "B"]},
      "groups": {"viewers": ["citizen:owner", "clerk@*"]},
      "services": [{"name": "x", "rows": [{"op": "GET /x", "path": "/x",
        "expect": [["clerk@A", 200], ["anonymous", 401], ["group:viewers", 403],
                   ["*@B", [403, 422]], ["*", 404]]}]}]})");
  ASSERT_TRUE(t) << t.error().message;
  const auto& row = t->rows.at(0);
  EXPECT_EQ(expected_statuses(*t, row, "clerk@A"), std::vector<int>{200});
  EXPECT_EQ(expected_statuses(*t, row, "anonymous"), std::vector<int>{401});
  EXPECT_EQ(expected_statuses(*t, row, "clerk@B"), std::vector<int>{403});
  EXPECT_EQ(expected_statuses(*t, row, "citizen:owner"), std::vector<int>{403});
  EXPECT_EQ(expected_statuses(*t, row, "dept_admin@B"), (std::vector<int>{403, 422}));
  EXPECT_EQ(expected_statuses(*t, row, "dept_admin@A"), std::vector<int>{404});
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("province_supervisor@*", "province_supervisor@D"));
  EXPECT_FALSE(glob_match("supervisor@*", "province_supervisor@D"));
  EXPECT_FALSE(glob_match("*@A", "clerk@AB"));
}

}  // namespace

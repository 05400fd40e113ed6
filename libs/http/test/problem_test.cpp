#include "tongban/http/problem.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace tongban::http {
namespace {

boost::json::object body_of(const Response& r) { return boost::json::parse(r.body).as_object(); }

TEST(Problem, each_error_code_maps_to_its_status) {
  EXPECT_EQ(status_for(Errc::invalid_argument), 422);
  EXPECT_EQ(status_for(Errc::malformed), 400);
  EXPECT_EQ(status_for(Errc::unauthenticated), 401);
  EXPECT_EQ(status_for(Errc::forbidden), 403);
  EXPECT_EQ(status_for(Errc::not_found), 404);
  EXPECT_EQ(status_for(Errc::conflict), 409);
  EXPECT_EQ(status_for(Errc::payload_too_large), 413);
  EXPECT_EQ(status_for(Errc::unsupported_media), 415);
  EXPECT_EQ(status_for(Errc::too_many_requests), 429);
  EXPECT_EQ(status_for(Errc::unavailable), 503);
  EXPECT_EQ(status_for(Errc::timeout), 504);
  EXPECT_EQ(status_for(Errc::internal), 500);
}

TEST(Problem, names_the_field_and_rule) {
  auto r = problem(Error::invalid("id_number", "gb11643_check_digit", "check digit is wrong"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(*r.header("Content-Type"), "application/problem+json");
  auto b = body_of(r);
  EXPECT_EQ(b["status"].as_int64(), 422);
  EXPECT_EQ(b["field"].as_string(), "id_number");
  EXPECT_EQ(b["rule"].as_string(), "gb11643_check_digit");
  EXPECT_EQ(b["type"].as_string(), "urn:tongban:problem:gb11643_check_digit");
  EXPECT_EQ(b["detail"].as_string(), "check digit is wrong");
  EXPECT_EQ(b["title"].as_string(), "Unprocessable Content");
}

TEST(Problem, extra_members_are_merged) {
  boost::json::object extra;
  extra["allowed"] = boost::json::array{"WITHDRAW"};
  auto b = body_of(problem(Error::conflict("illegal transition"), extra));
  EXPECT_EQ(b["allowed"].as_array().size(), 1u);
  EXPECT_EQ(b["status"].as_int64(), 409);
}

TEST(Problem, retryable_errors_carry_retry_after) {
  auto r = problem(Error::unavailable("redis down"));
  EXPECT_EQ(r.status, 503);
  ASSERT_NE(r.header("Retry-After"), nullptr);
  EXPECT_TRUE(body_of(r)["retryable"].as_bool());
}

TEST(JsonBody, requires_a_json_content_type) {
  Request req;
  req.body = "{}";
  EXPECT_EQ(json_body(req).error().code, Errc::unsupported_media);
  req.headers.emplace_back("content-type", "application/json; charset=utf-8");
  EXPECT_TRUE(json_body(req));
}

TEST(JsonBody, malformed_json_names_the_parse_error) {
  Request req;
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = "{\"name\": }";
  auto r = json_body(req);
  ASSERT_FALSE(r);
  auto res = problem(r.error());
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(body_of(res)["rule"].as_string(), "json_syntax");
  EXPECT_NE(body_of(res)["detail"].as_string().find("not valid JSON"), std::string::npos);
}

}  // namespace
}  // namespace tongban::http

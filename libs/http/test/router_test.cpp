#include "tongban/http/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace tongban::http {
namespace {

Handler reply(std::string text) {
  return [text](Request& req) {
    std::string body = text;
    for (const auto& [k, v] : req.params) body += " " + k + "=" + v;
    return Response::text(200, body);
  };
}

Response call(const Router& r, Method m, std::string path) {
  Request req;
  req.method = m;
  req.path = std::move(path);
  return r.dispatch(req);
}

TEST(Router, matches_literals_and_parameters) {
  Router r;
  r.get("/v1/cases/{id}", reply("case"));
  r.get("/v1/cases/{id}/timeline", reply("timeline"));
  r.post("/v1/cases/{id}/transitions", reply("transition"));
  EXPECT_EQ(call(r, Method::get, "/v1/cases/c-1").body, "case id=c-1");
  EXPECT_EQ(call(r, Method::get, "/v1/cases/c-1/timeline").body, "timeline id=c-1");
  EXPECT_EQ(call(r, Method::post, "/v1/cases/c-2/transitions").body, "transition id=c-2");
}

TEST(Router, literal_segments_win_over_parameters) {
  Router r;
  r.get("/v1/items/{code}", reply("item"));
  r.get("/v1/items/search", reply("search"));
  EXPECT_EQ(call(r, Method::get, "/v1/items/search").body, "search");
  EXPECT_EQ(call(r, Method::get, "/v1/items/A001").body, "item code=A001");
}

TEST(Router, unknown_path_is_a_404_problem) {
  Router r;
  r.get("/v1/items", reply("items"));
  auto res = call(r, Method::get, "/v1/nothing");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(*res.header("Content-Type"), "application/problem+json");
}

TEST(Router, wrong_method_is_a_405_with_allow) {
  Router r;
  r.get("/v1/items", reply("items"));
  r.post("/v1/items", reply("create"));
  auto res = call(r, Method::del, "/v1/items");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(*res.header("Allow"), "GET, POST");
}

TEST(Router, head_uses_the_get_route) {
  Router r;
  r.get("/healthz", reply("ok"));
  EXPECT_EQ(call(r, Method::head, "/healthz").status, 200);
}

TEST(Router, parameters_are_percent_decoded_per_segment) {
  Router r;
  r.get("/v1/subjects/{name}", reply("s"));
  EXPECT_EQ(call(r, Method::get, "/v1/subjects/%E5%BC%A0%2F1").body, "s name=张/1");
  EXPECT_EQ(call(r, Method::get, "/v1/subjects/%zz").status, 404);
}

TEST(Router, trailing_and_double_slashes_do_not_matter) {
  Router r;
  r.get("/v1/items", reply("items"));
  EXPECT_EQ(call(r, Method::get, "/v1/items/").status, 200);
  EXPECT_EQ(call(r, Method::get, "//v1//items").status, 200);
}

TEST(Router, registering_a_route_twice_is_refused_at_startup) {
  Router r;
  r.get("/v1/items", reply("a"));
  EXPECT_THROW(r.get("/v1/items", reply("b")), std::logic_error);
  r.get("/v1/cases/{id}/a", reply("c"));
  EXPECT_THROW(r.get("/v1/cases/{case_id}/b", reply("d")), std::logic_error);
}

TEST(Router, an_async_route_shares_the_trie_and_needs_the_server_to_run) {
  Router r;
  r.add_async(Method::post, "/v1/cases", [](Request&, Responder) {});
  EXPECT_THROW(r.post("/v1/cases", reply("b")), std::logic_error);
  r.get("/v1/cases", reply("list"));
  const auto res = call(r, Method::post, "/v1/cases");
  EXPECT_EQ(res.status, 500) << "dispatch() cannot wait for a Responder";
  EXPECT_EQ(call(r, Method::get, "/v1/cases").body, "list");
}

TEST(Router, lists_every_route_for_metrics) {
  Router r;
  r.get("/a", reply("a"));
  r.post("/a", reply("a"));
  r.get("/b/{x}", reply("b"));
  EXPECT_EQ(r.routes().size(), 3u);
}

}  // namespace
}  // namespace tongban::http

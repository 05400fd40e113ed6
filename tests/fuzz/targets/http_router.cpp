// Fuzzes the request side of libs/http without sockets: the route trie (percent-decoding,
// literals before parameters, 404 and 405 with Allow), query parameters and JSON bodies, on
// the routes the services register. Input: "<METHOD> <target>\n<content-type>\n<body>".
// Invariants: no crash; only 200/404/405 come back; a matched route hands its handler one
// decoded value per {parameter}; a 405 lists the methods allowed; json_body refuses with a
// field and a rule.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "tongban/http/problem.hpp"
#include "tongban/http/router.hpp"

namespace {

namespace http = tongban::http;

// The routes of catalog, datahub and delegation (identity's and the portal's have the same
// shapes): literals and {parameters} at every depth, several methods on one path.
constexpr std::pair<http::Method, std::string_view> kRoutes[] = {
    {http::Method::get, "/v1/items"},
    {http::Method::get, "/v1/items/{code}"},
    {http::Method::put, "/v1/items/{code}/draft"},
    {http::Method::post, "/v1/items/{code}/publish"},
    {http::Method::post, "/v1/items/{code}/withdraw"},
    {http::Method::get, "/v1/items/{code}/standardisation"},
    {http::Method::get, "/v1/items/{code}/versions/{version}"},
    {http::Method::get, "/v1/items/{code}/implementations/{city}"},
    {http::Method::put, "/v1/items/{code}/implementations/{city}/draft"},
    {http::Method::post, "/v1/items/{code}/implementations/{city}/publish"},
    {http::Method::get, "/v1/items/{code}/implementations/{city}/versions/{version}"},
    {http::Method::get, "/v1/resources/{id}/records/{subject}"},
    {http::Method::put, "/v1/resources/{id}/records/{subject}"},
    {http::Method::get, "/v1/agreements"},
    {http::Method::post, "/v1/agreements"},
    {http::Method::get, "/v1/agreements/{id}"},
    {http::Method::post, "/v1/agreements/{id}/countersign"},
    {http::Method::get, "/v1/cases"},
    {http::Method::post, "/v1/cases"},
    {http::Method::get, "/v1/cases/{id}"},
    {http::Method::get, "/v1/cases/{id}/timeline"},
    {http::Method::post, "/v1/cases/{id}/receive"},
    {http::Method::post, "/v1/cases/{id}/rating"},
    {http::Method::patch, "/v1/subjects/{id}"},
    {http::Method::del, "/v1/sessions/current"},
    {http::Method::get, "/.well-known/jwks.json"},
    {http::Method::get, "/healthz"},
    {http::Method::get, "/"},
};

std::size_t count_params(std::string_view pattern) {
  std::size_t n = 0;
  for (char c : pattern) n += c == '{';
  return n;
}

const http::Router& router() {
  static const auto r = [] {
    auto router = std::make_unique<http::Router>();
    for (const auto& [method, pattern] : kRoutes) {
      router->add(method, std::string(pattern), [p = pattern](http::Request& req) {
        if (req.route != p || req.params.size() != count_params(p)) std::abort();
        for (const auto& [name, value] : req.params) {
          if (req.param(name) != value) std::abort();
        }
        return http::Response::text(200, "ok");
      });
    }
    return router;
  }();
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto line_end = in.find('\n');
  const auto first = in.substr(0, line_end);
  in = line_end == std::string_view::npos ? std::string_view{} : in.substr(line_end + 1);
  const auto type_end = in.find('\n');
  const auto content_type = in.substr(0, type_end);
  const auto body =
      type_end == std::string_view::npos ? std::string_view{} : in.substr(type_end + 1);

  const auto space = first.find(' ');
  http::Request req;
  req.method = http::parse_method(first.substr(0, space));
  req.target = space == std::string_view::npos ? std::string("/") : first.substr(space + 1);
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.emplace_back("Content-Type", content_type);
  req.body = body;

  const auto res = router().dispatch(req);
  switch (res.status) {
    case 200:
    case 404:
      break;
    case 405: {
      const auto* allow = res.header("Allow");
      if (!allow || allow->empty()) std::abort();
      break;
    }
    default:
      std::abort();
  }
  for (const char* name : {"page", "q", "city", ""}) (void)req.query_param(name);
  auto json = http::json_body(req);
  if (!json && (json.error().field.empty() || json.error().rule.empty())) std::abort();
  return 0;
}

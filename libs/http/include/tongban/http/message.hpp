// Our own HTTP request/response types: service code never includes Beast (build time).
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tongban/core/trace.hpp"

namespace tongban::http {

enum class Method { get, head, post, put, patch, del, options, other };

std::string_view to_string(Method m);
Method parse_method(std::string_view text);

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup; nullptr when absent.
const std::string* find_header(const Headers& headers, std::string_view name);

struct Request {
  Method method = Method::get;
  std::string target;  // as received: path and query
  std::string path;    // path as received (percent-encoded); the router decodes segments
  std::string query;   // raw query string without '?'
  Headers headers;
  std::string body;
  std::string remote;  // peer address

  // Filled by the server and router.
  std::vector<std::pair<std::string, std::string>> params;  // path parameters
  std::string route;                                        // the matched pattern
  std::string request_id;                                   // X-Request-Id in or new
  TraceContext trace;  // this server span: child of the caller's traceparent

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  // Path parameter by name ("" when the route has none of that name).
  std::string_view param(std::string_view name) const;
  // Decoded query parameter; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
  static Response empty(int status) { return Response{status, {}, {}}; }

  Response& set_header(std::string name, std::string value);
  const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

}  // namespace tongban::http

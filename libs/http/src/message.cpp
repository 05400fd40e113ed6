#include "tongban/http/message.hpp"

#include <strings.h>

#include <boost/json/serialize.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

namespace tongban::http {

std::string_view to_string(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
    case Method::other:
      return "OTHER";
  }
  return "OTHER";
}

Method parse_method(std::string_view t) {
  if (t == "GET") return Method::get;
  if (t == "HEAD") return Method::head;
  if (t == "POST") return Method::post;
  if (t == "PUT") return Method::put;
  if (t == "PATCH") return Method::patch;
  if (t == "DELETE") return Method::del;
  if (t == "OPTIONS") return Method::options;
  return Method::other;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return &v;
  }
  return nullptr;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::nullopt;
  for (const auto& p : boost::urls::params_view(*parsed)) {
    if (p.key == name) return std::string(p.has_value ? p.value : std::string());
  }
  return std::nullopt;
}

Response Response::json(int status, const boost::json::value& body) {
  Response r{status, {{"Content-Type", "application/json"}}, boost::json::serialize(body)};
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  return Response{status, {{"Content-Type", std::move(content_type)}}, std::move(body)};
}

Response& Response::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

}  // namespace tongban::http

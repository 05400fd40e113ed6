#include "tongban/http/problem.hpp"

#include <boost/json/serialize.hpp>

#include "tongban/core/json.hpp"

namespace tongban::http {
namespace {

std::string_view title_for(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status >= 500 ? "Server Error" : "Client Error";
  }
}

}  // namespace

int status_for(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return 422;
    case Errc::malformed:
      return 400;
    case Errc::unauthenticated:
      return 401;
    case Errc::forbidden:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::conflict:
      return 409;
    case Errc::payload_too_large:
      return 413;
    case Errc::unsupported_media:
      return 415;
    case Errc::too_many_requests:
      return 429;
    case Errc::unavailable:
      return 503;
    case Errc::timeout:
      return 504;
    case Errc::internal:
      return 500;
  }
  return 500;
}

Response problem(int status, std::string_view title, std::string_view detail,
                 const boost::json::object& extra) {
  boost::json::object doc;
  doc["type"] = "about:blank";
  doc["title"] = title;
  doc["status"] = status;
  doc["detail"] = detail;
  for (const auto& kv : extra) doc[kv.key()] = kv.value();
  Response r{status, {{"Content-Type", "application/problem+json"}}, boost::json::serialize(doc)};
  if (status == 401) r.set_header("WWW-Authenticate", "Bearer");
  return r;
}

Response problem(const Error& error, const boost::json::object& extra) {
  const int status = status_for(error.code);
  boost::json::object members;
  // A stable, documented type per rule lets clients branch without parsing prose.
  members["type"] = "urn:tongban:problem:" +
                    (error.rule.empty() ? std::string(to_string(error.code)) : error.rule);
  if (!error.field.empty()) members["field"] = error.field;
  if (!error.rule.empty()) members["rule"] = error.rule;
  members["retryable"] = error.retryable;
  for (const auto& kv : extra) members[kv.key()] = kv.value();
  auto r = problem(status, title_for(status), error.message, members);
  if (error.code == Errc::unavailable || error.code == Errc::too_many_requests) {
    r.set_header("Retry-After", "1");
  }
  return r;
}

Result<boost::json::object> json_body(const Request& req) {
  const auto* type = req.header("Content-Type");
  if (!type ||
      (type->rfind("application/json", 0) != 0 && type->find("+json") == std::string::npos)) {
    return fail(Error{Errc::unsupported_media, "request body must be application/json",
                      "Content-Type", "media_type", false});
  }
  return json::parse_object(req.body);
}

}  // namespace tongban::http

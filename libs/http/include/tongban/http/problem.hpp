// RFC 9457 problem documents: the one place errors become HTTP answers.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"
#include "tongban/http/message.hpp"

namespace tongban::http {

int status_for(Errc code);

// {"type","title","status","detail","field","rule","retryable"} as
// application/problem+json. `extra` members are merged in (e.g. "allowed" transitions).
Response problem(const Error& error, const boost::json::object& extra = {});
Response problem(int status, std::string_view title, std::string_view detail,
                 const boost::json::object& extra = {});

// Parses the body as a JSON object: 415 without a JSON content type, 400 naming the
// parser error otherwise.
Result<boost::json::object> json_body(const Request& req);

}  // namespace tongban::http

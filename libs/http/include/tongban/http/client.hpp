// A blocking HTTP/1.1 client with per-thread keep-alive connections and deadlines:
// JWKS fetches, calls between services, tests.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "tongban/core/result.hpp"
#include "tongban/http/message.hpp"

namespace tongban::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};  // write + whole response
  std::size_t response_body_limit = 8 << 20;
  std::size_t max_idle_per_host = 8;
};

class Client {
 public:
  explicit Client(ClientOptions options = {}) : options_(options) {}

  // `url` is absolute: http://host:port/path?query. Transport failures are
  // Errc::unavailable or Errc::timeout (retryable); any HTTP status is a Response.
  Result<Response> request(Method method, std::string_view url, const Headers& headers = {},
                           std::string body = {}) const;
  Result<Response> get(std::string_view url, const Headers& headers = {}) const {
    return request(Method::get, url, headers);
  }
  Result<Response> post_json(std::string_view url, std::string body, Headers headers = {}) const;

  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
};

}  // namespace tongban::http

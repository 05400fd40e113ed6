// Maps method + path pattern ("/v1/cases/{id}/transitions") to a handler.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/http/message.hpp"

namespace tongban::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  // Run on the I/O thread instead of the worker pool. Only for handlers that never
  // block (health, metrics, pure computation).
  bool inline_io = false;
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Pattern segments are literals or {name}; literals win over parameters.
  // Registering the same method + pattern twice is a programming error (throws at
  // start-up).
  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
  void get(std::string p, Handler h, RouteOptions o = {}) {
    add(Method::get, std::move(p), std::move(h), o);
  }
  void post(std::string p, Handler h, RouteOptions o = {}) {
    add(Method::post, std::move(p), std::move(h), o);
  }
  void put(std::string p, Handler h, RouteOptions o = {}) {
    add(Method::put, std::move(p), std::move(h), o);
  }
  void patch(std::string p, Handler h, RouteOptions o = {}) {
    add(Method::patch, std::move(p), std::move(h), o);
  }
  void del(std::string p, Handler h, RouteOptions o = {}) {
    add(Method::del, std::move(p), std::move(h), o);
  }

  struct Match {
    const Route* route = nullptr;  // null: see allowed
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<Method> allowed;  // non-empty when the path exists with other methods
  };
  Match match(Method method, std::string_view path) const;

  // Every registered route, for per-route metrics.
  std::vector<const Route*> routes() const;

  // Routes answering 404/405/HEAD go through this so problem documents are uniform.
  Response dispatch(Request& req) const;
  // Same, but with a match already made (the server matches first to pick a thread).
  Response dispatch(Request& req, const Match& m) const;

 private:
  struct Node;
  std::unique_ptr<Node> root_;
};

}  // namespace tongban::http

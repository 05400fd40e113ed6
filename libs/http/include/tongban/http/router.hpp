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

// How an asynchronous handler answers. Copyable; callable from any thread; the request it
// was given stays valid until the answer.
class Responder {
 public:
  struct Impl;
  explicit Responder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  // Sends `res`. Only the first answer counts, on any copy; a request whose copies are all
  // dropped unanswered gets a 500, so a forgotten path cannot hang a connection.
  void operator()(Response res) const;
  // Runs `handler` on the worker pool and sends what it returns (503 when the pool's queue
  // is full): for a request the handler finds it cannot finish without blocking.
  void to_workers(Handler handler) const;

 private:
  std::shared_ptr<Impl> impl_;
};

// Runs on the I/O thread and must not block: it answers through the Responder, at once or
// from another thread's callback (an asynchronous Redis reply), or hands the request to
// the worker pool.
using AsyncHandler = std::function<void(Request&, Responder)>;

struct RouteOptions {
  // Run on the I/O thread instead of the worker pool. Only for handlers that never
  // block (health, metrics, pure computation).
  bool inline_io = false;
};

struct Route {
  Method method;
  std::string pattern;
  Handler handler;  // one of the two is set
  AsyncHandler async_handler;
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
  // A route whose handler answers through a Responder (served by Server only).
  void add_async(Method method, std::string pattern, AsyncHandler handler);
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
  // An asynchronous route answers 500 here: only the server can serve it.
  Response dispatch(Request& req, const Match& m) const;
  // Fills the request's path parameters and route pattern from a match.
  static void bind(Request& req, const Match& m);

 private:
  void insert(Route route);
  struct Node;
  std::unique_ptr<Node> root_;
};

}  // namespace tongban::http

#include "tongban/http/router.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "tongban/http/problem.hpp"

namespace tongban::http {

// A segment trie: literal children first, then one parameter child.
struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::vector<Route> routes;  // one per method
};

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto end = path.find('/', i);
    const auto stop = end == std::string_view::npos ? path.size() : end;
    out.push_back(path.substr(i, stop - i));
    i = stop;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one path segment; false when a %-escape is malformed.
bool pct_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  insert(Route{method, std::move(pattern), std::move(handler), {}, options});
}

void Router::add_async(Method method, std::string pattern, AsyncHandler handler) {
  insert(Route{method, std::move(pattern), {}, std::move(handler), {}});
}

void Router::insert(Route route) {
  const auto& pattern = route.pattern;
  Node* node = root_.get();
  for (auto seg : split_path(pattern)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      const std::string name(seg.substr(1, seg.size() - 2));
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      } else if (node->param_name != name) {
        throw std::logic_error("route " + pattern + ": parameter {" + name + "} conflicts with {" +
                               node->param_name + "}");
      }
      node = node->param.get();
    } else {
      auto& child = node->literals[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  for (const auto& r : node->routes) {
    if (r.method == route.method) throw std::logic_error("route registered twice: " + pattern);
  }
  node->routes.push_back(std::move(route));
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match m;
  const Node* node = root_.get();
  std::string decoded;
  for (auto seg : split_path(path)) {
    if (!pct_decode(seg, decoded)) return m;
    if (auto it = node->literals.find(decoded); it != node->literals.end()) {
      node = it->second.get();
    } else if (node->param) {
      m.params.emplace_back(node->param_name, decoded);
      node = node->param.get();
    } else {
      return m;
    }
  }
  const Method want = method == Method::head ? Method::get : method;
  for (const auto& r : node->routes) {
    if (r.method == want) {
      m.route = &r;
      return m;
    }
  }
  for (const auto& r : node->routes) m.allowed.push_back(r.method);
  return m;
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const auto& r : n->routes) out.push_back(&r);
    for (const auto& [_, child] : n->literals) stack.push_back(child.get());
    if (n->param) stack.push_back(n->param.get());
  }
  return out;
}

Response Router::dispatch(Request& req) const { return dispatch(req, match(req.method, req.path)); }

Response Router::dispatch(Request& req, const Match& m) const {
  if (!m.route) {
    if (!m.allowed.empty()) {
      std::string allow;
      for (auto meth : m.allowed) {
        if (!allow.empty()) allow += ", ";
        allow += to_string(meth);
      }
      auto r = problem(405, "Method Not Allowed",
                       std::string(to_string(req.method)) + " is not allowed on " + req.path);
      r.set_header("Allow", allow);
      return r;
    }
    return problem(404, "Not Found", "no route for " + req.path);
  }
  bind(req, m);
  if (!m.route->handler) {
    return problem(Error::internal("asynchronous route " + req.route + " needs the server"));
  }
  return m.route->handler(req);
}

void Router::bind(Request& req, const Match& m) {
  req.params = m.params;
  if (m.route) req.route = m.route->pattern;
}

}  // namespace tongban::http

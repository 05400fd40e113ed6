// Beast/Asio stay in this file. Each calling thread owns an io_context and its idle
// keep-alive connections, so the client needs no locks and blocks only its caller.
#include "tongban/http/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <memory>
#include <unordered_map>

namespace tongban::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

struct Connection {
  explicit Connection(asio::io_context& ioc) : stream(ioc) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

struct ThreadState {
  asio::io_context ioc{1};
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

struct Target {
  std::string host;
  std::string port;
  std::string target;
  std::string host_header;
};

Result<Target> parse_url(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return fail(Error::invalid("url", "uri", "not an absolute URL: " + std::string(url)));
  if (u->scheme() != "http") {
    return fail(Error::invalid("url", "scheme", "only http:// is supported: " + std::string(url)));
  }
  Target t;
  t.host = u->host_address();
  if (t.host.empty()) return fail(Error::invalid("url", "host", "URL has no host"));
  t.port = u->has_port() ? std::string(u->port()) : "80";
  t.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.target += "?" + std::string(u->encoded_query());
  t.host_header = std::string(u->encoded_host_and_port());
  return t;
}

enum class Stage { connect, write, read };

struct Attempt {
  boost::system::error_code ec;
  Stage stage = Stage::connect;
  bool got_bytes = false;
  std::optional<bhttp::response<bhttp::string_body>> response;
};

asio::awaitable<void> exchange(Connection& conn, const Target& t, bool fresh,
                               bhttp::request<bhttp::string_body>& req, const ClientOptions& opts,
                               Attempt& out) {
  auto& ec = out.ec;
  if (fresh) {
    out.stage = Stage::connect;
    tcp::resolver resolver(conn.stream.get_executor());
    auto endpoints =
        co_await resolver.async_resolve(t.host, t.port, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    conn.stream.expires_after(opts.connect_timeout);
    co_await conn.stream.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    conn.stream.socket().set_option(tcp::no_delay(true), ec);
  }
  out.stage = Stage::write;
  conn.stream.expires_after(opts.request_timeout);
  co_await bhttp::async_write(conn.stream, req, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return;
  out.stage = Stage::read;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(opts.response_body_limit);
  co_await bhttp::async_read(conn.stream, conn.buffer, parser,
                             asio::redirect_error(use_awaitable, ec));
  out.got_bytes = parser.got_some();
  if (ec) co_return;
  out.response = parser.release();
}

Error transport_error(const Attempt& a, const Target& t) {
  const std::string where = t.host + ":" + t.port;
  if (a.ec == beast::error::timeout) {
    return Error::timeout(std::string(a.stage == Stage::connect ? "connect to " : "request to ") +
                          where + " timed out");
  }
  return Error::unavailable("request to " + where + " failed: " + a.ec.message());
}

}  // namespace

Result<Response> Client::request(Method method, std::string_view url, const Headers& headers,
                                 std::string body) const {
  auto target = parse_url(url);
  if (!target) return fail(std::move(target.error()));
  auto& ts = thread_state();
  const std::string key = target->host + ":" + target->port;

  bhttp::request<bhttp::string_body> req;
  req.method_string(to_string(method));
  req.target(target->target);
  req.version(11);
  req.set(bhttp::field::host, target->host_header);
  req.set(bhttp::field::user_agent, "tongban-http-client");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();

  // A pooled connection may have been closed by the server meanwhile: one retry on a
  // fresh connection when the failure came before any response byte.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> conn;
    auto& pool = ts.idle[key];
    const bool fresh = pool.empty();
    if (fresh) {
      conn = std::make_unique<Connection>(ts.ioc);
    } else {
      conn = std::move(pool.back());
      pool.pop_back();
    }
    Attempt result;
    ts.ioc.restart();
    asio::co_spawn(ts.ioc, exchange(*conn, *target, fresh, req, options_, result),
                   [](std::exception_ptr) {});
    ts.ioc.run();
    if (result.ec || !result.response) {
      const bool stale = !fresh && !result.got_bytes && result.ec != beast::error::timeout;
      if (stale) {
        pool.clear();  // the peer likely restarted: its other idle sockets are dead too
        continue;
      }
      return fail(transport_error(result, *target));
    }
    auto& in = *result.response;
    Response out;
    out.status = static_cast<int>(in.result_int());
    for (const auto& f : in) out.headers.emplace_back(f.name_string(), f.value());
    out.body = std::move(in.body());
    if (in.keep_alive() && pool.size() < options_.max_idle_per_host) {
      pool.push_back(std::move(conn));
    }
    return out;
  }
  return fail(Error::unavailable("request to " + key + " failed after a retry"));
}

Result<Response> Client::post_json(std::string_view url, std::string body, Headers headers) const {
  headers.emplace_back("Content-Type", "application/json");
  return request(Method::post, url, headers, std::move(body));
}

}  // namespace tongban::http

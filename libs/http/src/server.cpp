// Beast/Asio stay in this file: services include only tongban/http/*.hpp.
#include "tongban/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <ctime>
#include <latch>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/thread_name.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/metrics/registry.hpp"

namespace tongban::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

// Per-route RED metrics with the label lookups done once, not per request.
class RouteMetrics {
 public:
  RouteMetrics(prometheus::Family<prometheus::Counter>& requests,
               prometheus::Family<prometheus::Histogram>& durations, const std::string& route,
               const std::string& method)
      : requests_(requests),
        route_(route),
        method_(method),
        duration_(
            durations.Add({{"route", route}, {"method", method}}, metrics::latency_buckets())) {
    for (auto& c : by_status_) c.store(nullptr, std::memory_order_relaxed);
  }

  void observe(int status, double seconds) {
    duration_.Observe(seconds);
    if (status < 100 || status > 599) status = 599;
    auto& slot = by_status_[static_cast<std::size_t>(status - 100)];
    auto* c = slot.load(std::memory_order_acquire);
    if (!c) {
      // Family::Add is thread-safe and returns the same counter for the same labels.
      c = &requests_.Add(
          {{"route", route_}, {"method", method_}, {"status", std::to_string(status)}});
      slot.store(c, std::memory_order_release);
    }
    c->Increment();
  }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  std::string route_;
  std::string method_;
  prometheus::Histogram& duration_;
  std::array<std::atomic<prometheus::Counter*>, 500> by_status_;
};

struct ServerMetrics {
  explicit ServerMetrics(prometheus::Registry& reg)
      : requests(prometheus::BuildCounter()
                     .Name("http_server_requests_total")
                     .Help("HTTP requests served, by route pattern, method and status")
                     .Register(reg)),
        durations(prometheus::BuildHistogram()
                      .Name("http_server_request_duration_seconds")
                      .Help("Time from a request fully read to its response written")
                      .Register(reg)),
        in_flight(prometheus::BuildGauge()
                      .Name("http_server_in_flight_requests")
                      .Help("Requests being handled")
                      .Register(reg)
                      .Add({})),
        connections(prometheus::BuildGauge()
                        .Name("http_server_open_connections")
                        .Help("Open client connections")
                        .Register(reg)
                        .Add({})),
        rejected(prometheus::BuildCounter()
                     .Name("http_server_rejected_total")
                     .Help("Requests or connections refused before a handler ran, by reason")
                     .Register(reg)) {}

  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& connections;
  prometheus::Family<prometheus::Counter>& rejected;
};

class Session;

// Everything sessions share; outlives them because stop() joins all threads.
struct State {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::optional<ServerMetrics> metrics;
  std::unordered_map<const Route*, std::unique_ptr<RouteMetrics>> route_metrics;
  std::unique_ptr<RouteMetrics> unmatched_metrics;

  std::shared_ptr<asio::io_context> ioc_owner;  // ours, or the shared loop of options
  asio::io_context& ioc;
  asio::thread_pool workers;
  std::atomic<std::size_t> queued{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> draining{false};

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session_id = 0;

  State(ServerOptions o, std::shared_ptr<const Router> r)
      : options(std::move(o)),
        router(std::move(r)),
        ioc_owner(options.io_context ? options.io_context
                                     : std::make_shared<asio::io_context>(options.io_threads)),
        ioc(*ioc_owner),
        workers(static_cast<std::size_t>(std::max(1, options.worker_threads))) {
    // Each pool thread takes one naming task and waits there for the others, so every
    // thread gets the name (a profile then tells workers from the I/O thread).
    const auto n = static_cast<std::ptrdiff_t>(std::max(1, options.worker_threads));
    // Shared: a task may still be returning from arrive_and_wait when wait() here is done.
    auto named = std::make_shared<std::latch>(n);
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      asio::post(workers, [named] {
        name_this_thread("http-worker");
        named->arrive_and_wait();
      });
    }
    named->wait();
  }

  void count_rejected(const char* reason) {
    if (metrics) metrics->rejected.Add({{"reason", reason}}).Increment();
  }
  RouteMetrics* metrics_for(const Route* route) {
    if (!metrics) return nullptr;
    if (!route) return unmatched_metrics.get();
    auto it = route_metrics.find(route);
    return it == route_metrics.end() ? nullptr : it->second.get();
  }
};

// A handler that throws broke an invariant: answer 500, keep serving others.
Response threw(const Request& req, const std::exception& e) {
  log::error("handler threw",
             {{"route", req.route}, {"request_id", req.request_id}, {"what", e.what()}});
  return problem(Error::internal("internal error; request id " + req.request_id));
}

template <class Run>
Response guarded(Request& req, Run&& run) {
  try {
    return run();
  } catch (const std::exception& e) {
    return threw(req, e);
  }
}

}  // namespace

// One asynchronous request's answer: the suspended session's completion handler, resumed
// once on the session's executor by whichever copy of the Responder answers first.
struct Responder::Impl {
  Impl(std::shared_ptr<State> s, asio::any_io_executor e, Request& r,
       asio::any_completion_handler<void(Response)> h)
      : state(std::move(s)), executor(std::move(e)), req(r), handler(std::move(h)) {}
  ~Impl() {
    if (answered.load()) return;
    log::error("async handler dropped a request unanswered",
               {{"route", req.route}, {"request_id", req.request_id}});
    answer(problem(Error::internal("internal error; request id " + req.request_id)));
  }

  void answer(Response res) {
    if (answered.exchange(true)) return;
    asio::post(executor, [h = std::move(handler), r = std::move(res)]() mutable {
      std::move(h)(std::move(r));
    });
  }

  std::shared_ptr<State> state;  // keeps the io_context the answer is posted to
  asio::any_io_executor executor;
  Request& req;
  asio::any_completion_handler<void(Response)> handler;
  std::atomic<bool> answered{false};
};

void Responder::operator()(Response res) const { impl_->answer(std::move(res)); }

void Responder::to_workers(Handler handler) const {
  auto& state = *impl_->state;
  if (state.queued.load() >= state.options.worker_queue_limit) {
    state.count_rejected("worker_queue_full");
    impl_->answer(problem(Error::unavailable("server is at capacity, retry shortly")));
    return;
  }
  state.queued.fetch_add(1);
  asio::post(state.workers, [impl = impl_, handler = std::move(handler)] {
    auto res = guarded(impl->req, [&] { return handler(impl->req); });
    impl->state->queued.fetch_sub(1);
    impl->answer(std::move(res));
  });
}

namespace {

// The caller's X-Request-Id when it is sane, else the trace id: one id to grep for.
std::string request_id_for(const std::string* given, const TraceContext& trace) {
  if (given && !given->empty() && given->size() <= 128) {
    bool ok = true;
    for (char c : *given) ok = ok && c > 0x20 && c < 0x7f;
    if (ok) return *given;
  }
  return trace.trace_id;
}

// "HTTP/1.1 200 OK\r\n" style status lines, built once.
const std::string& status_line(int status) {
  static const auto kLines = [] {
    std::array<std::string, 600> lines;
    for (int code = 100; code < 600; ++code) {
      auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(code));
      lines[static_cast<std::size_t>(code)] = "HTTP/1.1 " + std::to_string(code) + " " +
                                              std::string(reason.empty() ? "Unknown" : reason) +
                                              "\r\n";
    }
    return lines;
  }();
  return kLines[static_cast<std::size_t>(status >= 100 && status < 600 ? status : 500)];
}

// The Date header, formatted at most once a second per thread.
const std::string& date_header() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

bool header_safe(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

using SteadyRep = std::chrono::steady_clock::rep;
SteadyRep steady_now() { return std::chrono::steady_clock::now().time_since_epoch().count(); }
SteadyRep after(std::chrono::milliseconds d) {
  return steady_now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(d).count();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<State> state, tcp::socket socket, std::uint64_t id)
      : state_(std::move(state)),
        socket_(std::move(socket)),
        id_(id),
        buffer_(state_->options.header_limit + 64 * 1024) {}

  ~Session() {
    std::lock_guard lock(state_->sessions_mutex);
    state_->sessions.erase(id_);
    if (state_->metrics) state_->metrics->connections.Decrement();
    state_->sessions_cv.notify_all();
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    boost::system::error_code ec;
    boost::system::error_code ignored;
    remote_ = socket_.remote_endpoint(ignored).address().to_string();
    bool first = true;
    for (;;) {
      if (buffer_.size() == 0) {
        // Idle on a kept-alive connection: the only phase a drain may cut short.
        if (state_->draining) break;
        idle_ = true;
        idle_since_.store(steady_now(), std::memory_order_relaxed);
        // A new connection owes its first request within the read timeout: a client that
        // connects and says nothing must not hold a slot for the keep-alive idle time.
        deadline_.store(after(first ? state_->options.read_timeout : state_->options.idle_timeout),
                        std::memory_order_relaxed);
        first = false;
        const auto n = co_await socket_.async_read_some(buffer_.prepare(4096),
                                                        asio::redirect_error(use_awaitable, ec));
        idle_ = false;
        idle_since_.store(0, std::memory_order_relaxed);
        if (ec) break;
        buffer_.commit(n);
      }
      // One deadline for the whole request: a slow client cannot hold a worker.
      deadline_.store(after(state_->options.read_timeout), std::memory_order_relaxed);
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(state_->options.body_limit);
      parser.header_limit(static_cast<std::uint32_t>(state_->options.header_limit));
      parser.eager(true);
      co_await read_request(parser, ec);
      if (ec) {
        co_await answer_read_error(ec);
        break;
      }
      // The handler's time is not the client's: no deadline until the write.
      deadline_.store(std::numeric_limits<SteadyRep>::max(), std::memory_order_relaxed);
      const auto started = std::chrono::steady_clock::now();
      state_->in_flight.fetch_add(1);
      if (state_->metrics) state_->metrics->in_flight.Increment();
      auto& in = parser.get();
      Request req = convert(in);
      const bool keep_alive = in.keep_alive();
      const bool http10 = in.version() == 10;

      auto match = state_->router->match(req.method, req.path);
      Response res;
      if (!match.route || match.route->options.inline_io) {
        res = guarded_dispatch(req, match);
      } else if (match.route->async_handler) {
        res = co_await serve_async(req, match);
      } else if (state_->queued.load() >= state_->options.worker_queue_limit) {
        state_->count_rejected("worker_queue_full");
        res = problem(Error::unavailable("server is at capacity, retry shortly"));
      } else {
        state_->queued.fetch_add(1);
        res = co_await asio::co_spawn(
            state_->workers,
            [this, &req, &match]() -> asio::awaitable<Response> {
              co_return guarded_dispatch(req, match);
            },
            use_awaitable);
        state_->queued.fetch_sub(1);
      }
      const bool close = !keep_alive || state_->draining;
      co_await write(res, req, close, http10, ec);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (auto* m = state_->metrics_for(match.route)) m->observe(res.status, seconds);
      if (state_->metrics) state_->metrics->in_flight.Decrement();
      state_->in_flight.fetch_sub(1);
      state_->sessions_cv.notify_all();
      if (res.status >= 500) {
        log::warn("request failed", {{"status", res.status},
                                     {"method", to_string(req.method)},
                                     {"route", req.route.empty() ? req.path : req.route},
                                     {"request_id", req.request_id},
                                     {"duration_ms", seconds * 1000}});
      } else if (log::enabled(log::Level::debug)) {
        log::debug("request", {{"status", res.status},
                               {"method", to_string(req.method)},
                               {"route", req.route},
                               {"request_id", req.request_id},
                               {"duration_ms", seconds * 1000}});
      }
      if (ec || close) break;
    }
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  // On the session's executor: a drain closes a connection waiting for its next
  // request; one with a request in hand finishes it first.
  void on_drain() {
    if (idle_) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    }
  }
  // At the connection limit (on this session's executor): closes the connection if it is
  // still waiting for a request, to make room for a new one.
  void on_evict() { on_drain(); }
  // Since when the connection waits for a request (steady clock), 0 while it has one.
  // Read from the acceptor's executor, hence atomic.
  SteadyRep idle_since() const { return idle_since_.load(std::memory_order_relaxed); }
  // Chosen for eviction: not to be chosen again while the close is on its way.
  void mark_evicted() { idle_since_.store(0, std::memory_order_relaxed); }
  void force_close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
  // Called by the server's sweeper (on this session's executor) when the deadline of the
  // current phase may have passed: cancel the pending operation.
  void on_deadline() {
    if (steady_now() < deadline_.load(std::memory_order_relaxed)) return;
    timed_out_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    deadline_.store(std::numeric_limits<SteadyRep>::max(), std::memory_order_relaxed);
  }
  bool past_deadline(SteadyRep now) const {
    return now >= deadline_.load(std::memory_order_relaxed);
  }
  asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  // Feeds the parser from the buffer, reading more only when it needs more: a request
  // that arrived whole costs no further read.
  asio::awaitable<void> read_request(bhttp::request_parser<bhttp::string_body>& parser,
                                     boost::system::error_code& ec) {
    // Beast applies its header limit only to what one put() is given beyond the fields it has
    // already consumed, so a header fed in pieces could grow to about twice the limit (found
    // by tests/abuse). The whole header's budget is kept here instead: the parser is never
    // given more header bytes than the limit leaves.
    std::size_t header_left = state_->options.header_limit;
    for (;;) {
      if (buffer_.size() > 0) {
        const bool in_header = !parser.is_header_done();
        asio::const_buffer data = buffer_.data();
        if (in_header && data.size() > header_left) {
          data = asio::const_buffer(data.data(), header_left);
        }
        const auto used = parser.put(data, ec);
        buffer_.consume(used);
        if (in_header) header_left -= std::min(used, header_left);
        if (ec == bhttp::error::need_more) {
          ec = {};
        } else if (ec) {
          co_return;
        }
        if (parser.is_done()) co_return;
        if (!parser.is_header_done()) {
          // The rest of the header cannot end within the limit.
          if (buffer_.size() >= header_left) {
            ec = bhttp::error::header_limit;
            co_return;
          }
        } else if (in_header && buffer_.size() > 0) {
          continue;  // the header ended inside the window: the body bytes behind it next
        }
      }
      if (buffer_.size() == buffer_.max_size()) {
        ec = bhttp::error::header_limit;
        co_return;
      }
      const auto room = std::min<std::size_t>(buffer_.max_size() - buffer_.size(), 16 * 1024);
      const auto n = co_await socket_.async_read_some(buffer_.prepare(room),
                                                      asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (timed_out_) ec = beast::error::timeout;
        co_return;
      }
      buffer_.commit(n);
    }
  }

  Request convert(bhttp::request<bhttp::string_body>& in) {
    Request req;
    req.method = parse_method(in.method_string());
    req.target = std::string(in.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    req.headers.reserve(8);
    for (const auto& f : in) req.headers.emplace_back(f.name_string(), f.value());
    req.body = std::move(in.body());
    req.remote = remote_;
    const auto* tp = req.header("traceparent");
    auto parent = tp ? TraceContext::parse(*tp) : std::nullopt;
    req.trace = parent ? parent->child() : TraceContext::start();
    req.request_id = request_id_for(req.header("X-Request-Id"), req.trace);
    return req;
  }

  Response guarded_dispatch(Request& req, const Router::Match& match) {
    return guarded(req, [&] { return state_->router->dispatch(req, match); });
  }

  // The handler runs here, on the I/O thread; the session waits for its Responder.
  asio::awaitable<Response> serve_async(Request& req, const Router::Match& match) {
    Router::bind(req, match);
    co_return co_await asio::async_initiate<decltype(use_awaitable), void(Response)>(
        [this, &req, &match](auto handler) {
          Responder respond(
              std::make_shared<Responder::Impl>(state_, executor(), req, std::move(handler)));
          try {
            match.route->async_handler(req, respond);
          } catch (const std::exception& e) {
            respond(threw(req, e));  // unless it answered before throwing
          }
        },
        use_awaitable);
  }

  // Serialised by hand into one buffer and sent with one write: the response shape is
  // ours, and Beast's generic serializer costs more than the rest of a request.
  asio::awaitable<void> write(Response& res, const Request& req, bool close, bool http10,
                              boost::system::error_code& ec) {
    const bool no_body = res.status == 204 || res.status == 304 || res.status < 200;
    std::string& out = out_;
    out.clear();
    out += status_line(res.status);
    out += "Server: ";
    out += state_->options.server_name;
    out += "\r\n";
    out += date_header();
    bool has_request_id = false;
    for (const auto& [k, v] : res.headers) {
      if (!header_safe(k) || !header_safe(v) || k.empty()) {
        log::error("response header dropped: CR/LF in name or value", {{"name", k}});
        continue;
      }
      if (beast::iequals(k, "Content-Length") || beast::iequals(k, "Connection")) continue;
      has_request_id = has_request_id || beast::iequals(k, "X-Request-Id");
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (!has_request_id && !req.request_id.empty()) {
      out += "X-Request-Id: ";
      out += req.request_id;
      out += "\r\n";
    }
    if (!no_body) {
      out += "Content-Length: ";
      out += std::to_string(res.body.size());
      out += "\r\n";
    }
    if (close) {
      out += "Connection: close\r\n";
    } else if (http10) {
      out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!no_body && req.method != Method::head) out += res.body;
    deadline_.store(after(state_->options.write_timeout), std::memory_order_relaxed);
    co_await asio::async_write(socket_, asio::buffer(out), asio::redirect_error(use_awaitable, ec));
    if (out.capacity() > 64 * 1024) std::string().swap(out);  // keep idle sessions small
  }

  asio::awaitable<void> answer_read_error(const boost::system::error_code& ec) {
    std::optional<Response> res;
    if (ec == bhttp::error::body_limit) {
      state_->count_rejected("body_limit");
      res = problem(Error{Errc::payload_too_large,
                          "request body exceeds the limit of " +
                              std::to_string(state_->options.body_limit) + " bytes",
                          "body", "max_body_size", false});
    } else if (ec == bhttp::error::header_limit) {
      state_->count_rejected("header_limit");
      res = problem(431, "Request Header Fields Too Large",
                    "request headers exceed the limit of " +
                        std::to_string(state_->options.header_limit) + " bytes");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      state_->count_rejected("bad_request");
      res = problem(400, "Bad Request", "malformed HTTP request: " + ec.message());
    } else if (ec == beast::error::timeout) {
      state_->count_rejected("read_timeout");
    }
    if (!res) co_return;  // timeouts, resets, clean closes: nothing to answer
    Request req;
    req.request_id = ids::random_hex(16);
    boost::system::error_code wec;
    co_await write(*res, req, true, false, wec);
    if (wec) co_return;
    // Lingering close: a client still sending its oversize body would get a reset, and
    // lose our answer, if we closed now. Read and discard for a bounded while first.
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    deadline_.store(after(std::chrono::milliseconds(2000)), std::memory_order_relaxed);
    std::size_t discarded = 0;
    while (discarded < 8 * 1024 * 1024) {
      buffer_.clear();
      const auto n = co_await socket_.async_read_some(buffer_.prepare(64 * 1024),
                                                      asio::redirect_error(use_awaitable, wec));
      if (wec) break;
      discarded += n;
    }
  }

  std::shared_ptr<State> state_;
  tcp::socket socket_;
  std::uint64_t id_;
  beast::flat_buffer buffer_;
  std::string out_;
  std::string remote_;
  std::atomic<SteadyRep> deadline_{std::numeric_limits<SteadyRep>::max()};
  bool idle_ = false;
  std::atomic<SteadyRep> idle_since_{0};
  bool timed_out_ = false;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(std::shared_ptr<State> state, tcp::acceptor acceptor)
      : state_(std::move(state)),
        acceptor_(std::move(acceptor)),
        sweep_timer_(acceptor_.get_executor()),
        work_(asio::make_work_guard(state_->ioc)) {
    port_ = acceptor_.local_endpoint().port();
    spawn_loop(accept_loop());
    spawn_loop(sweep_deadlines());
    if (state_->options.io_context) return;  // the loop's owner runs it
    for (int i = 0; i < std::max(1, state_->options.io_threads); ++i) {
      threads_.emplace_back([this] {
        name_this_thread("http-io");
        state_->ioc.run();
      });
    }
  }

  ~ServerImpl() override { stop(std::chrono::milliseconds(0)); }

  std::uint16_t port() const override { return port_; }
  std::size_t in_flight() const override { return state_->in_flight.load(); }
  std::size_t connections() const override {
    std::lock_guard lock(state_->sessions_mutex);
    return state_->sessions.size();
  }

  void stop(std::chrono::milliseconds drain) override {
    if (stopped_.exchange(true)) return;
    state_->draining = true;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    for_each_session([](Session& s) { s.on_drain(); });
    {
      std::unique_lock lock(state_->sessions_mutex);
      state_->sessions_cv.wait_for(lock, drain, [&] { return state_->sessions.empty(); });
    }
    for_each_session([](Session& s) { s.force_close(); });
    {
      // Closed sockets end their sessions promptly; bounded wait, then stop regardless.
      std::unique_lock lock(state_->sessions_mutex);
      state_->sessions_cv.wait_for(lock, std::chrono::seconds(2),
                                   [&] { return state_->sessions.empty(); });
    }
    // The accept loop ended when the acceptor closed; the sweeper ends once woken. Both
    // use this object, so they must be over before it goes (on a shared loop nothing else
    // stops them).
    asio::post(acceptor_.get_executor(), [this] { sweep_timer_.cancel(); });
    {
      std::unique_lock lock(loops_mutex_);
      if (!loops_done_.wait_for(lock, std::chrono::seconds(5), [&] { return loops_ == 0; })) {
        log::error("http server loops still running at stop; is the shared loop running?",
                   {{"port", port_}});
      }
    }
    work_.reset();
    if (!state_->options.io_context) state_->ioc.stop();
    for (auto& t : threads_) t.join();
    state_->workers.join();
    log::info("http server stopped", {{"port", port_}});
  }

 private:
  void for_each_session(void (*fn)(Session&)) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(state_->sessions_mutex);
      for (auto& [_, weak] : state_->sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) asio::post(s->executor(), [s, fn] { fn(*s); });
  }

  // The session that has waited longest for a request; null when every one has a request
  // in hand. sessions_mutex held.
  std::shared_ptr<Session> longest_idle_locked() {
    std::shared_ptr<Session> best;
    SteadyRep best_since = std::numeric_limits<SteadyRep>::max();
    for (auto& [_, weak] : state_->sessions) {
      auto s = weak.lock();
      if (!s) continue;
      const auto since = s->idle_since();
      if (since != 0 && since < best_since) {
        best = std::move(s);
        best_since = since;
      }
    }
    if (best) best->mark_evicted();
    return best;
  }

  // One timer for all connections instead of one per socket operation: each session
  // keeps the deadline of its current phase, and the sweep cancels what is overdue.
  asio::awaitable<void> sweep_deadlines() {
    const auto& o = state_->options;
    const auto shortest = std::min({o.read_timeout, o.idle_timeout, o.write_timeout});
    const auto tick = std::clamp<std::chrono::milliseconds>(
        shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
    std::vector<std::shared_ptr<Session>> overdue;
    while (!stopped_) {
      sweep_timer_.expires_after(tick);
      boost::system::error_code ec;
      co_await sweep_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
      const auto now = steady_now();
      overdue.clear();
      {
        std::lock_guard lock(state_->sessions_mutex);
        for (auto& [_, weak] : state_->sessions) {
          if (auto sess = weak.lock(); sess && sess->past_deadline(now)) {
            overdue.push_back(std::move(sess));
          }
        }
      }
      for (auto& sess : overdue) {
        asio::post(sess->executor(), [sess] { sess->on_deadline(); });
      }
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      // With one I/O thread the io_context already serialises a session's handlers; a
      // strand would only add a queue hop per operation.
      tcp::socket socket = state_->options.io_threads > 1
                               ? tcp::socket(asio::make_strand(state_->ioc))
                               : tcp::socket(state_->ioc.get_executor());
      co_await acceptor_.async_accept(socket, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open() || state_->draining) co_return;
        if (ec == asio::error::no_descriptors) {
          // Out of file descriptors: back off instead of spinning.
          asio::steady_timer t(acceptor_.get_executor(), std::chrono::milliseconds(50));
          co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        continue;
      }
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(state_->sessions_mutex);
        if (state_->sessions.size() >= state_->options.max_connections) {
          // Full: the connection idle longest makes room, so a flood of connections that
          // send nothing cannot lock others out. With none idle, the new one is refused.
          auto evictee = longest_idle_locked();
          if (!evictee) {
            state_->count_rejected("max_connections");
            beast::error_code ignored;
            socket.close(ignored);
            continue;
          }
          state_->count_rejected("evicted_idle");
          asio::post(evictee->executor(), [evictee] { evictee->on_evict(); });
        }
        socket.set_option(tcp::no_delay(true), ec);
        const auto id = state_->next_session_id++;
        session = std::make_shared<Session>(state_, std::move(socket), id);
        state_->sessions.emplace(id, session);
        if (state_->metrics) state_->metrics->connections.Increment();
      }
      auto exec = session->executor();
      asio::co_spawn(exec, session->run(), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("http session failed", {{"what", ex.what()}});
        }
      });
    }
  }

  void spawn_loop(asio::awaitable<void> loop) {
    {
      std::lock_guard lock(loops_mutex_);
      ++loops_;
    }
    asio::co_spawn(acceptor_.get_executor(), std::move(loop), [this](std::exception_ptr) {
      std::lock_guard lock(loops_mutex_);
      --loops_;
      loops_done_.notify_all();
    });
  }

  std::shared_ptr<State> state_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  std::mutex loops_mutex_;
  std::condition_variable loops_done_;
  int loops_ = 0;  // accept_loop and sweep_deadlines while they run
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(ServerOptions options,
                                              std::shared_ptr<const Router> router,
                                              metrics::Registry* metrics) {
  auto state = std::make_shared<State>(std::move(options), std::move(router));
  if (metrics) {
    state->metrics.emplace(metrics->prom());
    for (const Route* r : state->router->routes()) {
      state->route_metrics.emplace(
          r, std::make_unique<RouteMetrics>(state->metrics->requests, state->metrics->durations,
                                            r->pattern, std::string(to_string(r->method))));
    }
    state->unmatched_metrics = std::make_unique<RouteMetrics>(
        state->metrics->requests, state->metrics->durations, "unmatched", "ANY");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(state->options.address, ec);
  if (ec) {
    return fail(
        Error::invalid("address", "ip_address", "not an IP address: " + state->options.address));
  }
  tcp::acceptor acceptor(asio::make_strand(state->ioc));
  const tcp::endpoint endpoint(address, state->options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(Error::unavailable("cannot listen on " + state->options.address + ":" +
                                   std::to_string(state->options.port) + ": " + ec.message()));
  }
  auto server = std::make_unique<ServerImpl>(state, std::move(acceptor));
  log::info("http server listening",
            {{"address", state->options.address}, {"port", server->port()}});
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace tongban::http

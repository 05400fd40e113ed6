// HTTP/1.1 for the load generator: plain callbacks rather than coroutines, one request
// serialised by hand into one buffer, the response fed to Beast's parser from our own read
// buffer, and one deadline sweep for all connections instead of a timer per operation (the
// same choices that brought libs/http's server to nginx's speed, docs/performance.md).
#include "tongban/loadgen/http_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <deque>
#include <optional>

namespace tongban::loadgen {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct IoLoop::Impl {
  explicit Impl(std::chrono::steady_clock::time_point e) : epoch(e) {}
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
  std::chrono::steady_clock::time_point epoch;
};

IoLoop::IoLoop(std::chrono::steady_clock::time_point epoch)
    : impl_(std::make_unique<Impl>(epoch)) {}
IoLoop::~IoLoop() = default;

Nanos IoLoop::now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              impl_->epoch)
      .count();
}

void IoLoop::at(Nanos when, std::function<void()> fn) {
  if (when <= now()) {
    asio::post(impl_->ioc, std::move(fn));
    return;
  }
  auto timer = std::make_unique<asio::steady_timer>(impl_->ioc,
                                                    impl_->epoch + std::chrono::nanoseconds(when));
  auto& t = *timer;
  t.async_wait([timer = std::move(timer), fn = std::move(fn)](boost::system::error_code ec) {
    if (!ec) fn();
  });
}

void IoLoop::post(std::function<void()> fn) { asio::post(impl_->ioc, std::move(fn)); }
void IoLoop::run() { impl_->ioc.run(); }
void IoLoop::stop() { impl_->ioc.stop(); }

namespace {

struct Pending {
  OutRequest request;
  std::function<void(HttpResult&&)> done;
};

class Pool;

// One keep-alive connection: connect (when closed), write, read one response, repeat.
class Connection {
 public:
  Connection(Pool& pool, asio::io_context& ioc) : pool_(pool), socket_(ioc) {}
  void start(Pending p);
  bool busy() const { return busy_; }
  Nanos deadline() const { return deadline_; }
  void expire();  // the sweep found the deadline passed

 private:
  void connect();
  void write();
  void read();
  void on_read(boost::system::error_code ec, std::size_t n);
  void feed();
  void complete();
  void fail(HttpResult::Outcome outcome, std::string message);
  void close();
  void finish(HttpResult&& result);

  Pool& pool_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  std::string wire_;
  Pending pending_;
  Nanos sent_at_ = -1;
  Nanos deadline_ = INT64_MAX;
  bool busy_ = false;
  bool open_ = false;
  bool reused_ = false;  // this request is not the connection's first
  bool got_bytes_ = false;
  bool timed_out_ = false;
  bool retried_ = false;
};

// The connections to one URL: at most `limit`, requests wait in order for a free one.
class Pool {
 public:
  Pool(IoLoop& loop, const TargetUrl& url, const TransportOptions& options)
      : loop_(loop), url_(url), options_(options) {
    boost::system::error_code ec;
    tcp::resolver resolver(loop_.impl().ioc);
    auto results = resolver.resolve(url_.host, url_.port, ec);
    if (ec) {
      resolve_error_ = "cannot resolve " + url_.host + ":" + url_.port + ": " + ec.message();
    } else {
      endpoints_.assign(results.begin(), results.end());
    }
  }

  void submit(Pending p) {
    if (!idle_.empty()) {
      Connection* c = idle_.back();
      idle_.pop_back();
      c->start(std::move(p));
      return;
    }
    if (all_.size() < options_.connections_per_url) {
      all_.push_back(std::make_unique<Connection>(*this, loop_.impl().ioc));
      all_.back()->start(std::move(p));
      return;
    }
    waiting_.push_back(std::move(p));
  }

  // A connection finished its request: give it the next waiting one, or park it.
  void release(Connection* c) {
    if (!waiting_.empty()) {
      Pending p = std::move(waiting_.front());
      waiting_.pop_front();
      c->start(std::move(p));
      return;
    }
    idle_.push_back(c);
  }

  void sweep(Nanos now) {
    for (auto& c : all_) {
      if (c->busy() && now >= c->deadline()) c->expire();
    }
  }

  std::size_t open() const { return all_.size(); }
  IoLoop& loop() { return loop_; }
  const TargetUrl& url() const { return url_; }
  const TransportOptions& options() const { return options_; }
  const std::vector<tcp::endpoint>& endpoints() const { return endpoints_; }
  const std::string& resolve_error() const { return resolve_error_; }

 private:
  IoLoop& loop_;
  const TargetUrl& url_;
  const TransportOptions& options_;
  std::vector<tcp::endpoint> endpoints_;
  std::string resolve_error_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> idle_;
  std::deque<Pending> waiting_;
};

void Connection::start(Pending p) {
  pending_ = std::move(p);
  busy_ = true;
  timed_out_ = false;
  got_bytes_ = false;
  sent_at_ = -1;
  if (open_) {
    reused_ = true;
    write();
  } else {
    reused_ = false;
    connect();
  }
}

void Connection::connect() {
  if (!pool_.resolve_error().empty()) {
    fail(HttpResult::Outcome::connect_error, pool_.resolve_error());
    return;
  }
  deadline_ = pool_.loop().now() + pool_.options().connect_timeout;
  asio::async_connect(socket_, pool_.endpoints(),
                      [this](boost::system::error_code ec, const tcp::endpoint&) {
                        if (ec) {
                          if (timed_out_) {
                            fail(HttpResult::Outcome::timeout,
                                 "connect to " + pool_.url().host_header + " timed out");
                          } else {
                            fail(HttpResult::Outcome::connect_error,
                                 "connect to " + pool_.url().host_header + ": " + ec.message());
                          }
                          return;
                        }
                        open_ = true;
                        buffer_.clear();
                        socket_.set_option(tcp::no_delay(true), ec);
                        socket_.non_blocking(true, ec);
                        write();
                      });
}

void Connection::write() {
  const auto& r = pending_.request;
  const auto& url = pool_.url();
  wire_.clear();
  wire_ += r.method;
  wire_ += ' ';
  if (r.path.empty() || r.path[0] != '/') {
    wire_ += url.base_path.empty() ? "/" : url.base_path;
    if (!url.base_path.empty() && !r.path.empty()) wire_ += '/';
    wire_ += r.path;
  } else {
    wire_ += url.base_path;
    wire_ += r.path;
  }
  wire_ += " HTTP/1.1\r\nHost: ";
  wire_ += url.host_header;
  wire_ += "\r\nUser-Agent: ";
  wire_ += pool_.options().user_agent;
  wire_ += "\r\n";
  for (const auto& [k, v] : pool_.options().extra_headers) {
    wire_ += k;
    wire_ += ": ";
    wire_ += v;
    wire_ += "\r\n";
  }
  for (const auto& [k, v] : r.headers) {
    wire_ += k;
    wire_ += ": ";
    wire_ += v;
    wire_ += "\r\n";
  }
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    wire_ += "Content-Length: ";
    wire_ += std::to_string(r.body.size());
    wire_ += "\r\n";
  }
  wire_ += "\r\n";
  wire_ += r.body;
  sent_at_ = pool_.loop().now();
  deadline_ = sent_at_ + pool_.options().request_timeout;
  asio::async_write(
      socket_, asio::buffer(wire_), [this](boost::system::error_code ec, std::size_t) {
        if (ec) {
          fail(timed_out_ ? HttpResult::Outcome::timeout : HttpResult::Outcome::io_error,
               "write: " + ec.message());
          return;
        }
        read();
      });
}

void Connection::read() {
  parser_.emplace();
  parser_->body_limit(pool_.options().body_limit);
  parser_->header_limit(64 * 1024);
  parser_->eager(true);
  if (pending_.request.method == "HEAD") parser_->skip(true);
  feed();
}

// Feeds the parser from what was read, reading more only when it needs more.
void Connection::feed() {
  if (buffer_.size() > 0) {
    boost::system::error_code ec;
    const auto used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec && ec != bhttp::error::need_more) {
      fail(HttpResult::Outcome::io_error, "bad response: " + ec.message());
      return;
    }
    if (parser_->is_done()) {
      complete();
      return;
    }
  }
  socket_.async_read_some(buffer_.prepare(16 * 1024),
                          [this](boost::system::error_code ec, std::size_t n) { on_read(ec, n); });
}

void Connection::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec == asio::error::eof && parser_->got_some() && parser_->need_eof()) {
    boost::system::error_code eof_ec;
    parser_->put_eof(eof_ec);
    if (!eof_ec && parser_->is_done()) {
      open_ = false;
      complete();
      return;
    }
  }
  if (ec) {
    if (timed_out_) {
      fail(HttpResult::Outcome::timeout, "no complete response within the request timeout");
    } else {
      fail(HttpResult::Outcome::io_error, "read: " + ec.message());
    }
    return;
  }
  got_bytes_ = true;
  buffer_.commit(n);
  feed();
}

void Connection::complete() {
  auto& msg = parser_->get();
  HttpResult r;
  r.outcome = HttpResult::Outcome::response;
  r.status = static_cast<int>(msg.result_int());
  if (pool_.options().keep_headers) {
    r.headers.reserve(8);
    for (const auto& f : msg) r.headers.emplace_back(f.name_string(), f.value());
  }
  r.body = std::move(msg.body());
  r.sent_at = sent_at_;
  const bool keep_alive = msg.keep_alive();
  parser_.reset();
  if (!keep_alive) close();
  r.done_at = pool_.loop().now();
  finish(std::move(r));
}

void Connection::fail(HttpResult::Outcome outcome, std::string message) {
  const bool was_reused = reused_;
  close();
  // A pooled connection the server closed meanwhile fails before any byte of the response:
  // one retry on a fresh connection, as every HTTP client does.
  if (was_reused && !got_bytes_ && !timed_out_ && !retried_ &&
      outcome == HttpResult::Outcome::io_error) {
    retried_ = true;
    start(std::move(pending_));
    return;
  }
  HttpResult r;
  r.outcome = outcome;
  r.error = std::move(message);
  r.sent_at = sent_at_;
  r.done_at = pool_.loop().now();
  finish(std::move(r));
}

void Connection::finish(HttpResult&& result) {
  auto done = std::move(pending_.done);
  pending_ = Pending{};
  busy_ = false;
  retried_ = false;
  deadline_ = INT64_MAX;
  pool_.release(this);  // may start the next waiting request on this connection
  done(std::move(result));
}

void Connection::expire() {
  timed_out_ = true;
  deadline_ = INT64_MAX;
  boost::system::error_code ec;
  socket_.close(ec);  // the pending operation completes with operation_aborted
}

void Connection::close() {
  boost::system::error_code ec;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  open_ = false;
  parser_.reset();
  buffer_.clear();
}

class HttpTransport final : public Transport {
 public:
  HttpTransport(IoLoop& loop, const std::vector<Target>& targets, TransportOptions options)
      : loop_(loop), options_(std::move(options)), sweep_timer_(loop.impl().ioc) {
    for (const auto& t : targets) {
      std::vector<std::unique_ptr<Pool>> pools;
      for (const auto& u : t.urls) pools.push_back(std::make_unique<Pool>(loop_, u, options_));
      pools_.push_back(std::move(pools));
    }
    next_url_.assign(targets.size(), 0);
    sweep();
  }

  void send(std::size_t target, OutRequest request,
            std::function<void(HttpResult&&)> done) override {
    if (target >= pools_.size() || pools_[target].empty()) {
      HttpResult r;
      r.outcome = HttpResult::Outcome::connect_error;
      r.error = "target has no URL (pass --target)";
      r.done_at = loop_.now();
      // Answer from the loop, not from inside send(): callers expect no re-entrance.
      loop_.post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
      return;
    }
    auto& pools = pools_[target];
    auto& pool = *pools[next_url_[target]++ % pools.size()];
    pool.submit(Pending{std::move(request), std::move(done)});
  }

  std::size_t open_connections() const override {
    std::size_t n = 0;
    for (const auto& pools : pools_) {
      for (const auto& p : pools) n += p->open();
    }
    return n;
  }

 private:
  // Every 10 ms: deadlines are as precise as that.
  void sweep() {
    sweep_timer_.expires_after(std::chrono::milliseconds(10));
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      const Nanos now = loop_.now();
      for (auto& pools : pools_) {
        for (auto& p : pools) p->sweep(now);
      }
      sweep();
    });
  }

  IoLoop& loop_;
  TransportOptions options_;
  asio::steady_timer sweep_timer_;
  std::vector<std::vector<std::unique_ptr<Pool>>> pools_;
  std::vector<std::size_t> next_url_;
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(IoLoop& loop, const std::vector<Target>& targets,
                                               TransportOptions options) {
  return std::make_unique<HttpTransport>(loop, targets, std::move(options));
}

}  // namespace tongban::loadgen

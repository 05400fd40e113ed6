// The Redis client: hiredis async contexts driven by Boost.Asio on the client's I/O thread.
//
// hiredis ships no Asio adapter, so this file is one. hiredis asks for readiness through
// its ev hooks (addRead/addWrite/cleanup); we do not translate those into
// stream_descriptor::async_wait, because Asio registers descriptors edge-triggered and a
// wait queued after the edge (data that arrived while we were busy) would never fire.
// Instead the adapter does the socket I/O itself with ordinary async_read_some /
// async_write, which Asio makes reliable (speculative reads, full writes):
//  - reads: the bytes are fed to the context's reply reader, then redisAsyncHandleRead
//    runs the reply callbacks (its own read() finds the socket drained, or an EOF);
//  - writes: addWrite schedules one flush per turn of the loop, which moves the
//    context's output buffer (every command appended since the last flush) into one
//    async_write, so commands from many callers leave in one syscall;
//  - connect: the only place hiredis does its own I/O, one redisAsyncHandleWrite once
//    the non-blocking connect() becomes writable.
// A hiredis context is single-use after a disconnect: each one lives in a Link, and a
// Connection replaces a dead Link with a new one after a backoff.
#include "tongban/store/redis.hpp"

// sds.h (the type of the context's output buffer) has no extern "C" of its own, and
// hiredis.h includes it outside its extern "C": include it first, with C linkage.
extern "C" {
#include <hiredis/sds.h>
}
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "hiredis_reply.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/thread_name.hpp"

namespace tongban::store {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
// Grace a synchronous caller adds to the deadline before it stops waiting for the
// I/O thread (which itself fails overdue commands within one sweep).
constexpr milliseconds kWaitGrace{1000};

// A command in RESP, formatted by hiredis on the caller's thread so the I/O thread only
// copies bytes.
class Formatted {
 public:
  explicit Formatted(const Command& args) {
    constexpr std::size_t kInline = 16;
    std::array<const char*, kInline> argv_inline;
    std::array<std::size_t, kInline> len_inline;
    std::vector<const char*> argv_heap;
    std::vector<std::size_t> len_heap;
    const char** argv = argv_inline.data();
    std::size_t* lens = len_inline.data();
    if (args.size() > kInline) {
      argv_heap.resize(args.size());
      len_heap.resize(args.size());
      argv = argv_heap.data();
      lens = len_heap.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      argv[i] = args[i].data();
      lens[i] = args[i].size();
    }
    char* target = nullptr;
    int len = redisFormatCommandArgv(&target, static_cast<int>(args.size()), argv, lens);
    if (len > 0) {
      data_.reset(target);
      size_ = static_cast<std::size_t>(len);
    } else if (target != nullptr) {
      redisFreeCommand(target);
    }
  }
  bool ok() const { return data_ != nullptr; }
  const char* data() const { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  struct Free {
    void operator()(char* p) const { redisFreeCommand(p); }
  };
  std::unique_ptr<char, Free> data_;
  std::size_t size_ = 0;
};

struct Call {
  ReplyCallback done;
  SteadyClock::time_point deadline;
  bool finished = false;  // timed out already; the reply, when it comes, is dropped
};

class Connection;

// One hiredis async context and the socket it owns, from connect to cleanup.
class Link : public std::enable_shared_from_this<Link> {
 public:
  Link(asio::io_context& io, std::weak_ptr<Connection> owner)
      : socket(io), connect_timer(io), owner_(std::move(owner)) {}

  redisAsyncContext* ac = nullptr;  // null once hiredis has freed it
  asio::posix::stream_descriptor socket;
  asio::steady_timer connect_timer;
  bool connected = false;
  bool gone = false;          // hiredis called cleanup: the context is dead or about to be
  std::deque<Call> inflight;  // replies arrive in this order

  void wait_connected();
  void start_read();
  void schedule_flush();
  void on_cleanup();
  void sweep(SteadyClock::time_point now);
  void fail_all(const Error& error);

 private:
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void flush();
  void break_connection();

  bool reading_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  std::unique_ptr<std::array<char, 64 * 1024>> rbuf_ =
      std::make_unique<std::array<char, 64 * 1024>>();
  std::string wbuf_;
  std::weak_ptr<Connection> owner_;
};

Link* link_of(const redisAsyncContext* ac) { return static_cast<Link*>(ac->data); }

void hook_add_read(void* data) { static_cast<Link*>(data)->start_read(); }
void hook_add_write(void* data) { static_cast<Link*>(data)->schedule_flush(); }
// Reads are always wanted while connected and writes are flushed on our own schedule,
// so there is nothing to stop.
void hook_del(void*) {}
void hook_cleanup(void* data) { static_cast<Link*>(data)->on_cleanup(); }

void on_reply(redisAsyncContext*, void* raw, void* privdata) {
  auto* link = static_cast<Link*>(privdata);
  if (link->inflight.empty()) return;  // cannot happen: one Call per command sent
  Call call = std::move(link->inflight.front());
  link->inflight.pop_front();
  if (call.finished) return;  // its caller was told "timeout" already
  if (raw == nullptr) {
    // hiredis frees a context with commands in flight by calling them with no reply.
    call.done(fail(Error::unavailable("redis connection lost with the command in flight")));
    return;
  }
  call.done(detail::to_reply(static_cast<redisReply*>(raw)));
}

// One slot of the pool (or a session): keeps a Link alive, replacing it after a backoff.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Redis::Impl& impl, bool reconnect);

  void open();
  void close();
  void on_connected(Link* link);
  void on_link_gone(const std::shared_ptr<Link>& link, const std::string& why);
  Link* live_link() const { return link_ && !link_->gone ? link_.get() : nullptr; }
  bool up() const { return link_ && !link_->gone && link_->connected; }
  void sweep(SteadyClock::time_point now) {
    if (link_) link_->sweep(now);
  }

  // Sessions: told once whether the first connect worked.
  std::function<void(bool)> on_first_result;

 private:
  void schedule_reconnect();

  Redis::Impl& impl_;
  bool reconnect_;
  bool closing_ = false;
  bool was_up_ = false;
  milliseconds backoff_ = kFirstBackoff;
  std::shared_ptr<Link> link_;
  asio::steady_timer retry_timer_;
};

struct Submission {
  std::vector<Formatted> commands;
  std::vector<ReplyCallback> callbacks;  // one per command
  SteadyClock::time_point deadline;
  std::shared_ptr<Connection> target;  // a session's connection; null = the pool
};

}  // namespace

struct Redis::Impl {
  explicit Impl(RedisOptions opts)
      : options(std::move(opts)), work(asio::make_work_guard(io)), sweeper(io) {}

  RedisOptions options;
  // Declared before every I/O object below, so it is destroyed after them. Shared with a
  // server that runs on this loop (Redis::io_context()).
  std::shared_ptr<asio::io_context> io_owner = std::make_shared<asio::io_context>(1);
  asio::io_context& io = *io_owner;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::atomic<std::thread::id> io_thread_id{};
  asio::steady_timer sweeper;
  milliseconds sweep_every{50};

  // I/O thread only.
  bool stopping = false;  // a sweep already queued when shutdown cancels must not re-arm
  std::vector<std::shared_ptr<Connection>> pool;
  std::vector<std::weak_ptr<Connection>> sessions;
  std::size_t next = 0;

  std::atomic<int> connected_count{0};

  std::mutex mu;  // guards queue, drain_posted, closed
  std::vector<Submission> queue;
  bool drain_posted = false;
  bool closed = false;

  void start();
  void shutdown();
  void submit(Submission s);
  void drain();
  void dispatch(Submission& s, bool defer_failures = false);
  // Tells `done` of a failure: now, or (for a caller on the I/O thread, who may still be
  // inside its own async_command) on a later turn of the loop.
  void tell_failure(ReplyCallback& done, Error e, bool later);
  void arm_sweeper();
  Connection* pick();
  bool on_io_thread() const { return std::this_thread::get_id() == io_thread_id.load(); }

  Result<std::vector<Reply>> run_sync(std::span<const Command> commands, milliseconds timeout,
                                      std::shared_ptr<Connection> target);
};

namespace {

void on_connect(const redisAsyncContext* ac, int status) {
  Link* link = link_of(ac);
  if (status != REDIS_OK) return;  // hiredis frees the context next; cleanup reports it
  link->connected = true;
  boost::system::error_code ignored;
  link->connect_timer.cancel();
}

}  // namespace

void Link::wait_connected() {
  socket.async_wait(asio::posix::descriptor_base::wait_write,
                    [self = shared_from_this()](const boost::system::error_code&) {
                      if (self->gone) return;
                      // Checks SO_ERROR; calls on_connect, or frees the context.
                      redisAsyncHandleWrite(self->ac);
                      if (self->gone) return;
                      if (self->connected) {
                        if (auto owner = self->owner_.lock()) owner->on_connected(self.get());
                      } else {
                        self->wait_connected();  // still in progress (spurious wake-up)
                      }
                    });
}

void Link::start_read() {
  if (reading_ || gone || !connected) return;
  reading_ = true;
  socket.async_read_some(asio::buffer(*rbuf_),
                         [self = shared_from_this()](const boost::system::error_code& ec,
                                                     std::size_t n) { self->on_read(ec, n); });
}

void Link::on_read(const boost::system::error_code& ec, std::size_t n) {
  reading_ = false;
  if (gone) return;
  if (ec) {
    // EOF or a socket error: hiredis's own read() will see it and tear the context down,
    // failing what is in flight.
    ::shutdown(ac->c.fd, SHUT_RDWR);
    redisAsyncHandleRead(ac);
    return;
  }
  if (redisReaderFeed(ac->c.reader, rbuf_->data(), n) != REDIS_OK) {
    break_connection();
    return;
  }
  redisAsyncHandleRead(ac);  // runs the reply callbacks; re-arms reading through addRead
}

void Link::schedule_flush() {
  // Before the connect completes hiredis writes its buffer itself (see wait_connected).
  if (!connected || gone || flush_posted_) return;
  flush_posted_ = true;
  asio::post(socket.get_executor(), [self = shared_from_this()] {
    self->flush_posted_ = false;
    self->flush();
  });
}

void Link::flush() {
  if (gone || writing_ || ac == nullptr) return;
  sds obuf = ac->c.obuf;
  std::size_t len = sdslen(obuf);
  if (len == 0) return;
  wbuf_.assign(obuf, len);
  sdsclear(obuf);
  writing_ = true;
  asio::async_write(socket, asio::buffer(wbuf_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (self->gone) return;
                      if (ec) {
                        self->break_connection();
                        return;
                      }
                      self->flush();  // what callers appended while this write was out
                    });
}

void Link::break_connection() {
  if (gone || ac == nullptr) return;
  ::shutdown(ac->c.fd, SHUT_RDWR);  // the pending read completes with EOF → hiredis cleans up
}

void Link::on_cleanup() {
  if (gone) return;
  gone = true;
  std::string why = ac != nullptr && ac->c.errstr[0] != '\0' ? ac->c.errstr : "closed";
  boost::system::error_code ignored;
  connect_timer.cancel();
  // hiredis closes the descriptor itself right after this hook: give it back, which
  // also cancels our pending operations (their handlers see `gone`).
  if (socket.is_open()) socket.release();
  ac = nullptr;
  auto self = shared_from_this();
  asio::post(socket.get_executor(), [self, why] {
    if (auto owner = self->owner_.lock()) {
      owner->on_link_gone(self, why);
    } else {
      self->fail_all(Error::unavailable("redis connection closed"));
    }
  });
}

void Link::sweep(SteadyClock::time_point now) {
  // Collected first: a callback may send another command, which appends to `inflight`.
  std::vector<ReplyCallback> overdue;
  for (Call& call : inflight) {
    if (!call.finished && call.deadline <= now) {
      call.finished = true;
      overdue.push_back(std::move(call.done));
    }
  }
  for (auto& done : overdue) done(fail(Error::timeout("redis command timed out")));
}

void Link::fail_all(const Error& error) {
  std::deque<Call> calls = std::move(inflight);
  inflight.clear();
  for (Call& call : calls) {
    if (!call.finished) call.done(fail(error));
  }
}

Connection::Connection(Redis::Impl& impl, bool reconnect)
    : impl_(impl), reconnect_(reconnect), retry_timer_(impl.io) {}

void Connection::open() {
  if (closing_) return;
  const RedisOptions& opt = impl_.options;
  redisAsyncContext* ac = redisAsyncConnect(opt.host.c_str(), opt.port);
  if (ac == nullptr || ac->err != 0) {
    std::string why = ac != nullptr ? ac->errstr : "out of memory";
    if (ac != nullptr) redisAsyncFree(ac);
    log::warn("redis connect failed", {{"host", opt.host}, {"port", opt.port}, {"error", why}});
    if (on_first_result) std::exchange(on_first_result, nullptr)(false);
    schedule_reconnect();
    return;
  }
  auto link = std::make_shared<Link>(impl_.io, weak_from_this());
  link->ac = ac;
  ac->data = link.get();
  ac->ev.data = link.get();
  ac->ev.addRead = hook_add_read;
  ac->ev.delRead = hook_del;
  ac->ev.addWrite = hook_add_write;
  ac->ev.delWrite = hook_del;
  ac->ev.cleanup = hook_cleanup;
  redisAsyncSetConnectCallback(ac, on_connect);
  link->socket.assign(ac->c.fd);
  if (!opt.password.empty()) {
    // Queued first, so it precedes every command of this connection.
    Formatted auth(Command{"AUTH", opt.password});
    redisAsyncFormattedCommand(ac, on_reply, link.get(), auth.data(), auth.size());
    link->inflight.push_back(
        Call{[](Result<Reply> r) {
               if (!r || r->is_error()) {
                 log::error("redis AUTH failed", {{"error", r ? r->str() : r.error().message}});
               }
             },
             SteadyClock::now() + opt.connect_timeout + opt.command_timeout});
  }
  link_ = link;
  link->wait_connected();
  link->connect_timer.expires_after(opt.connect_timeout);
  link->connect_timer.async_wait([link](const boost::system::error_code& ec) {
    if (ec || link->gone || link->connected) return;
    log::warn("redis connect timed out");
    redisAsyncFree(link->ac);  // → cleanup → on_link_gone → reconnect
  });
}

void Connection::on_connected(Link* link) {
  if (link != link_.get()) return;
  backoff_ = kFirstBackoff;
  if (!was_up_) ++impl_.connected_count;
  was_up_ = true;
  log::debug("redis connected", {{"host", impl_.options.host}, {"port", impl_.options.port}});
  if (on_first_result) std::exchange(on_first_result, nullptr)(true);
}

void Connection::on_link_gone(const std::shared_ptr<Link>& link, const std::string& why) {
  link->fail_all(Error::unavailable("redis connection lost: " + why));
  if (link != link_) return;
  link_.reset();
  if (was_up_) {
    --impl_.connected_count;
    was_up_ = false;
    if (!closing_) {
      log::warn("redis connection lost",
                {{"host", impl_.options.host}, {"port", impl_.options.port}, {"error", why}});
    }
  }
  if (on_first_result) std::exchange(on_first_result, nullptr)(false);
  if (closing_ || !reconnect_) return;
  schedule_reconnect();
}

void Connection::schedule_reconnect() {
  if (closing_ || !reconnect_) return;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->open();
  });
}

void Connection::close() {
  closing_ = true;
  retry_timer_.cancel();
  if (link_ && !link_->gone && link_->ac != nullptr) {
    redisAsyncFree(link_->ac);  // fails what is in flight, then cleanup
  }
}

void Redis::Impl::start() {
  sweep_every = std::clamp(options.command_timeout / 10, milliseconds(5), milliseconds(50));
  thread = std::thread([this] {
    name_this_thread("redis-io");
    io_thread_id = std::this_thread::get_id();
    io.run();
  });
  asio::post(io, [this] {
    for (int i = 0; i < std::max(1, options.pool_size); ++i) {
      pool.push_back(std::make_shared<Connection>(*this, true));
      pool.back()->open();
    }
    arm_sweeper();
  });
}

void Redis::Impl::arm_sweeper() {
  sweeper.expires_after(sweep_every);
  sweeper.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping) return;
    auto now = SteadyClock::now();
    for (auto& c : pool) c->sweep(now);
    std::erase_if(sessions, [&](const std::weak_ptr<Connection>& w) {
      auto c = w.lock();
      if (!c) return true;
      c->sweep(now);
      return false;
    });
    arm_sweeper();
  });
}

void Redis::Impl::shutdown() {
  std::vector<Submission> pending;
  {
    std::lock_guard lock(mu);
    if (closed) return;
    closed = true;
    pending = std::move(queue);
  }
  for (auto& s : pending) {
    for (auto& cb : s.callbacks) cb(fail(Error::unavailable("redis client closed")));
  }
  asio::post(io, [this] {
    stopping = true;
    sweeper.cancel();
    for (auto& c : pool) c->close();
    for (auto& w : sessions) {
      if (auto c = w.lock()) c->close();
    }
  });
  work.reset();
  if (thread.joinable()) thread.join();
  pool.clear();
  sessions.clear();
}

void Redis::Impl::submit(Submission s) {
  bool post = false;
  const bool here = on_io_thread();
  {
    std::unique_lock lock(mu);
    if (closed) {
      lock.unlock();
      for (auto& cb : s.callbacks)
        tell_failure(cb, Error::unavailable("redis client closed"), here);
      return;
    }
    if (!here) {
      queue.push_back(std::move(s));
      post = !std::exchange(drain_posted, true);
    }
  }
  if (here) {
    dispatch(s, true);  // the I/O thread itself: no queue, no wake-up
  } else if (post) {
    asio::post(io, [this] { drain(); });
  }
}

void Redis::Impl::drain() {
  std::vector<Submission> batch;
  {
    std::lock_guard lock(mu);
    batch.swap(queue);
    drain_posted = false;
  }
  for (auto& s : batch) dispatch(s);
}

Connection* Redis::Impl::pick() {
  // Round robin over connections that are up; else one still connecting (hiredis
  // queues commands until the connect completes); else none.
  Connection* connecting = nullptr;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    Connection* c = pool[(next + i) % pool.size()].get();
    if (c->up()) {
      next = (next + i + 1) % pool.size();
      return c;
    }
    if (connecting == nullptr && c->live_link() != nullptr) connecting = c;
  }
  return connecting;
}

void Redis::Impl::tell_failure(ReplyCallback& done, Error e, bool later) {
  if (later) {
    asio::post(io, [done = std::move(done), e = std::move(e)] { done(fail(e)); });
  } else {
    done(fail(std::move(e)));
  }
}

void Redis::Impl::dispatch(Submission& s, bool defer_failures) {
  Connection* c = s.target ? s.target.get() : pick();
  Link* link = c != nullptr ? c->live_link() : nullptr;
  std::size_t i = 0;
  auto fail_rest = [&](const Error& e) {
    for (; i < s.callbacks.size(); ++i) tell_failure(s.callbacks[i], e, defer_failures);
  };
  if (link == nullptr) {
    fail_rest(Error::unavailable("no connection to redis at " + options.host + ":" +
                                 std::to_string(options.port)));
    return;
  }
  if (SteadyClock::now() >= s.deadline) {
    fail_rest(Error::timeout("redis command timed out before it was sent"));
    return;
  }
  for (; i < s.commands.size(); ++i) {
    const Formatted& cmd = s.commands[i];
    if (!cmd.ok()) {
      tell_failure(s.callbacks[i], Error::internal("redis command could not be formatted"),
                   defer_failures);
      continue;
    }
    if (redisAsyncFormattedCommand(link->ac, on_reply, link, cmd.data(), cmd.size()) != REDIS_OK) {
      fail_rest(Error::unavailable("redis connection is closing"));
      return;
    }
    link->inflight.push_back(Call{std::move(s.callbacks[i]), s.deadline});
  }
}

namespace {

struct Waiter {
  explicit Waiter(std::size_t n) : remaining(n), results(n) {}
  std::mutex mu;
  std::condition_variable cv;
  std::size_t remaining;
  std::vector<Result<Reply>> results;
};

}  // namespace

Result<std::vector<Reply>> Redis::Impl::run_sync(std::span<const Command> commands,
                                                 milliseconds timeout,
                                                 std::shared_ptr<Connection> target) {
  if (on_io_thread()) {
    return fail(Error::internal("synchronous redis call on the redis I/O thread (use async)"));
  }
  if (commands.empty()) return std::vector<Reply>{};
  auto waiter = std::make_shared<Waiter>(commands.size());
  Submission s;
  s.deadline = SteadyClock::now() + timeout;
  s.target = std::move(target);
  s.commands.reserve(commands.size());
  s.callbacks.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    s.commands.emplace_back(commands[i]);
    s.callbacks.emplace_back([waiter, i](Result<Reply> r) {
      std::lock_guard lock(waiter->mu);
      waiter->results[i] = std::move(r);
      if (--waiter->remaining == 0) waiter->cv.notify_one();
    });
  }
  submit(std::move(s));
  std::unique_lock lock(waiter->mu);
  if (!waiter->cv.wait_for(lock, timeout + kWaitGrace, [&] { return waiter->remaining == 0; })) {
    return fail(Error::timeout("redis command timed out"));
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (auto& r : waiter->results) {
    if (!r) return fail(std::move(r.error()));
    replies.push_back(std::move(*r));
  }
  return replies;
}

Result<RedisOptions> parse_redis_address(std::string_view host_port, RedisOptions base) {
  auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(Error::invalid("redis", "host_port",
                               "expected host:port, got '" + std::string(host_port) + "'"));
  }
  int port = 0;
  auto digits = host_port.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || port <= 0 || port > 65535) {
    return fail(Error::invalid("redis", "port", "bad port in '" + std::string(host_port) + "'"));
  }
  base.host = std::string(host_port.substr(0, colon));
  base.port = port;
  return base;
}

Redis::Redis(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Redis::~Redis() { impl_->shutdown(); }

void Redis::close() { impl_->shutdown(); }

Result<std::unique_ptr<Redis>> Redis::connect(RedisOptions options) {
  if (options.pool_size < 1) {
    return fail(Error::invalid("pool_size", "positive", "redis pool_size must be at least 1"));
  }
  auto impl = std::make_shared<Impl>(std::move(options));
  impl->start();
  std::unique_ptr<Redis> redis(new Redis(impl));
  auto deadline = SteadyClock::now() + impl->options.connect_timeout;
  while (impl->connected_count.load() < impl->options.pool_size && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  if (impl->connected_count.load() == 0) {
    log::warn("redis not reachable yet; reconnecting in the background",
              {{"host", impl->options.host}, {"port", impl->options.port}});
  }
  return redis;
}

Result<Reply> Redis::command(std::initializer_list<std::string_view> args) {
  return command(Command(args.begin(), args.end()));
}

Result<Reply> Redis::command(const Command& args) {
  return command(args, impl_->options.command_timeout);
}

Result<Reply> Redis::command(const Command& args, milliseconds timeout) {
  auto r = impl_->run_sync({&args, 1}, timeout, nullptr);
  if (!r) return fail(std::move(r.error()));
  auto& reply = r->front();
  // A server still loading its AOF, busy in a script or without its master answers any
  // command with these: they are no answer to the command, so no caller may read them as
  // data. Retryable, like a connection that is down (callers answer 503).
  if (reply.is_error()) {
    const auto& m = reply.str();
    for (std::string_view state : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
      if (m.starts_with(state) && (m.size() == state.size() || m[state.size()] == ' ')) {
        return fail(Error::unavailable("redis: " + m));
      }
    }
  }
  return std::move(reply);
}

Result<std::vector<Reply>> Redis::pipeline(const std::vector<Command>& commands) {
  return impl_->run_sync(commands, impl_->options.command_timeout, nullptr);
}

void Redis::async_command(Command args, ReplyCallback done) {
  Submission s;
  s.deadline = SteadyClock::now() + impl_->options.command_timeout;
  s.commands.emplace_back(args);
  s.callbacks.push_back(std::move(done));
  impl_->submit(std::move(s));
}

Result<void> Redis::ping(milliseconds timeout) {
  auto r = command(Command{"PING"}, timeout);
  if (!r) return fail(std::move(r.error()));
  if (!r->is_status("PONG")) {
    return fail(Error::unavailable("redis PING answered " + r->debug_string()));
  }
  return {};
}

const RedisOptions& Redis::options() const { return impl_->options; }

std::shared_ptr<asio::io_context> Redis::io_context() const { return impl_->io_owner; }

int Redis::connected() const { return impl_->connected_count.load(); }

struct RedisSession::State {
  std::shared_ptr<Connection> connection;
};

Result<std::unique_ptr<RedisSession>> Redis::session() {
  if (impl_->on_io_thread()) {
    return fail(Error::internal("Redis::session() called on the redis I/O thread"));
  }
  struct Outcome {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<bool> ok;
  };
  auto outcome = std::make_shared<Outcome>();
  auto connection = std::make_shared<Connection>(*impl_, false);
  connection->on_first_result = [outcome](bool ok) {
    std::lock_guard lock(outcome->mu);
    outcome->ok = ok;
    outcome->cv.notify_one();
  };
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) return fail(Error::unavailable("redis client closed"));
  }
  asio::post(impl_->io, [impl = impl_.get(), connection] {
    impl->sessions.push_back(connection);
    connection->open();
  });
  std::unique_lock lock(outcome->mu);
  bool answered = outcome->cv.wait_for(lock, impl_->options.connect_timeout + kWaitGrace,
                                       [&] { return outcome->ok.has_value(); });
  if (!answered || !*outcome->ok) {
    asio::post(impl_->io, [connection] { connection->close(); });
    return fail(Error::unavailable("could not open a redis session to " + impl_->options.host +
                                   ":" + std::to_string(impl_->options.port)));
  }
  auto state = std::make_shared<RedisSession::State>();
  state->connection = std::move(connection);
  return std::unique_ptr<RedisSession>(new RedisSession(impl_, std::move(state)));
}

RedisSession::RedisSession(std::shared_ptr<Redis::Impl> impl, std::shared_ptr<State> state)
    : impl_(std::move(impl)), state_(std::move(state)) {}

RedisSession::~RedisSession() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->closed) {
    asio::post(impl_->io, [connection = state_->connection] { connection->close(); });
  }
}

Result<Reply> RedisSession::command(std::initializer_list<std::string_view> args) {
  return command(Command(args.begin(), args.end()));
}

Result<Reply> RedisSession::command(const Command& args) {
  return command(args, impl_->options.command_timeout);
}

Result<Reply> RedisSession::command(const Command& args, milliseconds timeout) {
  auto r = impl_->run_sync({&args, 1}, timeout, state_->connection);
  if (!r) return fail(std::move(r.error()));
  return std::move(r->front());
}

Result<std::vector<Reply>> RedisSession::pipeline(const std::vector<Command>& commands) {
  return impl_->run_sync(commands, impl_->options.command_timeout, state_->connection);
}

}  // namespace tongban::store

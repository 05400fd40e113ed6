#include "tongban/http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <future>
#include <optional>
#include <thread>

#include "tongban/http/client.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/metrics/registry.hpp"

namespace tongban::http {
namespace {

using namespace std::chrono_literals;

// A raw socket for the abuse cases the client would never produce.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(std::string_view data) { (void)!::write(fd_, data.data(), data.size()); }
  // Reads until the peer closes (or 5 s pass); returns what came.
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      const auto n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Every server test runs twice: on the server's own I/O thread, and on a loop someone else
// runs (as a service shares the Redis client's), which stop() must leave running.
class ServerTest : public ::testing::TestWithParam<bool> {
 protected:
  void start(ServerOptions opts = {}) {
    if (GetParam()) {
      loop_ = std::make_shared<boost::asio::io_context>(1);
      loop_work_.emplace(boost::asio::make_work_guard(*loop_));
      loop_thread_ = std::thread([this] {
        loop_thread_id_ = std::this_thread::get_id();
        loop_->run();
      });
      opts.io_context = loop_;
    }
    auto router = std::make_shared<Router>();
    router->get("/hello", [](Request&) { return Response::text(200, "hello"); });
    router->post("/echo", [](Request& req) {
      auto body = json_body(req);
      if (!body) return problem(body.error());
      return Response::json(200, *body);
    });
    router->get("/slow", [this](Request&) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_.load()));
      return Response::text(200, "done");
    });
    router->get("/trace", [](Request& req) {
      return Response::text(200, req.trace.trace_id + " " + req.request_id);
    });
    router->get("/throws", [](Request&) -> Response { throw std::runtime_error("boom"); });
    // Asynchronous routes: answered later from another thread, handed to the workers,
    // answered twice, dropped, thrown from.
    router->add_async(Method::get, "/async/{word}", [this](Request& req, Responder respond) {
      io_thread_ = std::this_thread::get_id();
      std::thread([&req, respond] {
        std::this_thread::sleep_for(20ms);
        respond(Response::text(200, "later " + std::string(req.param("word"))));
      }).detach();
    });
    router->add_async(Method::get, "/async-workers", [this](Request&, Responder respond) {
      io_thread_ = std::this_thread::get_id();
      respond.to_workers([this](Request& req) {
        worker_thread_ = std::this_thread::get_id();
        return Response::text(200, "worked " + req.route);
      });
    });
    router->add_async(Method::get, "/async-twice", [](Request&, Responder respond) {
      respond(Response::text(200, "first"));
      respond(Response::text(200, "second"));
    });
    router->add_async(Method::get, "/async-dropped", [](Request&, Responder) {});
    router->add_async(Method::get, "/async-throws",
                      [](Request&, Responder) { throw std::runtime_error("boom"); });
    router->add_async(Method::get, "/async-slow", [this](Request&, Responder respond) {
      slow_started_ = true;
      std::thread([this, respond] {
        std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_.load()));
        respond(Response::text(200, "done"));
      }).detach();
    });
    router_ = router;
    auto s = Server::start(opts, router, &registry_);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
    if (loop_thread_.joinable()) {
      loop_work_.reset();
      loop_thread_.join();
    }
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + std::string(path);
  }

  std::shared_ptr<boost::asio::io_context> loop_;  // the shared loop (GetParam())
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      loop_work_;
  std::thread loop_thread_;
  std::atomic<std::thread::id> loop_thread_id_{};
  metrics::Registry registry_;
  std::shared_ptr<Router> router_;
  std::unique_ptr<Server> server_;
  std::atomic<bool> slow_started_{false};
  std::atomic<int> slow_ms_{500};
  std::thread::id io_thread_;
  std::thread::id worker_thread_;
  Client client_;
};

TEST_P(ServerTest, serves_routes_with_keep_alive) {
  start();
  for (int i = 0; i < 5; ++i) {
    auto r = client_.get(url("/hello"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
  }
  EXPECT_EQ(server_->connections(), 1u) << "the client reused one connection";
}

TEST_P(ServerTest, oversize_body_gets_a_413_problem) {
  ServerOptions o;
  o.body_limit = 1024;
  start(o);
  auto r = client_.post_json(url("/echo"), "{\"x\":\"" + std::string(4096, 'a') + "\"}");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(*r->header("Content-Type"), "application/problem+json");
  auto doc = boost::json::parse(r->body).as_object();
  EXPECT_EQ(doc["rule"].as_string(), "max_body_size");
}

TEST_P(ServerTest, a_client_still_sending_a_huge_body_still_reads_its_413) {
  ServerOptions o;
  o.body_limit = 1024;
  start(o);
  auto r = client_.post_json(url("/echo"), std::string(4 << 20, ' '));
  ASSERT_TRUE(r) << "lingering close lets the answer through: " << r.error().message;
  EXPECT_EQ(r->status, 413);
}

TEST_P(ServerTest, malformed_json_gets_a_400_problem_naming_the_error) {
  start();
  auto r = client_.post_json(url("/echo"), "{\"name\": tru");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  auto doc = boost::json::parse(r->body).as_object();
  EXPECT_EQ(doc["rule"].as_string(), "json_syntax");
  EXPECT_EQ(doc["field"].as_string(), "body");
}

TEST_P(ServerTest, oversize_headers_get_a_431) {
  ServerOptions o;
  o.header_limit = 2048;
  start(o);
  auto r = client_.get(url("/hello"), {{"X-Big", std::string(8192, 'h')}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

// Found by tests/abuse: Beast counts its header limit per put() beyond the fields already
// parsed, so many small headers arriving over two reads passed a limit they exceeded.
TEST_P(ServerTest, many_small_headers_past_the_limit_get_a_431) {
  ServerOptions o;
  o.header_limit = 8192;
  start(o);
  std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i) req += "X-H" + std::to_string(i) + ": 0123456789abcdef\r\n";
  ASSERT_GT(req.size(), 10000u);
  RawConnection c(server_->port());
  c.send(req + "\r\n");
  EXPECT_EQ(c.read_all().substr(0, 12), "HTTP/1.1 431");
  // Just under the limit, with a body behind the header in the same write, still passes.
  RawConnection ok(server_->port());
  ok.send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
      "application/json\r\nContent-Length: 7\r\nX-Big: " +
      std::string(8000, 'a') + "\r\n\r\n{\"a\":1}");
  EXPECT_EQ(ok.read_all().substr(0, 12), "HTTP/1.1 200");
}

TEST_P(ServerTest, garbage_request_line_gets_a_400) {
  start();
  RawConnection c(server_->port());
  c.send("NOT HTTP AT ALL\r\n\r\n");
  const auto answer = c.read_all();
  EXPECT_NE(answer.find("400"), std::string::npos) << answer;
}

TEST_P(ServerTest, slow_client_is_cut_by_the_read_timeout) {
  ServerOptions o;
  o.read_timeout = 300ms;
  start(o);
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send("GET /hello HTTP/1.1\r\nHost: x\r\n");  // never finishes the headers
  const auto started = std::chrono::steady_clock::now();
  const auto answer = c.read_all();  // returns when the server closes
  EXPECT_EQ(answer, "");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "closed by the server, not ours";
  auto ok = client_.get(url("/hello"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << "other clients are still served";
}

TEST_P(ServerTest, idle_keep_alive_connection_is_closed_after_idle_timeout) {
  ServerOptions o;
  o.idle_timeout = 200ms;
  start(o);
  RawConnection c(server_->port());
  c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answer = c.read_all();
  EXPECT_NE(answer.find("hello"), std::string::npos);
}

TEST_P(ServerTest, stop_drains_in_flight_requests) {
  start();
  slow_ms_ = 700;
  auto pending = std::async(std::launch::async, [this] { return Client().get(url("/slow")); });
  while (!slow_started_) std::this_thread::sleep_for(5ms);
  const auto port = server_->port();
  server_->stop(5s);
  auto r = pending.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(*r->header("Connection"), "close");
  RawConnection after(port);
  EXPECT_FALSE(after.connected()) << "no new connections after stop";
}

TEST_P(ServerTest, drain_does_not_wait_for_idle_keep_alive_connections) {
  start();
  ASSERT_TRUE(client_.get(url("/hello")));  // leaves an idle pooled connection
  const auto started = std::chrono::steady_clock::now();
  server_->stop(10s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_P(ServerTest, request_id_and_traceparent_propagate) {
  start();
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto r = client_.get(url("/trace"), {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"},
                                       {"X-Request-Id", "req-42"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, trace + " req-42");
  EXPECT_EQ(*r->header("X-Request-Id"), "req-42");
  auto fresh = client_.get(url("/trace"));
  ASSERT_TRUE(fresh);
  const auto space = fresh->body.find(' ');
  ASSERT_EQ(space, 32u) << "a new trace id";
  EXPECT_EQ(fresh->body.substr(space + 1), fresh->body.substr(0, space))
      << "without X-Request-Id, the request id is the trace id";
}

TEST_P(ServerTest, a_throwing_handler_answers_500_and_the_server_goes_on) {
  start();
  auto r = client_.get(url("/throws"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(client_.get(url("/hello"))->status, 200);
}

TEST_P(ServerTest, full_worker_queue_answers_503_to_handlers_and_async_handoffs) {
  ServerOptions o;
  o.worker_threads = 1;
  o.worker_queue_limit = 1;
  start(o);
  slow_ms_ = 800;
  auto first = std::async(std::launch::async, [this] { return Client().get(url("/slow")); });
  while (!slow_started_) std::this_thread::sleep_for(5ms);
  auto second = Client().get(url("/slow"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
  EXPECT_NE(second->header("Retry-After"), nullptr);
  auto handed_off = Client().get(url("/async-workers"));  // an async handler's to_workers
  ASSERT_TRUE(handed_off);
  EXPECT_EQ(handed_off->status, 503);
  EXPECT_EQ(first.get()->status, 200);
}

TEST_P(ServerTest, an_async_handler_answers_from_another_thread_with_its_request_intact) {
  start();
  for (int i = 0; i < 3; ++i) {  // keep-alive: the session goes on after each answer
    auto r = client_.get(url("/async/w" + std::to_string(i)));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "later w" + std::to_string(i));
  }
  EXPECT_EQ(server_->connections(), 1u);
}

TEST_P(ServerTest, an_async_handler_can_hand_its_request_to_the_worker_pool) {
  start();
  auto r = client_.get(url("/async-workers"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "worked /async-workers");
  EXPECT_NE(io_thread_, std::thread::id());
  EXPECT_NE(worker_thread_, io_thread_) << "the handler ran on a worker, not the I/O thread";
}

TEST_P(ServerTest, an_async_answer_counts_once_and_an_unanswered_request_gets_a_500) {
  start();
  auto twice = client_.get(url("/async-twice"));
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->body, "first");
  auto dropped = client_.get(url("/async-dropped"));
  ASSERT_TRUE(dropped) << "a dropped responder answers; the connection does not hang";
  EXPECT_EQ(dropped->status, 500);
  auto threw = client_.get(url("/async-throws"));
  ASSERT_TRUE(threw);
  EXPECT_EQ(threw->status, 500);
  EXPECT_EQ(client_.get(url("/hello"))->status, 200);
}

TEST_P(ServerTest, stop_drains_an_async_request_in_flight) {
  start();
  slow_ms_ = 500;
  auto pending =
      std::async(std::launch::async, [this] { return Client().get(url("/async-slow")); });
  while (!slow_started_) std::this_thread::sleep_for(5ms);
  server_->stop(5s);
  auto r = pending.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
}

TEST_P(ServerTest, records_red_metrics_per_route) {
  start();
  ASSERT_TRUE(client_.get(url("/hello")));
  ASSERT_TRUE(client_.get(url("/missing")));
  // A request is counted once its response is written, which may be just after the
  // client has read it: wait for the figures rather than race them.
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text = registry_.serialize();
    if (text.find(R"(route="unmatched",status="404")") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(text.find(R"(http_server_requests_total{method="GET",route="/hello",status="200"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(route="unmatched",status="404")"), std::string::npos);
  EXPECT_NE(text.find("http_server_request_duration_seconds_bucket"), std::string::npos);
}

class SharedLoopTest : public ServerTest {};

TEST_P(SharedLoopTest, handlers_run_on_its_thread_and_stop_leaves_it_running) {
  start();
  auto r = client_.get(url("/async-workers"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(io_thread_, loop_thread_id_.load()) << "an async handler runs on the shared loop";
  server_->stop(1s);
  std::promise<std::thread::id> ran;
  boost::asio::post(*loop_, [&] { ran.set_value(std::this_thread::get_id()); });
  auto done = ran.get_future();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready) << "stop() stopped the shared loop";
  EXPECT_EQ(done.get(), loop_thread_id_.load());
  server_.reset();  // the server's objects go while the loop still runs
  std::promise<void> again;
  boost::asio::post(*loop_, [&] { again.set_value(); });
  EXPECT_EQ(again.get_future().wait_for(5s), std::future_status::ready);
}

INSTANTIATE_TEST_SUITE_P(Loop, SharedLoopTest, ::testing::Values(true));
INSTANTIATE_TEST_SUITE_P(Loops, ServerTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return std::string(param.param ? "shared_loop" : "own_thread");
                         });

TEST(Client, connection_refused_is_unavailable) {
  Client c({.connect_timeout = 500ms});
  auto r = c.get("http://127.0.0.1:1/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_TRUE(r.error().retryable);
}

TEST(Client, rejects_non_http_urls) {
  EXPECT_EQ(Client().get("ftp://x/y").error().code, Errc::invalid_argument);
  EXPECT_EQ(Client().get("not a url").error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace tongban::http

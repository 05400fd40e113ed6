// HTTP abuse against a real service process (identity, on a private Redis and the test
// Kafka): slowloris, oversize headers, oversize bodies declared and streamed, a connection
// flood beyond the limit, pipelined garbage. Each time the abuser gets a 4xx or a closed
// connection, and the service stays up and answers a normal client meanwhile.
// The limits are set small through the service's own knobs (docs/configuration.md), so the
// test exercises exactly what a deployment configures.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tongban/testing/process.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::testing::ChildProcess;
using tongban::testing::PrivateRedis;

constexpr int kHeaderLimit = 8192;
constexpr int kBodyLimit = 65536;
constexpr int kMaxConnections = 64;
constexpr int kReadTimeoutMs = 3000;

// A plain TCP connection to the service, for what no well-behaved client would send.
class Conn {
 public:
  explicit Conn(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool connected() const { return connected_; }
  // False once the peer closed or reset the connection.
  bool send(std::string_view data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Everything until the peer closes (or the receive timeout passes).
  std::string read_all() {
    std::string out;
    char buf[16384];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Without waiting: true when the peer has closed or reset the connection. Data the server
  // sent first (an error answer) is read and dropped on the way to the end.
  bool closed_by_peer() {
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// The status of the first answer in `raw` ("HTTP/1.1 431 ..."), 0 when there is none.
int status_of(const std::string& raw) {
  if (raw.size() < 12 || raw.rfind("HTTP/1.", 0) != 0) return 0;
  return std::atoi(raw.c_str() + 9);
}

// Every status line of pipelined answers, in order.
std::vector<int> statuses_of(const std::string& raw) {
  std::vector<int> out;
  for (auto pos = raw.find("HTTP/1.1 "); pos != std::string::npos;
       pos = raw.find("HTTP/1.1 ", pos + 1)) {
    out.push_back(std::atoi(raw.c_str() + pos + 9));
  }
  return out;
}

class HttpAbuse : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) return;
    redis_ = std::make_unique<PrivateRedis>();
    if (!redis_->ready()) return;
    service_ = std::make_unique<ChildProcess>(
        TONGBAN_IDENTITY_BIN, std::vector<std::string>{},
        std::map<std::string, std::string>{
            {"TONGBAN_HTTP_PORT", "0"},
            {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
            {"TONGBAN_REDIS_ADDR", redis_->address()},
            {"TONGBAN_KAFKA_BOOTSTRAP", *kafka},
            {"TONGBAN_IDENTITY_ADMIN_PASSWORD", "Admin-Passw0rd-2026"},
            {"TONGBAN_IDENTITY_ARGON2_MEM_KIB", "8192"},
            {"TONGBAN_IDENTITY_ARGON2_OPS", "1"},
            {"TONGBAN_HTTP_HEADER_LIMIT", std::to_string(kHeaderLimit)},
            {"TONGBAN_HTTP_BODY_LIMIT", std::to_string(kBodyLimit)},
            {"TONGBAN_HTTP_MAX_CONNECTIONS", std::to_string(kMaxConnections)},
            {"TONGBAN_HTTP_READ_TIMEOUT_MS", std::to_string(kReadTimeoutMs)}});
    if (auto port = service_->wait_for_port(120s)) port_ = *port;
  }
  static void TearDownTestSuite() {
    service_.reset();
    redis_.reset();
  }

  void SetUp() override {
    if (!tongban::testing::server_from_env("TONGBAN_TEST_KAFKA")) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA is not set: start them with scripts/test-env start";
    }
    ASSERT_NE(port_, 0) << "identity did not start:\n"
                        << (service_ ? service_->output().substr(0, 4000) : "no redis");
  }
  // After every abuse: the process lives and serves a normal client.
  void TearDown() override {
    if (port_ == 0 || IsSkipped()) return;
    EXPECT_TRUE(service_->running()) << service_->output().substr(0, 4000);
    EXPECT_EQ(normal_request("/healthz"), 200);
  }

  // A well-behaved client's request on a fresh connection: the status, 0 when unanswered.
  static int normal_request(const std::string& path) {
    Conn c(port_);
    if (!c.connected()) return 0;
    if (!c.send("GET " + path + " HTTP/1.1\r\nHost: identity\r\nConnection: close\r\n\r\n")) {
      return 0;
    }
    return status_of(c.read_all());
  }

  static std::string metrics() {
    Conn c(port_);
    c.send("GET /metrics HTTP/1.1\r\nHost: identity\r\nConnection: close\r\n\r\n");
    return c.read_all();
  }
  // http_server_rejected_total{reason="<reason>"} on /metrics, 0 when absent.
  static double rejected(const std::string& reason) {
    std::istringstream in(metrics());
    const std::string label = "reason=\"" + reason + "\"";
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("http_server_rejected_total{", 0) == 0 &&
          line.find(label) != std::string::npos) {
        return std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return 0;
  }

  static std::unique_ptr<PrivateRedis> redis_;
  static std::unique_ptr<ChildProcess> service_;
  static int port_;
};

std::unique_ptr<PrivateRedis> HttpAbuse::redis_;
std::unique_ptr<ChildProcess> HttpAbuse::service_;
int HttpAbuse::port_ = 0;

TEST_F(HttpAbuse, slowloris_connections_are_cut_while_others_are_served) {
  // 40 clients send a request's headers one byte a second; the read timeout (3 s for the
  // whole request) cuts them long before their 60 bytes are out.
  constexpr int kSlow = 40;
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: identity\r\nX-Slow: abcdefghij\r\n";
  std::vector<std::unique_ptr<Conn>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<Conn>(port_));
    ASSERT_TRUE(slow.back()->connected());
  }
  std::vector<bool> cut(kSlow, false);
  int cut_count = 0, served = 0, refused = 0;
  const auto started = std::chrono::steady_clock::now();
  double seconds_held = 0;
  for (std::size_t byte = 0; byte < request.size() && cut_count < kSlow; ++byte) {
    for (int i = 0; i < kSlow; ++i) {
      if (cut[i]) continue;
      if (slow[i]->closed_by_peer() || !slow[i]->send(request.substr(byte, 1))) {
        cut[i] = true;
        ++cut_count;
      }
    }
    if (cut_count == kSlow) {
      seconds_held =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    // A normal client meanwhile, on a route that reads Redis and one that does not.
    for (const char* path : {"/healthz", "/readyz", "/.well-known/jwks.json"}) {
      (normal_request(path) == 200 ? served : refused)++;
    }
    std::this_thread::sleep_for(1s);
  }
  std::cout << "figures: slowloris " << kSlow << " connections at 1 byte/s, all cut after "
            << seconds_held << " s; normal requests meanwhile: " << served << " answered, "
            << refused << " not\n";
  EXPECT_EQ(cut_count, kSlow) << "slow connections still open after " << request.size()
                              << " bytes at one a second";
  EXPECT_EQ(refused, 0);
  EXPECT_GT(served, 0);
  EXPECT_GE(rejected("read_timeout"), kSlow);
}

TEST_F(HttpAbuse, oversize_headers_get_a_431) {
  {
    Conn c(port_);
    c.send("GET /healthz HTTP/1.1\r\nHost: identity\r\nX-Big: " + std::string(16 * 1024, 'a') +
           "\r\n\r\n");
    EXPECT_EQ(status_of(c.read_all()), 431);
  }
  {
    // Many small headers adding up past the limit.
    Conn c(port_);
    std::string req = "GET /healthz HTTP/1.1\r\nHost: identity\r\n";
    for (int i = 0; i < 400; ++i) req += "X-H" + std::to_string(i) + ": 0123456789abcdef\r\n";
    c.send(req + "\r\n");
    EXPECT_EQ(status_of(c.read_all()), 431);
  }
  {
    // Just under the limit still passes: the limit is where it says.
    Conn c(port_);
    c.send("GET /healthz HTTP/1.1\r\nHost: identity\r\nConnection: close\r\nX-Big: " +
           std::string(kHeaderLimit - 200, 'a') + "\r\n\r\n");
    EXPECT_EQ(status_of(c.read_all()), 200);
  }
}

TEST_F(HttpAbuse, a_declared_oversize_body_gets_a_413_before_it_is_sent) {
  Conn c(port_);
  c.send(
      "POST /v1/sessions HTTP/1.1\r\nHost: identity\r\nContent-Type: application/json\r\n"
      "Content-Length: 104857600\r\n\r\n");
  const auto answer = c.read_all();
  EXPECT_EQ(status_of(answer), 413) << answer;
  EXPECT_NE(answer.find("application/problem+json"), std::string::npos);
}

TEST_F(HttpAbuse, a_streamed_oversize_body_gets_a_413) {
  Conn c(port_);
  ASSERT_TRUE(
      c.send("POST /v1/sessions HTTP/1.1\r\nHost: identity\r\n"
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 8 KiB chunks until the server stops reading (after its answer it discards for a while,
  // then closes); at most 4 times the limit.
  const std::string chunk = "2000\r\n" + std::string(8192, 'x') + "\r\n";
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 4 * kBodyLimit / 8192 && !done; ++i) {
      if (!c.send(chunk)) break;
    }
  });
  const auto answer = c.read_all();
  done = true;
  writer.join();
  EXPECT_EQ(status_of(answer), 413) << answer.substr(0, 300);
}

TEST_F(HttpAbuse, a_connection_flood_does_not_lock_others_out) {
  // Three times the limit of connections that never send a byte. At the limit each new
  // connection makes the server close the one idle longest, so a normal client still gets
  // in; the rest are closed at the read timeout, not after the keep-alive idle time.
  const double evicted_before = rejected("evicted_idle");
  constexpr int kFlood = 3 * kMaxConnections;
  std::vector<std::unique_ptr<Conn>> flood;
  for (int i = 0; i < kFlood; ++i) flood.push_back(std::make_unique<Conn>(port_));
  int served = 0;
  for (int i = 0; i < 20; ++i) {
    if (normal_request(i % 2 ? "/healthz" : "/.well-known/jwks.json") == 200) ++served;
  }
  int closed = 0;
  for (int round = 0; round < 40 && closed < kFlood; ++round) {
    std::this_thread::sleep_for(500ms);
    closed = 0;
    for (auto& c : flood) closed += c->closed_by_peer() ? 1 : 0;
  }
  const double evicted = rejected("evicted_idle") - evicted_before;
  std::cout << "figures: flood of " << kFlood << " silent connections against a limit of "
            << kMaxConnections << ": " << evicted << " evicted at the limit, " << closed
            << " closed by the server in all; normal requests during the flood: " << served
            << "/20 answered\n";
  EXPECT_EQ(served, 20);
  EXPECT_GE(evicted, kFlood - kMaxConnections);
  EXPECT_EQ(closed, kFlood) << "silent connections still open after 20 s";
}

TEST_F(HttpAbuse, pipelined_garbage_gets_a_400_after_the_good_requests_before_it) {
  Conn c(port_);
  std::string req;
  for (int i = 0; i < 50; ++i) req += "GET /healthz HTTP/1.1\r\nHost: identity\r\n\r\n";
  req += "\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n";
  req += "GET /healthz HTTP/1.1\r\nHost: identity\r\n\r\n";  // after the garbage: not served
  c.send(req);
  const auto statuses = statuses_of(c.read_all());
  ASSERT_EQ(statuses.size(), 51u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(statuses[i], 200) << "answer " << i;
  EXPECT_EQ(statuses.back(), 400);
}

TEST_F(HttpAbuse, a_request_smuggling_attempt_is_refused) {
  // Both Content-Length and Transfer-Encoding (RFC 9112 §6.1: a server may refuse it, and
  // should, since a proxy in front may read the other one): 400, and nothing smuggled runs.
  Conn c(port_);
  c.send(
      "POST /v1/sessions HTTP/1.1\r\nHost: identity\r\nContent-Type: application/json\r\n"
      "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: identity\r\n\r\n");
  const auto statuses = statuses_of(c.read_all());
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.front(), 400);
  EXPECT_EQ(statuses.size(), 1u);
}

}  // namespace

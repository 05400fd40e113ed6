// Fuzzes libs/http's server as it runs: raw bytes go over a loopback connection to an
// in-process Server (Beast's parser under our header and body limits, the request
// conversion, routing, keep-alive and pipelining, the 400/413/431 answers and the lingering
// close). Invariants: no crash or sanitizer report in the server; it keeps accepting; every
// answer is an HTTP/1.1 status line; no 5xx (the handlers here cannot fail).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "tongban/http/problem.hpp"
#include "tongban/http/router.hpp"
#include "tongban/http/server.hpp"

namespace {

namespace http = tongban::http;

std::uint16_t server_port() {
  static const std::uint16_t port = [] {
    auto router = std::make_shared<http::Router>();
    router->get("/v1/cases/{id}", [](http::Request& req) {
      return http::Response::text(200, std::string(req.param("id")));
    });
    router->post("/v1/cases", [](http::Request& req) {
      auto body = http::json_body(req);
      if (!body) return http::problem(body.error());
      return http::Response::json(201, *body);
    });
    router->get("/healthz", [](http::Request&) { return http::Response::text(200, "ok"); },
                {.inline_io = true});
    http::ServerOptions o;
    o.worker_threads = 2;
    // Small limits, so the fuzzer reaches the 413 and 431 paths with short inputs.
    o.body_limit = 4096;
    o.header_limit = 2048;
    o.read_timeout = std::chrono::milliseconds(2000);
    // Kept for the whole run: the server must survive every input.
    static auto server = http::Server::start(o, router, nullptr);
    if (!server) std::abort();
    return (*server)->port();
  }();
  return port;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timeout timer sends SIGALRM without SA_RESTART, and a socket call with a
  // timeout is never restarted anyway: EINTR is the harness's signal, not the server's
  // failure. An interrupted connect goes on in the kernel; wait for it to finish.
  int err = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    err = errno;
    if (err == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      int ready = 0;
      while ((ready = ::poll(&p, 1, 5000)) < 0 && errno == EINTR) {
      }
      socklen_t len = sizeof err;
      err = ready == 1 ? 0 : ETIMEDOUT;
      if (ready == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  if (err != 0) {
    std::fprintf(stderr, "connect to the server failed: %s\n", std::strerror(err));
    std::abort();
  }
  return fd;
}

// Walks the answers one by one (status line, headers, Content-Length bytes of body): each
// must be a 1xx-4xx. A HEAD answer has a Content-Length but no body, so when skipping the
// body does not land on the next status line, not skipping it must.
void check_answer(std::string_view answer) {
  std::size_t pos = 0;
  while (pos < answer.size()) {
    const auto rest = answer.substr(pos);
    if (!rest.starts_with("HTTP/1.1 ") || rest.size() < 12) std::abort();
    if (rest[9] < '1' || rest[9] > '4') std::abort();
    const auto end = rest.find("\r\n\r\n");
    if (end == std::string_view::npos) std::abort();
    const auto head = rest.substr(0, end);
    std::size_t length = 0;
    if (const auto cl = head.find("\r\nContent-Length: "); cl != std::string_view::npos) {
      length = std::strtoul(head.data() + cl + 18, nullptr, 10);
    }
    const auto after_head = pos + end + 4;
    const auto after_body = after_head + length;
    if (after_body == answer.size() ||
        (after_body < answer.size() && answer.substr(after_body).starts_with("HTTP/1.1 "))) {
      pos = after_body;
    } else if (after_head == answer.size() || answer.substr(after_head).starts_with("HTTP/")) {
      pos = after_head;  // an answer to HEAD
    } else {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = connect_loopback(server_port());
  std::size_t sent = 0;
  while (sent < size) {
    const auto n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server answered early (413/431/400) and closed
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);  // end of request: a partial one must not wait for the deadline
  std::string answer;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  check_answer(answer);
  return 0;
}

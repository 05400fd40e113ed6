#include "test_redis.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#include "tongban/core/ids.hpp"

namespace tongban::store::test {

std::optional<RedisOptions> shared_redis() {
  const char* addr = std::getenv("TONGBAN_TEST_REDIS");
  if (addr == nullptr || *addr == '\0') return std::nullopt;
  auto options = parse_redis_address(addr);
  if (!options) return std::nullopt;
  return *options;
}

bool servers_required() {
  const char* v = std::getenv("TONGBAN_REQUIRE_SERVERS");
  return v != nullptr && std::string_view(v) == "1";
}

std::string unique_prefix() { return "tb:test-" + ids::random_hex(6); }

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

LocalRedisServer::LocalRedisServer() : port_(free_port()) {}

LocalRedisServer::~LocalRedisServer() { stop(); }

RedisOptions LocalRedisServer::options() const {
  RedisOptions o;
  o.host = "127.0.0.1";
  o.port = port_;
  return o;
}

bool LocalRedisServer::start() {
  if (pid_ > 0) return true;
  std::string port = std::to_string(port_);
  pid_ = ::fork();
  if (pid_ == 0) {
    // No persistence: a restart comes back empty, like a crashed cache node.
    std::vector<const char*> argv{"redis-server",
                                  "--port",
                                  port.c_str(),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--loglevel",
                                  "warning",
                                  "--dir",
                                  "/tmp",
                                  "--enable-debug-command",
                                  "yes",
                                  nullptr};
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    ::execvp("redis-server", const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  if (pid_ < 0) return false;
  // Ready when it accepts connections.
  return eventually(
      [&] {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(port_));
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        return ok;
      },
      std::chrono::seconds(10));
}

void LocalRedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace tongban::store::test

// Helpers for store integration tests: the shared test Redis (TONGBAN_TEST_REDIS) and
// private redis-server processes for destructive tests (restart, DEBUG SLEEP, SCRIPT FLUSH).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "tongban/store/redis.hpp"

namespace tongban::store::test {

// Options for TONGBAN_TEST_REDIS, or nullopt (the caller skips, or fails when
// TONGBAN_REQUIRE_SERVERS=1: see TB_REQUIRE_REDIS).
std::optional<RedisOptions> shared_redis();
bool servers_required();
// A key prefix no other run uses: "tb:test-<random>".
std::string unique_prefix();

// A redis-server child process on a free port of its own.
class LocalRedisServer {
 public:
  LocalRedisServer();
  ~LocalRedisServer();
  LocalRedisServer(const LocalRedisServer&) = delete;
  LocalRedisServer& operator=(const LocalRedisServer&) = delete;

  bool start();  // waits until it answers PING
  void stop();   // SIGKILL: as abrupt as a crash
  bool restart() {
    stop();
    return start();
  }
  int port() const { return port_; }
  RedisOptions options() const;

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

// Polls `condition` until it holds or `timeout` passes.
template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace tongban::store::test

// Skips the test when no test Redis is configured, or fails it under
// TONGBAN_REQUIRE_SERVERS=1 (scripts/test), so CI never skips silently.
#define TB_REQUIRE_REDIS(options_var)                                                \
  auto options_var##_opt = ::tongban::store::test::shared_redis();                   \
  if (!options_var##_opt) {                                                          \
    if (::tongban::store::test::servers_required()) {                                \
      FAIL() << "TONGBAN_TEST_REDIS is not set but TONGBAN_REQUIRE_SERVERS=1";       \
    }                                                                                \
    GTEST_SKIP() << "TONGBAN_TEST_REDIS not set (eval \"$(scripts/test-env env)\")"; \
  }                                                                                  \
  ::tongban::store::RedisOptions options_var = *options_var##_opt

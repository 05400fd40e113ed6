// Child processes for tests that cross process boundaries: start a binary with an
// environment, read its JSON-line logs, signal it, reap it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tongban::testing {

class ChildProcess {
 public:
  // Inherits the test's environment, overridden by `env`; stdout+stderr go to a file.
  ChildProcess(std::string binary, std::vector<std::string> args,
               std::map<std::string, std::string> env);
  ~ChildProcess();  // SIGTERM if still running, SIGKILL if that does not end it
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // Exit code, or 128+signal; nullopt if it did not exit within `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

  std::string output() const;  // everything printed so far
  std::vector<std::string> lines() const;
  // Waits until a JSON log line has "msg" == `msg`; returns that line.
  std::optional<std::string> wait_for_log(const std::string& msg,
                                          std::chrono::milliseconds timeout) const;
  // The "port" of the "service started" log line (services run with port 0 in tests).
  std::optional<int> wait_for_port(std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// The TONGBAN_* knobs a service binary reads, from `<binary> --print-env`; empty when the
// binary failed. And the ones of them not named (in backquotes) in any of `doc_paths`.
std::vector<std::string> print_env_knobs(const std::string& binary);
std::vector<std::string> undocumented_knobs(const std::string& binary,
                                            const std::vector<std::string>& doc_paths);

// A free TCP port on loopback (found by binding port 0: another process may take it before
// the caller does), and whether something accepts connections on 127.0.0.1:port.
int free_port();
bool port_answers(int port);

// Environment variable or nullopt; with TONGBAN_REQUIRE_SERVERS=1 a missing server
// is a failure, otherwise the caller skips.
std::optional<std::string> server_from_env(const char* name);
bool servers_required();

}  // namespace tongban::testing

// In a TEST body: skip (or fail under scripts/test) when the test servers are absent.
#define TONGBAN_REQUIRE_ENV(var, name)                                             \
  auto var##_opt = ::tongban::testing::server_from_env(name);                      \
  if (!var##_opt) {                                                                \
    if (::tongban::testing::servers_required()) FAIL() << name << " is not set";   \
    GTEST_SKIP() << name << " is not set: start them with scripts/test-env start"; \
  }                                                                                \
  const std::string var = *var##_opt

namespace tongban::testing {

// A redis-server of the test's own on a free loopback port, in a temporary folder: for
// tests that need an empty keyspace. Stopped (and its folder removed) on destruction.
class PrivateRedis {
 public:
  // On `port`, or a free one when 0.
  explicit PrivateRedis(int port = 0);
  ~PrivateRedis();
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string dir_;
  int port_ = 0;
  bool ready_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tongban::testing

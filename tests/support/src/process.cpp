#include "tongban/testing/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tongban/testing/json.hpp"

namespace tongban::testing {

ChildProcess::ChildProcess(std::string binary, std::vector<std::string> args,
                           std::map<std::string, std::string> env) {
  char tmpl[] = "/tmp/tongban-child-XXXXXX";
  const int fd = mkstemp(tmpl);
  log_path_ = tmpl;
  pid_ = fork();
  if (pid_ == 0) {
    // A test that crashes must not leave its services running (still in consumer groups,
    // taking partitions from the next run's): the child gets SIGTERM when the test dies.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    // Nothing else of the test's: a listener it inherited would keep the test's port bound
    // after the test closed it (a receiver stopped and restarted on the same port).
    close_range(3, ~0U, 0);
    // The test may block signals in its threads; the child starts with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(fd);
}

ChildProcess::~ChildProcess() {
  // Gracefully first: a service releases its outbox lease and leaves its consumer groups,
  // so the next test's process does not wait for them to lapse.
  if (running()) {
    ::kill(pid_, SIGTERM);
    if (!wait(std::chrono::seconds(15))) {
      ::kill(pid_, SIGKILL);
      wait(std::chrono::seconds(5));
    }
  }
  unlink(log_path_.c_str());
}

void ChildProcess::signal(int sig) const { ::kill(pid_, sig); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool ChildProcess::running() { return !wait(std::chrono::milliseconds(0)).has_value(); }

std::string ChildProcess::output() const { return read_file(log_path_); }

std::vector<std::string> ChildProcess::lines() const {
  std::vector<std::string> out;
  std::istringstream in(output());
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::optional<std::string> ChildProcess::wait_for_log(const std::string& msg,
                                                      std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    for (const auto& line : lines()) {
      boost::system::error_code ec;
      auto v = boost::json::parse(line, ec);
      if (ec || !v.is_object()) continue;
      const auto* m = v.as_object().if_contains("msg");
      if (m && m->is_string() && m->as_string() == msg) return line;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::optional<int> ChildProcess::wait_for_port(std::chrono::milliseconds timeout) const {
  auto line = wait_for_log("service started", timeout);
  if (!line) return std::nullopt;
  auto v = boost::json::parse(*line).as_object();
  return static_cast<int>(v.at("port").to_number<std::int64_t>());
}

std::vector<std::string> print_env_knobs(const std::string& binary) {
  ChildProcess p(binary, {"--print-env"}, {});
  std::vector<std::string> names;
  if (p.wait(std::chrono::seconds(20)) != 0) return names;
  for (const auto& line : p.lines()) {
    if (line.empty() || line.front() != '[') continue;
    const auto list = boost::json::parse(line);
    for (const auto& k : list.as_array()) names.emplace_back(k.at("name").as_string());
  }
  return names;
}

std::vector<std::string> undocumented_knobs(const std::string& binary,
                                            const std::vector<std::string>& doc_paths) {
  std::string docs;
  for (const auto& path : doc_paths) docs += read_file(path);
  std::vector<std::string> missing;
  for (const auto& name : print_env_knobs(binary)) {
    if (docs.find("`" + name + "`") == std::string::npos) missing.push_back(name);
  }
  return missing;
}

std::optional<std::string> server_from_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

bool servers_required() {
  const char* v = std::getenv("TONGBAN_REQUIRE_SERVERS");
  return v && std::string(v) == "1";
}

}  // namespace tongban::testing

namespace tongban::testing {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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

bool port_answers(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

PrivateRedis::PrivateRedis(int port) {
  char tmpl[] = "/tmp/tongban-redis-XXXXXX";
  dir_ = mkdtemp(tmpl);
  port_ = port != 0 ? port : free_port();
  process_ = std::make_unique<ChildProcess>(
      "/usr/bin/redis-server",
      std::vector<std::string>{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir",
                               dir_, "--save", "", "--appendonly", "no"},
      std::map<std::string, std::string>{});
  for (int i = 0; i < 200 && !ready_; ++i) {
    ready_ = port_answers(port_);
    if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

PrivateRedis::~PrivateRedis() {
  process_.reset();  // SIGTERM, then SIGKILL
  std::filesystem::remove_all(dir_);
}

}  // namespace tongban::testing

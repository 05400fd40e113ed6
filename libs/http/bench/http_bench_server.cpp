// A libs/http server with one trivial route, for wrk next to nginx (compare.sh).
// Usage: http_bench_server <port> [io_threads] [inline|worker]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tongban/http/server.hpp"
#include "tongban/metrics/registry.hpp"

int main(int argc, char** argv) {
  using namespace tongban;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  http::ServerOptions opts;
  opts.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 18080);
  opts.io_threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const bool on_workers = argc > 3 && std::string(argv[3]) == "worker";
  auto router = std::make_shared<http::Router>();
  router->get(
      "/", [](http::Request&) { return http::Response::text(200, "hello, tongban\n"); },
      http::RouteOptions{.inline_io = !on_workers});
  metrics::Registry registry;
  auto server = http::Server::start(opts, router, &registry);
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message.c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->stop(std::chrono::seconds(1));
  return 0;
}

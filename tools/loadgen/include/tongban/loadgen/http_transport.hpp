// The real loop and transport of a worker thread: an Asio io_context and HTTP/1.1 over
// keep-alive TCP connections, a bounded number per target URL, with connect and request
// deadlines. Asio and Beast stay in the .cpp (build time, STYLE.md).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "tongban/loadgen/engine.hpp"

namespace tongban::loadgen {

class IoLoop final : public Loop {
 public:
  // Times are nanoseconds since `epoch`, shared by every worker of a run.
  explicit IoLoop(std::chrono::steady_clock::time_point epoch);
  ~IoLoop() override;

  Nanos now() const override;
  void at(Nanos when, std::function<void()> fn) override;
  // Any thread: runs `fn` on the loop's thread.
  void post(std::function<void()> fn);
  // Runs handlers on the calling thread until stop().
  void run();
  void stop();  // any thread

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct TransportOptions {
  std::size_t connections_per_url = 16;
  Nanos connect_timeout = 2 * kNanosPerSecond;
  Nanos request_timeout = 10 * kNanosPerSecond;  // write and whole response
  std::size_t body_limit = 8 << 20;
  std::string user_agent = "tongban-loadgen/0.1";
  Headers extra_headers;     // sent with every request (--header)
  bool keep_headers = true;  // copy response headers into HttpResult
};

// `targets` must outlive the transport. Destroy the transport before its loop.
std::unique_ptr<Transport> make_http_transport(IoLoop& loop, const std::vector<Target>& targets,
                                               TransportOptions options);

}  // namespace tongban::loadgen

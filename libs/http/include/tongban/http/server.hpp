// The HTTP/1.1 server every service runs: keep-alive, deadlines, body limits, a bounded
// worker pool for handlers, per-route RED metrics and a graceful drain.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tongban/core/result.hpp"
#include "tongban/http/router.hpp"

namespace boost::asio {
class io_context;
}

namespace tongban::metrics {
class Registry;
}

namespace tongban::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port (see Server::port())
  int io_threads = 1;
  // When set, sockets are served on this loop, which someone else runs (io_threads is
  // ignored): the Redis client's (store::Redis::io_context()), so an asynchronous handler's
  // replies reach its connection without crossing threads. stop() then waits for the
  // server's own work on the loop to end and leaves the loop running.
  std::shared_ptr<boost::asio::io_context> io_context;
  int worker_threads = 16;                // handlers that may block on Redis/Kafka/HTTP
  std::size_t worker_queue_limit = 4096;  // beyond this: 503, not an unbounded queue
  std::size_t body_limit = 1 << 20;       // 413 above this
  std::size_t header_limit = 16 * 1024;   // 431 above this
  // At the limit a new connection closes the one idle longest (waiting for a request);
  // when every connection has a request in hand, the new one is closed at accept.
  std::size_t max_connections = 10000;
  // One whole request, headers and body; also a new connection's wait for its first byte.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};   // keep-alive between requests
  std::chrono::milliseconds write_timeout{10000};  // one whole response
  std::string server_name = "tongban";
};

class Server {
 public:
  // Binds and starts serving on its own threads; `metrics` may be null.
  static Result<std::unique_ptr<Server>> start(ServerOptions options,
                                               std::shared_ptr<const Router> router,
                                               metrics::Registry* metrics);
  virtual ~Server() = default;

  virtual std::uint16_t port() const = 0;
  // Graceful drain: stop accepting, close idle connections, let in-flight requests
  // finish (their responses carry Connection: close) for up to `drain`, then close
  // whatever is left and join the threads. Idempotent.
  virtual void stop(std::chrono::milliseconds drain) = 0;
  virtual std::size_t in_flight() const = 0;
  virtual std::size_t connections() const = 0;
};

}  // namespace tongban::http

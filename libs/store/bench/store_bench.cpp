// Redis SET throughput through libs/store at a given concurrency: N caller threads on the
// synchronous facade, and the async API with N commands in flight. Prints commands/s;
// bench/compare.sh prints redis-benchmark's figure for the same server next to it.
//
//   store_bench [--redis host:port] [--requests 200000] [--concurrency 50] [--pool 2]
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tongban/store/redis.hpp"

using namespace tongban;
using namespace tongban::store;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Same shape as redis-benchmark -t set: one key, a 3-byte value.
const Command kSet{"SET", "key:__rand_int__", "xxx"};

double run_sync(Redis& redis, long requests, int concurrency, long& errors) {
  std::atomic<long> next{0};
  std::atomic<long> failed{0};
  auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < requests) {
        auto r = redis.command(kSet);
        if (!r || r->is_error()) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  errors = failed.load();
  return static_cast<double>(requests) / secs;
}

double run_async(Redis& redis, long requests, int in_flight, long& errors) {
  std::atomic<long> issued{0};
  std::atomic<long> completed{0};
  std::atomic<long> failed{0};
  std::mutex mu;
  std::condition_variable cv;
  // Each chain issues its next command from the callback of the previous one.
  std::function<void()> issue = [&] {
    if (issued.fetch_add(1) >= requests) return;
    redis.async_command(kSet, [&](Result<Reply> r) {
      if (!r || r->is_error()) ++failed;
      if (completed.fetch_add(1) + 1 == requests) {
        std::lock_guard lock(mu);
        cv.notify_all();
      }
      issue();
    });
  };
  auto start = SteadyClock::now();
  for (int i = 0; i < in_flight; ++i) issue();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return completed.load() >= requests; });
  }
  double secs = std::chrono::duration<double>(SteadyClock::now() - start).count();
  errors = failed.load();
  return static_cast<double>(requests) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  std::string address =
      std::getenv("TONGBAN_TEST_REDIS") ? std::getenv("TONGBAN_TEST_REDIS") : "127.0.0.1:16390";
  long requests = 200000;
  int concurrency = 50;
  int pool = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--redis")
      address = argv[i + 1];
    else if (flag == "--requests")
      requests = std::atol(argv[i + 1]);
    else if (flag == "--concurrency")
      concurrency = std::atoi(argv[i + 1]);
    else if (flag == "--pool")
      pool = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  auto options = parse_redis_address(address);
  if (!options) {
    std::fprintf(stderr, "%s\n", options.error().message.c_str());
    return 2;
  }
  options->pool_size = pool;
  options->command_timeout = std::chrono::milliseconds(10000);
  auto redis = Redis::connect(*options);
  if (!redis || !(*redis)->ping(std::chrono::milliseconds(2000))) {
    std::fprintf(stderr, "redis at %s not reachable\n", address.c_str());
    return 1;
  }
  // Warm-up: connections, allocator, server.
  long errors = 0;
  run_async(**redis, 20000, concurrency, errors);

  double sync_rate = run_sync(**redis, requests, concurrency, errors);
  std::printf("store sync  SET: %.0f requests per second (%d threads, pool %d, %ld errors)\n",
              sync_rate, concurrency, pool, errors);
  double async_rate = run_async(**redis, requests, concurrency, errors);
  std::printf("store async SET: %.0f requests per second (%d in flight, pool %d, %ld errors)\n",
              async_rate, concurrency, pool, errors);
  return 0;
}

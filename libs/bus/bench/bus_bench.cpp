// Throughput of the idempotent producer (acks=all) with fixed-size values, printed in the
// shape of Kafka's ProducerPerformance so bench/compare.sh can put the two side by side.
//
//   bus_bench [--bootstrap host:port] [--topic T] [--num-records N] [--record-size B]
//             [--compression none|lz4|...] [--create-only]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "tongban/bus/admin.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"

using namespace tongban;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  log::set_level(log::Level::warn);
  std::string bootstrap;
  if (const char* env = std::getenv("TONGBAN_TEST_KAFKA")) bootstrap = env;
  if (bootstrap.empty()) bootstrap = "127.0.0.1:19092";
  std::string topic = bus::topic_name("bench", "producer_" + ids::random_hex(4));
  long long records = 200000;
  std::size_t size = 1024;
  std::string compression = "none";  // ProducerPerformance's default, for a fair ratio
  bool create_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--bootstrap" && has_value)
      bootstrap = argv[++i];
    else if (a == "--topic" && has_value)
      topic = argv[++i];
    else if (a == "--num-records" && has_value)
      records = std::atoll(argv[++i]);
    else if (a == "--record-size" && has_value)
      size = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--compression" && has_value)
      compression = argv[++i];
    else if (a == "--create-only")
      create_only = true;
    else {
      std::fprintf(stderr, "bus_bench: unknown or incomplete argument %s\n", a.c_str());
      return 2;
    }
  }

  bus::KafkaConfig config;
  config.bootstrap_servers = bootstrap;
  config.client_id = "bus_bench";
  if (auto r = bus::ensure_topics(config, {{topic, 3, 1}}, 15s); !r) {
    std::fprintf(stderr, "bus_bench: %s\n", r.error().message.c_str());
    return 1;
  }
  if (create_only) {
    std::printf("%s\n", topic.c_str());
    return 0;
  }

  bus::ProducerOptions options;
  options.compression = compression;
  auto producer = bus::Producer::create(config, options);
  if (!producer) {
    std::fprintf(stderr, "bus_bench: %s\n", producer.error().message.c_str());
    return 1;
  }
  // Random upper-case letters, as ProducerPerformance sends.
  std::mt19937 rng(42);
  std::string value(size, 'A');
  for (auto& c : value) c = static_cast<char>('A' + rng() % 26);

  std::atomic<long long> delivered{0};
  std::atomic<long long> failed{0};
  const auto on_delivery = [&](const Result<void>& r) {
    (r ? delivered : failed).fetch_add(1, std::memory_order_relaxed);
  };
  const auto start = std::chrono::steady_clock::now();
  for (long long i = 0; i < records; ++i) {
    while (true) {
      auto r = (*producer)->produce({topic, {}, value, {}}, on_delivery);
      if (r) break;
      if (!r.error().retryable) {
        std::fprintf(stderr, "bus_bench: %s\n", r.error().message.c_str());
        return 1;
      }
      std::this_thread::sleep_for(200us);  // local queue full: let deliveries drain it
    }
  }
  if (auto r = (*producer)->flush(120s); !r) {
    std::fprintf(stderr, "bus_bench: %s\n", r.error().message.c_str());
    return 1;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double rate = static_cast<double>(delivered.load()) / secs;
  const double mb = rate * static_cast<double>(size) / (1024.0 * 1024.0);
  std::printf(
      "bus_bench: %lld records sent, %.1f records/sec (%.2f MB/sec), %.2f s, %lld failed, "
      "record size %zu, compression %s, topic %s\n",
      delivered.load(), rate, mb, secs, failed.load(), size, compression.c_str(), topic.c_str());
  return failed.load() == 0 ? 0 : 1;
}

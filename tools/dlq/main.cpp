// tongban-dlq: inspect a dead-letter topic and put its messages back where they came from.
//
//   tongban-dlq list   <dlq-topic> [--bootstrap host:port] [--max N]
//   tongban-dlq replay <dlq-topic> (--all | --offset N [--partition P]) [--bootstrap host:port]
//
// Output is one JSON object per line on stdout (the tongban log format shares the stream;
// letters carry "dlq_offset", replays "replayed"). Exit status: 0 done, 1 failed, 2 usage.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "tongban/bus/dlq.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/log.hpp"

namespace {

using namespace tongban;
using namespace std::chrono_literals;

constexpr std::size_t kValuePreview = 256;
constexpr auto kReadTimeout = 60s;
constexpr auto kDeliveryTimeout = 35s;

struct Args {
  std::string command;
  std::string topic;
  std::string bootstrap;
  std::size_t max = std::numeric_limits<std::size_t>::max();
  std::optional<long long> offset;
  std::optional<int> partition;
  bool all = false;
};

int usage(const std::string& why) {
  std::cerr << "tongban-dlq: " << why << "\n"
            << "usage: tongban-dlq list <dlq-topic> [--bootstrap host:port] [--max N]\n"
            << "       tongban-dlq replay <dlq-topic> (--all | --offset N [--partition P])"
               " [--bootstrap host:port]\n"
            << "bootstrap defaults to $TONGBAN_KAFKA_BOOTSTRAP, else 127.0.0.1:9092\n";
  return 2;
}

template <class T>
bool parse_number(const std::string& text, T& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::optional<Args> parse_args(int argc, char** argv, std::string& error) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "--all") {
      a.all = true;
    } else if (arg == "--bootstrap" || arg == "--max" || arg == "--offset" ||
               arg == "--partition") {
      auto v = value();
      if (!v) {
        error = arg + " needs a value";
        return std::nullopt;
      }
      bool ok = true;
      if (arg == "--bootstrap") a.bootstrap = *v;
      if (arg == "--max") ok = parse_number(*v, a.max);
      if (arg == "--offset") ok = parse_number(*v, a.offset.emplace());
      if (arg == "--partition") ok = parse_number(*v, a.partition.emplace());
      if (!ok) {
        error = arg + " needs a number, got '" + *v + "'";
        return std::nullopt;
      }
    } else if (arg.starts_with("--")) {
      error = "unknown option " + arg;
      return std::nullopt;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    error = "expected a command and a DLQ topic";
    return std::nullopt;
  }
  a.command = positional[0];
  a.topic = positional[1];
  if (a.command != "list" && a.command != "replay") {
    error = "unknown command " + a.command;
    return std::nullopt;
  }
  if (a.command == "replay" && a.all == a.offset.has_value()) {
    error = "replay needs exactly one of --all or --offset N";
    return std::nullopt;
  }
  if (a.bootstrap.empty()) {
    const char* env = std::getenv("TONGBAN_KAFKA_BOOTSTRAP");
    a.bootstrap = env != nullptr && *env != '\0' ? env : "127.0.0.1:9092";
  }
  return a;
}

void print(const boost::json::object& line) {
  std::cout << boost::json::serialize(line) << std::endl;
}

boost::json::object describe(const bus::DeadLetter& d) {
  std::string value = d.value;
  const bool truncated = value.size() > kValuePreview;
  if (truncated) value.resize(kValuePreview);
  return {{"dlq_topic", d.topic},
          {"dlq_partition", d.partition},
          {"dlq_offset", d.offset},
          {"key", d.key},
          {"reason", d.reason},
          {"original_topic", d.original_topic},
          {"original_partition", d.original_partition},
          {"original_offset", d.original_offset},
          {"attempts", d.attempts},
          {"time", d.time},
          {"value", value},
          {"value_bytes", d.value.size()},
          {"value_truncated", truncated}};
}

int list(const Args& a, const bus::KafkaConfig& config) {
  auto letters = bus::read_dead_letters(config, a.topic, a.max, kReadTimeout);
  if (!letters) {
    std::cerr << "tongban-dlq: " << letters.error().message << "\n";
    return 1;
  }
  for (const auto& d : *letters) print(describe(d));
  return 0;
}

int replay(const Args& a, const bus::KafkaConfig& config) {
  auto letters = bus::read_dead_letters(config, a.topic, a.max, kReadTimeout);
  if (!letters) {
    std::cerr << "tongban-dlq: " << letters.error().message << "\n";
    return 1;
  }
  std::vector<const bus::DeadLetter*> chosen;
  for (const auto& d : *letters) {
    if (a.all || (d.offset == *a.offset && (!a.partition || d.partition == *a.partition))) {
      chosen.push_back(&d);
    }
  }
  if (chosen.empty() && !a.all) {
    std::cerr << "tongban-dlq: no dead letter at offset " << *a.offset << " in " << a.topic << "\n";
    return 1;
  }
  if (chosen.size() > 1 && !a.all) {
    std::cerr << "tongban-dlq: offset " << *a.offset
              << " exists in several partitions; add --partition P\n";
    return 2;
  }
  auto producer = bus::Producer::create(config);
  if (!producer) {
    std::cerr << "tongban-dlq: " << producer.error().message << "\n";
    return 1;
  }
  int failures = 0;
  for (const auto* d : chosen) {
    boost::json::object line{{"replayed", false},
                             {"dlq_topic", d->topic},
                             {"dlq_partition", d->partition},
                             {"dlq_offset", d->offset},
                             {"key", d->key}};
    auto msg = bus::replay_message(*d);
    Result<void> sent =
        msg ? (*producer)->produce_sync(*msg, kDeliveryTimeout) : Result<void>(fail(msg.error()));
    if (msg) line["topic"] = msg->topic;
    if (sent) {
      line["replayed"] = true;
    } else {
      line["error"] = sent.error().message;
      ++failures;
    }
    print(line);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  log::set_service("tongban-dlq");
  log::set_level(log::Level::warn);
  std::string error;
  auto args = parse_args(argc, argv, error);
  if (!args) return usage(error);
  bus::KafkaConfig config;
  config.bootstrap_servers = args->bootstrap;
  config.client_id = "tongban-dlq";
  return args->command == "list" ? list(*args, config) : replay(*args, config);
}

// tongban-audit-verify: checks datahub's audit chain without the service — straight from
// Redis, or from files exported through /v1/audit/entries and /v1/audit/checkpoints —
// and says where the first changed, deleted or reordered entry is.
//
//   tongban-audit-verify --redis 127.0.0.1:6390 [--jwks audit-jwks.json]
//   tongban-audit-verify --entries entries.ndjson [--checkpoints cps.ndjson] --jwks jwks.json
//                        [--head <seq>:<hash>]
//
// Prints one JSON line (the report); exit 0 intact, 1 tampered, 2 usage or I/O error.
// Checkpoint signatures are checked against --jwks (the keys from /v1/audit/jwks.json,
// kept apart from the store); with --redis and no --jwks, the key stored beside the chain
// is used, which proves linkage and checkpoints but not against whoever holds that Redis.
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "repo/audit_log.hpp"
#include "tongban/auth/jwk.hpp"
#include "tongban/store/redis.hpp"

namespace {

using namespace tongban;
using namespace tongban::datahub;

int usage(const std::string& why) {
  std::cerr << "tongban-audit-verify: " << why
            << "\nusage: tongban-audit-verify (--redis HOST:PORT | --entries FILE "
               "[--checkpoints FILE] [--head SEQ:HASH]) [--jwks FILE] [--window N]\n"
               "  Redis password: TONGBAN_REDIS_PASSWORD\n";
  return 2;
}

std::optional<std::vector<std::string>> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(std::move(line));
  }
  return out;
}

std::optional<std::string> read_all(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string redis_addr, entries_file, checkpoints_file, jwks_file, head_text;
  std::size_t window = 4096;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string w;
    if (arg == "--redis"         ? !value(redis_addr)
        : arg == "--entries"     ? !value(entries_file)
        : arg == "--checkpoints" ? !value(checkpoints_file)
        : arg == "--jwks"        ? !value(jwks_file)
        : arg == "--head"        ? !value(head_text)
        : arg == "--window"      ? !value(w)
                                 : true) {
      return usage("bad argument " + arg);
    }
    if (!w.empty()) window = std::strtoull(w.c_str(), nullptr, 10);
  }
  if (redis_addr.empty() == entries_file.empty()) {
    return usage("give exactly one of --redis and --entries");
  }

  std::optional<auth::Jwks> keys;
  if (!jwks_file.empty()) {
    auto text = read_all(jwks_file);
    if (!text) return usage("cannot read " + jwks_file);
    auto parsed = auth::Jwks::parse(*text);
    if (!parsed) return usage("bad JWKS: " + parsed.error().message);
    keys = std::move(*parsed);
  }

  std::unique_ptr<store::Redis> redis;
  std::vector<std::string> file_entries;
  std::vector<Checkpoint> checkpoints;
  std::optional<ChainHead> head;
  EntryReader reader;
  if (!redis_addr.empty()) {
    store::RedisOptions base;
    if (const char* pw = std::getenv("TONGBAN_REDIS_PASSWORD")) base.password = pw;
    auto options = store::parse_redis_address(redis_addr, base);
    if (!options) return usage(options.error().message);
    auto connected = store::Redis::connect(*options);
    if (!connected) return usage("redis: " + connected.error().message);
    redis = std::move(*connected);
    if (auto ping = redis->ping(std::chrono::seconds(2)); !ping) {
      return usage("redis unreachable: " + ping.error().message);
    }
    auto cps = read_checkpoints(*redis);
    if (!cps) return usage(cps.error().message);
    checkpoints = std::move(*cps);
    auto h = read_head(*redis);
    if (!h) return usage(h.error().message);
    head = *h;
    reader = redis_entry_reader(*redis);
    if (!keys) {
      auto stored = stored_checkpoint_keys(*redis);
      if (!stored) return usage("no --jwks and no stored key: " + stored.error().message);
      keys = std::move(*stored);
    }
  } else {
    auto lines = read_lines(entries_file);
    if (!lines) return usage("cannot read " + entries_file);
    file_entries = std::move(*lines);
    if (!checkpoints_file.empty()) {
      auto cps = read_lines(checkpoints_file);
      if (!cps) return usage("cannot read " + checkpoints_file);
      for (const auto& line : *cps) {
        auto cp = parse_checkpoint(line);
        checkpoints.push_back(cp ? *cp : Checkpoint{0, "", {}, "unparseable"});
      }
      if (!checkpoints.empty() && !keys) return usage("checkpoints need --jwks");
    }
    if (!head_text.empty()) {
      const auto colon = head_text.find(':');
      if (colon == std::string::npos) return usage("--head is SEQ:HASH");
      head = ChainHead{std::strtoull(head_text.c_str(), nullptr, 10), head_text.substr(colon + 1)};
    }
    reader = [&file_entries](std::size_t offset,
                             std::size_t count) -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      for (std::size_t i = offset; i < file_entries.size() && i < offset + count; ++i) {
        out.push_back(file_entries[i]);
      }
      return out;
    };
  }

  const auth::Jwks none;
  const auth::Jwks& k = keys ? *keys : none;
  auto report = verify_stored_chain(
      reader, checkpoints,
      [&k](std::string_view p, std::string_view s) { return check_checkpoint_signature(k, p, s); },
      head, window);
  if (!report) return usage("read failed: " + report.error().message);
  std::cout << boost::json::serialize(to_json(*report)) << "\n";
  return report->intact() ? 0 : 1;
}

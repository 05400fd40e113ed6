// The bus's DedupeStore on Redis: which event ids a consumer has applied, kept for a TTL
// (default 7 days, longer than any redelivery) under tb:<service>:dedupe:<consumer>:<id>.
#pragma once

#include <chrono>
#include <string>

#include "tongban/bus/consumer.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::store {

class RedisDedupe : public bus::DedupeStore {
 public:
  static constexpr std::chrono::seconds kDefaultTtl{7 * 24 * 3600};

  // `redis` must outlive this store.
  RedisDedupe(Redis& redis, std::string service, std::chrono::seconds ttl = kDefaultTtl);

  Result<bool> seen(const std::string& consumer, const std::string& event_id) override;
  Result<void> mark(const std::string& consumer, const std::string& event_id) override;

  std::string key(const std::string& consumer, const std::string& event_id) const;

 private:
  Redis& redis_;
  std::string prefix_;
  std::chrono::seconds ttl_;
};

}  // namespace tongban::store

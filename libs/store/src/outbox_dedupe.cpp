#include <utility>

#include "tongban/store/dedupe.hpp"

namespace tongban::store {

RedisDedupe::RedisDedupe(Redis& redis, std::string service, std::chrono::seconds ttl)
    : redis_(redis), prefix_("tb:" + std::move(service) + ":dedupe:"), ttl_(ttl) {}

std::string RedisDedupe::key(const std::string& consumer, const std::string& event_id) const {
  return prefix_ + consumer + ":" + event_id;
}

Result<bool> RedisDedupe::seen(const std::string& consumer, const std::string& event_id) {
  auto r = redis_.command(Command{"EXISTS", key(consumer, event_id)});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::unavailable("dedupe EXISTS failed: " + r->str()));
  return r->integer() == 1;
}

Result<void> RedisDedupe::mark(const std::string& consumer, const std::string& event_id) {
  // NX: the first mark's TTL stands; a second mark of the same id is not an error.
  auto r = redis_.command(
      Command{"SET", key(consumer, event_id), "1", "NX", "EX", std::to_string(ttl_.count())});
  if (!r) return fail(std::move(r.error()));
  if (r->is_error()) return fail(Error::unavailable("dedupe SET failed: " + r->str()));
  return {};
}

}  // namespace tongban::store

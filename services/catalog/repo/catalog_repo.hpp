// The catalog in Redis (tb:catalog:*): versioned items and implementations whose published
// versions are immutable, search indexes kept in the same atomic write as the publish, and
// the outbox event with it.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/implementation.hpp"
#include "domain/item.hpp"
#include "domain/lifecycle.hpp"
#include "domain/search.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/outbox_message.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::catalog {

inline constexpr std::string_view kItemsTopic = "tongban.catalog.items.v1";

// What Redis holds of one versioned entity (an item, or an item's implementation in a city).
struct Entity {
  Head head;
  long long etag = 0;  // bumps on every write: the compare-and-set token
  std::string draft;   // JSON of the pending draft, when head.has_draft
};

struct SearchPage {
  std::vector<boost::json::object> items;  // published item JSON with "version"
  std::optional<std::string> next_cursor;
};

class CatalogRepo {
 public:
  CatalogRepo(store::Redis& redis, const Clock& clock);

  static std::string item_entity(const std::string& code);
  static std::string impl_entity(const std::string& code, const std::string& city);

  Result<std::optional<Entity>> load(const std::string& entity);
  // Stores a draft after `apply(edit_draft)` on the head read with `etag`.
  Result<long long> save_draft(const std::string& entity, long long etag, const Head& head,
                               const std::string& draft_json);
  // Freezes the draft as `version`; for items, re-indexes; appends the event.
  Result<void> publish_item(const BaseItem& item, long long etag, const Head& head,
                            std::uint32_t version, const store::OutboxMessage& event);
  Result<void> publish_implementation(const Implementation& impl, long long etag, const Head& head,
                                      std::uint32_t version, const store::OutboxMessage& event);
  Result<void> withdraw_item(const std::string& code, long long etag, const Head& head,
                             const store::OutboxMessage& event);

  // The latest published JSON (with "version", "state", "published_at") or nullopt.
  Result<std::optional<boost::json::object>> current(const std::string& entity);
  Result<std::optional<boost::json::object>> version(const std::string& entity, std::uint32_t v);
  Result<SearchPage> search(const SearchQuery& query);
  Result<long long> published_count();

 private:
  Result<void> publish(const std::string& entity, long long etag, const Head& head,
                       std::uint32_t version, boost::json::object doc,
                       const store::OutboxMessage& event,
                       const std::vector<std::string>& index_keys, const std::string& member,
                       const std::string& names);
  store::Redis& redis_;
  const Clock& clock_;
};

}  // namespace tongban::catalog

// notify's Redis keys (tb:notify:...): applicants' preferences, the items' names from
// catalog's events, and the delivery queue — each delivery a hash, the due ones in a sorted
// set by next attempt time, the dead ones in another, each applicant's in an inbox.
//
//   tb:notify:prefs:<subject>      string  the preferences (JSON)
//   tb:notify:item:<code>          hash    version, zh, en
//   tb:notify:d:<delivery id>      hash    the delivery and its state (see Stored)
//   tb:notify:due                  zset    pending delivery ids by next attempt (ms)
//   tb:notify:dead                 zset    dead delivery ids by time of death (ms)
//   tb:notify:inbox:<subject>      zset    an applicant's delivery ids by creation (ms)
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/model.hpp"
#include "domain/preferences.hpp"
#include "domain/routing.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/redis.hpp"

namespace tongban::notify {

enum class DeliveryStatus : std::uint8_t { pending, delivered, dead };
std::string_view to_string(DeliveryStatus s);

// A delivery as stored, with its progress.
struct Stored {
  Delivery delivery;
  DeliveryStatus status = DeliveryStatus::pending;
  int attempts = 0;  // attempts made (failed ones and the successful one)
  std::int64_t created_ms = 0;
  std::int64_t next_ms = 0;       // pending: when it is tried next
  std::int64_t delivered_ms = 0;  // delivered: when
  std::int64_t dead_ms = 0;       // dead: when
  std::string last_error;
  std::string claim;  // the token of the dispatcher holding it; "" when free
};

// The API's view of a delivery (GET /v1/me/notifications, /v1/deliveries).
boost::json::object to_json(const Stored& s);

// How a claimed delivery's attempt ended.
enum class Outcome : std::uint8_t { delivered, retry, dead };

class NotifyRepo {
 public:
  explicit NotifyRepo(store::Redis& redis);

  Result<std::optional<Preferences>> preferences(const std::string& subject);
  Result<void> save_preferences(const std::string& subject, const Preferences& p);

  // What rendering a case event's deliveries needs, read in one round trip: the applicant's
  // preferences (nullopt: never set) and the item's names.
  struct EventContext {
    std::optional<Preferences> preferences;
    ItemNames item;
  };
  Result<EventContext> event_context(const std::string& applicant, const std::string& item_code);
  // Keeps the names of the newest version seen.
  Result<void> save_item(const std::string& code, std::int64_t version, const std::string& zh,
                         const std::string& en);

  // Stores each new pending delivery, due now, in the applicant's inbox when it is theirs,
  // all in one round trip. Per delivery, false when one with its id exists already (a
  // redelivered event): nothing changes for it. An error leaves some stored, some not;
  // enqueueing them all again is safe.
  Result<std::vector<bool>> enqueue(const std::vector<Delivery>& deliveries, std::int64_t now_ms);

  // Ids of pending deliveries due at `now_ms`, oldest first.
  Result<std::vector<std::string>> due(std::int64_t now_ms, std::size_t limit);
  // Takes a due delivery for one attempt: it is not due again before `lease_until_ms`
  // (a dispatcher that dies mid-send leaves it to the next one after the lease). nullopt
  // when it is no longer due (another replica took it) or gone.
  Result<std::optional<Stored>> claim(const std::string& id, std::int64_t now_ms,
                                      std::int64_t lease_until_ms, const std::string& token);
  // Records the attempt's outcome, if `token` still holds the claim. `next_ms`: when to try
  // again (retry); `retention`: how long a finished (delivered or dead) delivery stays.
  Result<bool> complete(const std::string& id, const std::string& token, Outcome outcome,
                        std::int64_t now_ms, std::int64_t next_ms, const std::string& error,
                        std::chrono::milliseconds retention);
  // A dead delivery back to pending, due now, with its attempts reset; false if not dead.
  Result<bool> requeue(const std::string& id, std::int64_t now_ms);

  Result<std::optional<Stored>> get(const std::string& id);
  // The applicant's deliveries, newest first.
  Result<std::vector<Stored>> inbox(const std::string& subject, std::size_t limit);
  // Pending (by next attempt) or dead (newest death first) deliveries.
  Result<std::vector<Stored>> list(DeliveryStatus status, std::size_t limit);
  // {pending, dead} counts for the gauges.
  Result<std::pair<long long, long long>> counts();

  const store::Keyspace& keyspace() const { return ks_; }

 private:
  Result<std::vector<Stored>> load_all(const std::vector<std::string>& ids,
                                       const std::string& index_key);

  store::Redis& redis_;
  store::Keyspace ks_;
};

}  // namespace tongban::notify

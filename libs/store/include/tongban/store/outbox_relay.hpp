// The relay of a transactional outbox: publishes the entries of "tb:<service>:outbox" to
// Kafka in stream order and deletes each only after its delivery report said OK, so a
// state change committed in Redis always reaches the bus (at least once).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/store/script.hpp"

namespace tongban::store {

struct OutboxRelayOptions {
  std::string service;  // relays tb:<service>:outbox under the lease tb:<service>:outbox:lease
  std::string owner;    // lease holder id; default "<hostname>-<pid>-<random>"
  int batch_size = 100;
  // Only the holder of the lease relays, so entries leave in order even with several
  // replicas. Renewed before every batch; a dead holder's lease lapses after this long.
  std::chrono::milliseconds lease_ttl{10000};
  // Waiting for the delivery reports of a batch; keep it well below lease_ttl.
  std::chrono::milliseconds delivery_timeout{5000};
  // An empty outbox is waited on with XREAD BLOCK (on a connection of its own) this
  // long at a time; new entries wake the relay at once.
  std::chrono::milliseconds idle_wait{500};
  std::chrono::milliseconds retry_backoff{500};  // after a failed delivery or Redis error
  // When busy, publish in fuller batches: after a step that published more than one entry
  // (they arrive faster than one per step) but less than a full batch, the next step starts
  // no sooner than this long after that one started. The broker's cost is per produce
  // request, and each wakes the consumers waiting on the topic, so this trades up to
  // `gather` of delay per event for fewer requests. A step that found one entry, an idle
  // relay (woken at once by XREAD BLOCK) and a relay behind (full batches) never wait.
  // 0: step again at once. Capped at half of lease_ttl.
  std::chrono::milliseconds gather{0};
  // Test hook, to simulate a crash between publish and delete: after the first batch is
  // delivered the relay stops without XDEL (and without releasing its lease).
  bool stop_before_delete = false;
};

class OutboxRelay {
 public:
  OutboxRelay(Redis& redis, bus::Producer& producer, OutboxRelayOptions options);
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Starts the relay thread.
  void start();
  // Finishes the batch in hand, releases the lease, joins.
  void stop();

  // One step, for callers that drive the relay themselves, in one Redis round trip: delete
  // what the previous step published, take or renew the lease and read up to one batch; then
  // publish it. Returns the number of entries published (0 when another relay holds the
  // lease or the outbox is empty); they are deleted by the next step, or by stop().
  Result<int> relay_once();

  // Entries not yet published, as the last step counted them (a relay steps at least
  // every idle_wait, leader or not); nullopt before the first step and after a failed one.
  // Reads no Redis: a scrape of /metrics runs on the HTTP I/O thread.
  std::optional<long long> backlog() const;

  bool leader() const { return leader_.load(); }
  long long published() const { return published_.load(); }
  // Steps that published at least one entry: produce batches. published() / batches() is
  // how full they are (what `gather` buys).
  long long batches() const { return batches_.load(); }
  long long delivery_failures() const { return failures_.load(); }
  const std::string& outbox() const { return outbox_; }
  const std::string& owner() const { return options_.owner; }

 private:
  void run();
  void note_leader(bool held);
  // XDEL of what was published and not yet deleted, then the lease released.
  void finish();
  void wait_for_entries();
  void pause(std::chrono::milliseconds d);
  // Waits until `until` or stop(), whichever comes first.
  void pause_until(std::chrono::steady_clock::time_point until);
  // Counts a step's delivered entries (and the step as a batch when there were any).
  void note_published(std::size_t delivered);

  Redis& redis_;
  bus::Producer& producer_;
  OutboxRelayOptions options_;
  std::string outbox_;
  std::string lease_key_;
  std::string dead_key_;
  std::unique_ptr<RedisSession> waiter_;  // XREAD BLOCK must not hold a shared connection

  std::atomic<bool> running_{false};
  std::atomic<bool> leader_{false};
  std::atomic<long long> published_{0};
  std::atomic<long long> batches_{0};
  std::atomic<long long> failures_{0};
  std::atomic<long long> backlog_{-1};
  // Published, to be deleted by the next step (the relay's thread, or relay_once's caller).
  std::vector<std::string> published_ids_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace tongban::store

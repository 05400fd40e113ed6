// Consumer-group runner: commit-after-success, dedupe by event id, bounded retries,
// then the poison message goes to "<topic>.dlq" and the partition moves on.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/result.hpp"

namespace tongban::bus {

struct IncomingMessage {
  std::string topic;
  int partition = 0;
  long long offset = 0;
  std::string key;
  std::string value;
  Headers headers;
  const std::string* header(std::string_view name) const;
};

// Remembers which event ids a consumer group has applied. The Redis implementation is
// tongban::store::RedisDedupe; `mark` runs only after the handler succeeded.
class DedupeStore {
 public:
  virtual ~DedupeStore() = default;
  virtual Result<bool> seen(const std::string& consumer, const std::string& event_id) = 0;
  virtual Result<void> mark(const std::string& consumer, const std::string& event_id) = 0;
};

struct ConsumerOptions {
  std::string group_id;
  std::vector<std::string> topics;
  int max_attempts = 5;                          // then the DLQ
  std::chrono::milliseconds retry_backoff{200};  // doubles per attempt, capped at 5 s
  std::chrono::milliseconds max_poll_interval{300000};
  bool from_beginning = true;  // auto.offset.reset=earliest for a new group
  // Added with the implementation: a member silent this long leaves the group.
  std::chrono::milliseconds session_timeout{30000};
  // Partitions of each "<topic>.dlq" the runner creates at start: one by default, so a
  // DLQ has a single offset sequence (`tongban-dlq replay --offset N`) and keeps the order
  // in which messages died. -1 = the broker's default; an existing topic is left alone.
  int dlq_partitions = 1;
  int dlq_replication_factor = -1;  // the broker's default.replication.factor
  // Optional: false for an event the handler would pass by without effect, decided from the
  // envelope alone. Such an event is done at once, without the dedupe store's two round trips
  // (a service's own events coming back were most of what its consumer read).
  std::function<bool(const Envelope&)> concerns;
  // Optional, and cheaper: true for an event to pass by, judged from its source and type
  // read off the raw message (peek_head) before anything is copied or decoded. A message
  // whose head cannot be read goes on to be decoded (and dead-lettered if it is no envelope).
  std::function<bool(const EnvelopeHead&)> passes_by;
  // For a group no person waits on (a dashboard's fold, messages, record keeping): the
  // broker answers a fetch once 1 MB is there or this long has passed, rather than as soon
  // as one message is — fewer, fuller fetches for the broker and the consumer, at up to
  // this much delay per event. 0: answer at once (hand-offs between places).
  std::chrono::milliseconds gather{0};
  // For service::Service::consume: false when the handler is idempotent by itself (a version
  // compare-and-set), which saves the dedupe store's two round trips per event.
  bool dedupe = true;
  // Optional, for a handler that leaves its writes pending and sends them together (one Redis
  // round trip for what a fetch brought, not one per event). Called once the messages at hand
  // are handled — what the last fetch brought, at most max_batch — and before any of their
  // offsets is stored; also before partitions are revoked and before the runner stops. A
  // failure is called again with the writes still pending (backoff, within the retry budget);
  // past that, or when stopping, nothing of the batch is stored and its messages come again
  // (the partitions are rewound): the handler must not count on what it had pending then.
  std::function<Result<void>()> flush;
  // Optional, beside flush: called on the consumer thread when a batch is given up that way,
  // so the handler drops what it had pending (those messages come again, maybe to another
  // member of the group, and must not be written twice here or by a member that no longer
  // owns their partition).
  std::function<void()> discard;
  std::size_t max_batch = 500;
};

// What the platform's background groups (portal, notify, datahub) gather their fetches for.
inline constexpr std::chrono::milliseconds kGatherDefault{50};

// The handler gets decoded envelopes. A value that is not a valid envelope is poison
// and goes to the DLQ without calling the handler. An error with retryable=true is
// retried; a non-retryable one goes to the DLQ at once.
using EnvelopeHandler = std::function<Result<void>(const Envelope&, const IncomingMessage&)>;

// How far a group is behind on one partition it holds.
struct PartitionLag {
  std::string topic;
  int partition = 0;
  long long messages = 0;  // in the partition beyond the next one the handler will get
};

// How long after they happened a group's handler got the events it handled: from the
// envelope's time (the write that made the event, on whichever replica) to the handler's
// first attempt, so it spans the producer's outbox, the relay, the broker and the
// consumer's own queue. Passed-by events are not counted. Buckets as Prometheus has them.
struct EventAges {
  static constexpr std::array<double, 16> kBounds{0.001, 0.002, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,   0.25,  0.5,   1,    2.5,   5,
                                                  10,    30,    60,    300};  // seconds
  std::array<long long, kBounds.size() + 1> counts{};  // per bucket (not cumulative); +Inf last
  double sum_seconds = 0;
  long long count = 0;
};

class ConsumerRunner {
 public:
  // `dlq_producer` publishes poison messages and must outlive the runner; `dedupe` may be
  // null (handler idempotent). Creates the "<topic>.dlq" topics and subscribes; an
  // unreachable broker is an error value.
  static Result<std::unique_ptr<ConsumerRunner>> create(const KafkaConfig& config,
                                                        ConsumerOptions options,
                                                        EnvelopeHandler handler,
                                                        Producer& dlq_producer,
                                                        std::shared_ptr<DedupeStore> dedupe);
  virtual ~ConsumerRunner() = default;

  // Starts the poll thread.
  virtual void start() = 0;
  // Finishes the message in hand, commits stored offsets, leaves the group, joins.
  virtual void stop() = 0;

  // Counters for /metrics and tests. `processed` includes `passed_by`: the messages passed
  // by unhandled, on their raw head (`passes_by`) or after decoding (`concerns`).
  virtual long long processed() const = 0;
  virtual long long passed_by() const = 0;
  virtual long long duplicates() const = 0;
  virtual long long dead_lettered() const = 0;
  virtual EventAges event_ages() const = 0;
  // Per assigned partition: the high watermark of the last fetch minus the group's position
  // (no broker round trip: cheap enough for every scrape). A partition is left out until its
  // first message since it was assigned (no position yet).
  virtual std::vector<PartitionLag> lag() const = 0;
};

}  // namespace tongban::bus

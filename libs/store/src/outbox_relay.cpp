#include "tongban/store/outbox_relay.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/core/thread_name.hpp"
#include "tongban/store/outbox_message.hpp"

namespace tongban::store {
namespace {

using std::chrono::milliseconds;

// One step of the relay in one round trip: delete what the previous step published (it was
// delivered, whoever holds the lease now), take the lease if free or renew it if ours, and
// read the next batch. KEYS: lease, outbox. ARGV: owner, lease ms, batch size, ids to delete.
// Returns {0, backlog} when another relay holds the lease, else {1, entries, backlog}; the
// backlog (XLEN after the delete) is what /metrics shows, so a scrape needs no Redis call.
const Script kRelayStep(R"lua(
if #ARGV > 3 then redis.call('XDEL', KEYS[2], unpack(ARGV, 4)) end
local backlog = redis.call('XLEN', KEYS[2])
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
elseif holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  return {0, backlog}
end
return {1, redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[3]), backlog}
)lua");

const Script kReleaseLease(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua");

struct Entry {
  std::string id;
  OutboxMessage message;
  std::vector<std::string> fields;  // as stored, for moving a malformed entry aside
  bool valid = false;
};

Entry parse_entry(const Reply& r) {
  Entry e;
  if (!r.is_array() || r.array().size() != 2) return e;
  e.id = r.array()[0].str();
  const auto& kv = r.array()[1].array();
  bool has_topic = false, has_event = false;
  for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
    const std::string& field = kv[i].str();
    const std::string& value = kv[i + 1].str();
    e.fields.push_back(field);
    e.fields.push_back(value);
    if (field == "topic") {
      e.message.topic = value;
      has_topic = !value.empty();
    } else if (field == "key") {
      e.message.key = value;
    } else if (field == "event") {
      e.message.event = value;
      has_event = true;
    } else if (field == "traceparent") {
      e.message.traceparent = value;
    }
  }
  e.valid = !e.id.empty() && has_topic && has_event;
  return e;
}

std::string default_owner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + ids::random_hex(4);
}

// Delivery reports of one batch, filled from the producer's poll thread.
struct Reports {
  explicit Reports(std::size_t n) : results(n) {}
  std::mutex mu;
  std::condition_variable cv;
  std::size_t outstanding = 0;
  std::vector<std::optional<Result<void>>> results;
};

}  // namespace

OutboxRelay::OutboxRelay(Redis& redis, bus::Producer& producer, OutboxRelayOptions options)
    : redis_(redis), producer_(producer), options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = default_owner();
  if (options_.batch_size < 1) options_.batch_size = 1;
  // A relay gathering must still renew its lease in time.
  options_.gather = std::min(options_.gather, options_.lease_ttl / 2);
  outbox_ = outbox_key(options_.service);
  lease_key_ = outbox_ + ":lease";
  dead_key_ = outbox_ + ":dead";
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    name_this_thread("outbox-relay");
    run();
  });
}

void OutboxRelay::stop() {
  {
    std::lock_guard lock(mu_);
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();  // run() finished
  } else if (!options_.stop_before_delete) {
    finish();  // driven by relay_once()
  }
}

void OutboxRelay::pause(milliseconds d) { pause_until(std::chrono::steady_clock::now() + d); }

void OutboxRelay::pause_until(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  wake_.wait_until(lock, until, [&] { return !running_.load(); });
}

void OutboxRelay::note_published(std::size_t delivered) {
  published_ += static_cast<long long>(delivered);
  if (delivered > 0) ++batches_;
}

void OutboxRelay::run() {
  log::info("outbox relay started", {{"outbox", outbox_}, {"owner", options_.owner}});
  while (running_.load()) {
    const auto started = std::chrono::steady_clock::now();
    auto n = relay_once();
    if (!running_.load()) break;
    if (!n) {
      log::warn("outbox relay step failed", {{"outbox", outbox_}, {"error", n.error().message}});
      pause(options_.retry_backoff);
    } else if (*n == 0) {
      if (leader_.load()) {
        wait_for_entries();
      } else {
        pause(options_.idle_wait);  // a standby: try the lease again later
      }
    } else if (*n > 1 && *n < options_.batch_size && options_.gather.count() > 0) {
      pause_until(started + options_.gather);
    }
  }
  if (!options_.stop_before_delete) finish();
  leader_ = false;
  log::info("outbox relay stopped", {{"outbox", outbox_}, {"published", published_.load()}});
}

void OutboxRelay::note_leader(bool held) {
  if (held != leader_.exchange(held)) {
    log::info(held ? "outbox lease taken" : "outbox lease lost",
              {{"outbox", outbox_}, {"owner", options_.owner}});
  }
}

void OutboxRelay::finish() {
  if (!published_ids_.empty()) {
    Command xdel{"XDEL", outbox_};
    xdel.insert(xdel.end(), published_ids_.begin(), published_ids_.end());
    // Left undeleted on failure: the next relay publishes them again (consumers dedupe).
    if (redis_.command(xdel)) published_ids_.clear();
  }
  if (leader_.exchange(false)) kReleaseLease.run(redis_, {lease_key_}, {options_.owner});
}

void OutboxRelay::wait_for_entries() {
  if (!waiter_) {
    auto session = redis_.session();
    if (!session) {
      pause(options_.idle_wait);  // Redis trouble: poll instead
      return;
    }
    waiter_ = std::move(*session);
  }
  // The outbox was empty a moment ago, so any entry after 0-0 is new: no race with an
  // XADD between our XRANGE and this XREAD.
  auto r = waiter_->command(
      Command{"XREAD", "COUNT", "1", "BLOCK", std::to_string(options_.idle_wait.count()), "STREAMS",
              outbox_, "0-0"},
      options_.idle_wait + redis_.options().command_timeout);
  if (!r) {
    waiter_.reset();  // its connection may be gone; a new one next time
    pause(options_.retry_backoff);
  }
}

Result<int> OutboxRelay::relay_once() {
  std::vector<std::string> args{options_.owner, std::to_string(options_.lease_ttl.count()),
                                std::to_string(options_.batch_size)};
  args.insert(args.end(), published_ids_.begin(), published_ids_.end());
  auto step = kRelayStep.run(redis_, {lease_key_, outbox_}, args);
  if (!step || step->is_error()) backlog_ = -1;  // unknown until a step succeeds
  if (!step) return fail(std::move(step.error()));
  if (step->is_error()) return fail(Error::unavailable("outbox relay step failed: " + step->str()));
  published_ids_.clear();  // deleted by the step
  const auto& reply = step->array();
  const bool held = !reply.empty() && reply[0].integer() == 1;
  if (!reply.empty() && reply.back().is_integer()) backlog_ = reply.back().integer();
  note_leader(held);
  if (!held || reply.size() < 2 || reply[1].array().empty()) return 0;
  const Reply& range = reply[1];

  std::vector<Entry> entries;
  entries.reserve(range.array().size());
  for (const Reply& r : range.array()) entries.push_back(parse_entry(r));

  // Publish the batch in stream order; the idempotent producer keeps that order per
  // partition. Stop at the first entry the producer refuses.
  auto reports = std::make_shared<Reports>(entries.size());
  std::size_t sent = 0;
  for (; sent < entries.size(); ++sent) {
    Entry& e = entries[sent];
    if (!e.valid) {
      reports->results[sent] = Result<void>{};  // moved aside below, in order
      continue;
    }
    bus::OutgoingMessage msg{e.message.topic, e.message.key, e.message.event, {}};
    if (!e.message.traceparent.empty())
      msg.headers.emplace_back("traceparent", e.message.traceparent);
    {
      std::lock_guard lock(reports->mu);
      ++reports->outstanding;
    }
    auto produced = producer_.produce(std::move(msg), [reports, i = sent](const Result<void>& r) {
      std::lock_guard lock(reports->mu);
      reports->results[i] = r;
      if (--reports->outstanding == 0) reports->cv.notify_all();
    });
    if (!produced) {
      std::lock_guard lock(reports->mu);
      --reports->outstanding;
      reports->results[sent] = fail(std::move(produced.error()));
      ++sent;
      break;
    }
  }
  {
    std::unique_lock lock(reports->mu);
    reports->cv.wait_for(lock, options_.delivery_timeout,
                         [&] { return reports->outstanding == 0; });
  }

  // The delivered prefix: everything up to the first entry without an OK report.
  std::vector<std::string> done_ids;
  std::vector<Command> commands;
  std::optional<Error> first_failure;
  {
    std::lock_guard lock(reports->mu);
    for (std::size_t i = 0; i < sent; ++i) {
      const auto& result = reports->results[i];
      if (!result.has_value() || !result->has_value()) {
        first_failure =
            result.has_value() ? result->error() : Error::timeout("no delivery report in time");
        break;
      }
      if (!entries[i].valid) {
        log::error("malformed outbox entry moved aside",
                   {{"outbox", outbox_}, {"id", entries[i].id}, {"to", dead_key_}});
        Command xadd{"XADD", dead_key_, "*"};
        xadd.insert(xadd.end(), entries[i].fields.begin(), entries[i].fields.end());
        if (entries[i].fields.empty()) xadd.insert(xadd.end(), {"id", entries[i].id});
        commands.push_back(std::move(xadd));
      }
      done_ids.push_back(entries[i].id);
    }
  }
  if (options_.stop_before_delete) {
    // Simulated crash: published, not deleted.
    note_published(done_ids.size());
    std::lock_guard lock(mu_);
    running_ = false;
    return static_cast<int>(done_ids.size());
  }
  if (!commands.empty()) {
    // Malformed entries moved aside before the next step deletes them.
    auto moved = redis_.pipeline(commands);
    if (!moved) return fail(std::move(moved.error()));
  }
  const auto delivered = done_ids.size();
  note_published(delivered);
  published_ids_ = std::move(done_ids);
  if (first_failure) {
    ++failures_;
    return fail(Error{first_failure->code,
                      "outbox delivery failed, retrying from entry " + entries[delivered].id +
                          ": " + first_failure->message,
                      {},
                      {},
                      true});
  }
  return static_cast<int>(delivered);
}

std::optional<long long> OutboxRelay::backlog() const {
  const long long n = backlog_.load();
  if (n < 0) return std::nullopt;
  return n;
}

}  // namespace tongban::store

// A simulated loop (virtual time, events in order) and transport (a server model with a
// fixed number of keep-alive connections): the engine runs on them without sleeping.
#pragma once

#include <functional>
#include <map>
#include <queue>
#include <tuple>
#include <vector>

#include "tongban/loadgen/engine.hpp"

namespace tongban::loadgen::sim {

class SimLoop final : public Loop {
 public:
  Nanos now() const override { return now_; }
  void at(Nanos when, std::function<void()> fn) override {
    events_.push(Event{std::max(when, now_), seq_++, std::move(fn)});
  }
  // Runs events in time order until none is left or `until` is reached.
  void run(Nanos until = INT64_MAX) {
    while (!events_.empty() && events_.top().when <= until) {
      auto e = events_.top();
      events_.pop();
      now_ = e.when;
      e.fn();
    }
    if (until != INT64_MAX) now_ = std::max(now_, until);
  }

 private:
  struct Event {
    Nanos when;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return std::tie(when, seq) > std::tie(o.when, o.seq); }
  };
  Nanos now_ = 0;
  std::uint64_t seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
};

// The server: given a request and when it reached the server, its response and when.
struct Reply {
  explicit Reply(Nanos done, HttpResult::Outcome o = HttpResult::Outcome::response, int code = 200,
                 std::string text = {})
      : done_at(done), outcome(o), status(code), body(std::move(text)) {}
  Nanos done_at = 0;
  HttpResult::Outcome outcome = HttpResult::Outcome::response;
  int status = 200;
  std::string body;
  Headers headers;
};
using Server = std::function<Reply(const OutRequest&, Nanos sent_at, std::size_t target)>;

class SimTransport final : public Transport {
 public:
  SimTransport(SimLoop& loop, std::size_t connections, Server server)
      : loop_(loop), free_(connections), server_(std::move(server)) {}

  void send(std::size_t target, OutRequest request,
            std::function<void(HttpResult&&)> done) override {
    sent_requests.push_back(request);
    if (free_ > 0) {
      dispatch(target, std::move(request), std::move(done));
    } else {
      waiting_.push({target, std::move(request), std::move(done)});
    }
  }
  std::size_t open_connections() const override { return free_; }

  std::vector<OutRequest> sent_requests;

 private:
  void dispatch(std::size_t target, OutRequest request, std::function<void(HttpResult&&)> done) {
    --free_;
    const Nanos sent = loop_.now();
    Reply reply = server_(request, sent, target);
    loop_.at(reply.done_at, [this, sent, reply, done = std::move(done)]() mutable {
      ++free_;
      if (!waiting_.empty()) {
        auto w = std::move(waiting_.front());
        waiting_.pop();
        dispatch(std::get<0>(w), std::move(std::get<1>(w)), std::move(std::get<2>(w)));
      }
      HttpResult r;
      r.outcome = reply.outcome;
      r.status = reply.status;
      r.body = reply.body;
      r.headers = reply.headers;
      r.sent_at = sent;
      r.done_at = loop_.now();
      done(std::move(r));
    });
  }

  SimLoop& loop_;
  std::size_t free_;
  Server server_;
  std::queue<std::tuple<std::size_t, OutRequest, std::function<void(HttpResult&&)>>> waiting_;
};

// A server that answers every request `service` after it arrives.
inline Server constant_server(Nanos service) {
  return [service](const OutRequest&, Nanos sent, std::size_t) { return Reply{sent + service}; };
}

}  // namespace tongban::loadgen::sim

// Wall-clock time behind a seam, so deadline rules can be tested with a clock the test
// moves (SPEC §3.4 overdue detection).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace tongban {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  static const Clock& system();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start) : now_(start.time_since_epoch().count()) {}
  time_point now() const override {
    return time_point(time_point::duration(now_.load(std::memory_order_relaxed)));
  }
  void advance(std::chrono::system_clock::duration d) { now_.fetch_add(d.count()); }
  void set(time_point t) { now_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<time_point::rep> now_;
};

// RFC 3339 UTC with milliseconds: "2026-11-26T16:01:58.123Z".
std::string to_rfc3339(Clock::time_point t);
// Accepts "Z" or numeric offsets; nullopt-like failure as false.
bool parse_rfc3339(std::string_view text, Clock::time_point& out);

}  // namespace tongban

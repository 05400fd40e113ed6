// When a failed delivery is tried again: exponential backoff with a cap and jitter, up to a
// number of attempts, then the dead state (visible on /v1/deliveries?status=dead and
// tongban_notify_dead_deliveries).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tongban::notify {

struct RetryPolicy {
  int max_attempts = 10;
  std::chrono::milliseconds base{2000};
  std::chrono::milliseconds cap{600000};
};

// The wait after the `failed`-th failed attempt (1 = the first), or nullopt when no attempt
// is left. Nominal delay d = min(cap, base * 2^(failed-1)); the wait is in [d/2, d], the
// jitter derived from the delivery id so replicas retrying after one outage spread out
// (and a test can compute it).
std::optional<std::chrono::milliseconds> next_delay(const RetryPolicy& policy, int failed,
                                                    std::string_view delivery_id);

}  // namespace tongban::notify

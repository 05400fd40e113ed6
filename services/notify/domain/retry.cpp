#include "domain/retry.hpp"

#include <cstdint>

namespace tongban::notify {

std::optional<std::chrono::milliseconds> next_delay(const RetryPolicy& policy, int failed,
                                                    std::string_view delivery_id) {
  if (failed < 1 || failed >= policy.max_attempts) return std::nullopt;
  std::int64_t d = policy.base.count();
  for (int i = 1; i < failed && d < policy.cap.count(); ++i) d *= 2;
  if (d > policy.cap.count()) d = policy.cap.count();
  // FNV-1a over the id and the attempt: stable per (delivery, attempt), spread across both.
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : delivery_id) h = (h ^ c) * 1099511628211ULL;
  h = (h ^ static_cast<std::uint64_t>(failed)) * 1099511628211ULL;
  const std::int64_t half = d / 2;
  return std::chrono::milliseconds(
      half + static_cast<std::int64_t>(h % static_cast<std::uint64_t>(d - half + 1)));
}

}  // namespace tongban::notify

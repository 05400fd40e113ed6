// Configuration from TONGBAN_* environment variables, each with a documented default;
// every knob read is recorded so `<binary> --print-env` lists them (docs and Helm check).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/core/result.hpp"

namespace tongban::service {

struct Knob {
  std::string name;
  std::string default_value;
  std::string doc;
  bool secret = false;
};

class Env {
 public:
  std::string string(std::string_view name, std::string_view fallback, std::string_view doc);
  Result<std::int64_t> integer(std::string_view name, std::int64_t fallback, std::int64_t min,
                               std::int64_t max, std::string_view doc);
  Result<bool> boolean(std::string_view name, bool fallback, std::string_view doc);
  Result<std::chrono::milliseconds> millis(std::string_view name, std::int64_t fallback_ms,
                                           std::string_view doc);
  // NAME, or the contents of the file named by NAME_FILE (a mounted Kubernetes secret).
  Result<std::string> secret(std::string_view name, std::string_view doc);

  const std::vector<Knob>& knobs() const { return knobs_; }

 private:
  void record(std::string_view name, std::string default_value, std::string_view doc,
              bool secret = false);
  std::vector<Knob> knobs_;
};

}  // namespace tongban::service

#include "tongban/loadgen/slo.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

namespace tongban::loadgen {
namespace {

Error bad(std::string_view text, std::string why) {
  return Error::invalid("slo", "slo_grammar",
                        "threshold '" + std::string(text) + "': " + std::move(why) +
                            " (e.g. p99<250ms, errors<0.1%, search/get:p50<=20ms, rps>=1000)");
}

bool parse_double(std::string_view s, double& out) {
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end && std::isfinite(out);
}

}  // namespace

bool compare(Slo::Cmp cmp, double actual, double threshold) {
  switch (cmp) {
    case Slo::Cmp::lt:
      return actual < threshold;
    case Slo::Cmp::le:
      return actual <= threshold;
    case Slo::Cmp::gt:
      return actual > threshold;
    case Slo::Cmp::ge:
      return actual >= threshold;
  }
  return false;
}

Result<Slo> parse_slo(std::string_view text) {
  Slo slo;
  slo.text = std::string(text);
  std::string compact;
  for (const char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  std::string_view s = compact;
  const auto op_at = s.find_first_of("<>");
  if (op_at == std::string_view::npos) return fail(bad(text, "no comparison (<, <=, >, >=)"));
  std::string_view left = s.substr(0, op_at);
  std::string_view right = s.substr(op_at + 1);
  slo.cmp = s[op_at] == '<' ? Slo::Cmp::lt : Slo::Cmp::gt;
  if (right.starts_with("=")) {
    slo.cmp = slo.cmp == Slo::Cmp::lt ? Slo::Cmp::le : Slo::Cmp::ge;
    right.remove_prefix(1);
  }
  if (const auto colon = left.rfind(':'); colon != std::string_view::npos) {
    slo.scope = std::string(left.substr(0, colon));
    left = left.substr(colon + 1);
    if (slo.scope.empty()) return fail(bad(text, "empty scope before ':'"));
  }
  // The number, then its unit.
  std::size_t split = 0;
  while (split < right.size() &&
         (std::isdigit(static_cast<unsigned char>(right[split])) || right[split] == '.')) {
    ++split;
  }
  double number = 0;
  if (split == 0 || !parse_double(right.substr(0, split), number) || number < 0) {
    return fail(bad(text, "no non-negative number after the comparison"));
  }
  const std::string_view unit = right.substr(split);

  const auto latency_unit = [&](double& out) -> Result<void> {
    if (unit == "us" || unit == "µs") {
      out = number;
    } else if (unit == "ms") {
      out = number * 1e3;
    } else if (unit == "s") {
      out = number * 1e6;
    } else {
      return fail(bad(text, "a latency needs a unit: us, ms or s"));
    }
    return {};
  };
  const auto percentile_of = [&](std::string_view p) -> Result<double> {
    double v = 0;
    if (p.empty() || !parse_double(p, v) || v <= 0 || v > 100) {
      return fail(bad(text, "a percentile is p50, p99, p99.9 ... (0 < p <= 100)"));
    }
    return v;
  };

  if (left.starts_with("uncorrected.")) {
    slo.uncorrected = true;
    left.remove_prefix(12);
  }
  if (left == "errors") {
    if (slo.uncorrected) return fail(bad(text, "errors have no uncorrected view"));
    if (unit == "%") {
      slo.metric = Slo::Metric::error_rate;
      slo.threshold = number / 100;
    } else if (unit.empty()) {
      slo.metric = Slo::Metric::error_count;
      slo.threshold = number;
    } else {
      return fail(bad(text, "errors take '%' or a bare count"));
    }
    return slo;
  }
  if (left == "rps") {
    if (!unit.empty() && unit != "/s") return fail(bad(text, "rps takes no unit or '/s'"));
    slo.metric = Slo::Metric::rps;
    slo.threshold = number;
    return slo;
  }
  bool lag = false;
  if (left.starts_with("lag.")) {
    if (slo.uncorrected) return fail(bad(text, "send lag has no uncorrected view"));
    lag = true;
    left.remove_prefix(4);
  }
  if (auto ok = latency_unit(slo.threshold); !ok) return fail(ok.error());
  if (left == "max") {
    slo.metric = lag ? Slo::Metric::lag_max : Slo::Metric::latency_max;
  } else if (left == "mean" && !lag) {
    slo.metric = Slo::Metric::latency_mean;
  } else if (left.starts_with("p")) {
    auto p = percentile_of(left.substr(1));
    if (!p) return fail(p.error());
    slo.percentile = *p;
    slo.metric = lag ? Slo::Metric::lag_percentile : Slo::Metric::latency_percentile;
  } else {
    return fail(bad(text, "unknown metric '" + std::string(left) + "'"));
  }
  return slo;
}

}  // namespace tongban::loadgen

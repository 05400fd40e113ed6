// Thresholds that fail a run: `--slo 'p99<250ms' --slo 'errors<0.1%'`. The grammar:
//
//   slo     := [scope ':'] metric cmp number [unit]
//   scope   := an operation, an endpoint ("operation/step") or a span ("operation/span")
//   metric  := pNN[.N] | max | mean     latency, corrected (prefix "uncorrected." for the
//                                       view from the actual send), unit us, ms or s
//            | lag.pNN | lag.max        send lag of first requests, unit us, ms or s
//            | errors                   error rate with '%', else a count; with a scope, of
//                                       that operation's flows or endpoint's requests
//            | rps                      measured requests per second (unit "/s" optional)
//   cmp     := < | <= | > | >=
#pragma once

#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::loadgen {

struct Slo {
  enum class Metric {
    latency_percentile,
    latency_max,
    latency_mean,
    lag_percentile,
    lag_max,
    error_rate,
    error_count,
    rps
  };
  enum class Cmp { lt, le, gt, ge };
  std::string text;
  std::string scope;  // empty: every request
  Metric metric = Metric::latency_percentile;
  bool uncorrected = false;
  double percentile = 0;
  Cmp cmp = Cmp::lt;
  double threshold = 0;  // latency in microseconds, error rate as a fraction, counts, req/s
};

Result<Slo> parse_slo(std::string_view text);
bool compare(Slo::Cmp cmp, double actual, double threshold);

}  // namespace tongban::loadgen

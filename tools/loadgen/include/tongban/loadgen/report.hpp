// What a run produced, and its files: the versioned JSON summary (histograms included, so
// the summaries of several instances merge), the per-second CSV series, the percentile
// spectrum, the thresholds' verdicts and the generator's own saturation.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/loadgen/engine.hpp"
#include "tongban/loadgen/slo.hpp"

namespace tongban::loadgen {

inline constexpr std::string_view kSummarySchema = "tongban.loadgen.summary/v1";
inline constexpr std::string_view kGeneratorVersion = "0.1.0";

struct RunInfo {
  std::string scenario;
  std::string kind;
  std::map<std::string, std::vector<std::string>> targets;
  std::string mode = "open";  // open | closed
  std::string arrivals = "constant";
  std::vector<std::string> stages;  // format_stage texts
  double warmup_s = 0;
  double duration_s = 0;  // the measured part, as planned
  double active_s = 0;    // from the measured part's start to the last measured response
  std::uint64_t seed = 1;
  std::string instance = "0/1";
  int instances = 1;  // how many summaries were merged into this one
  int threads = 1;
  int connections = 0;
  int vus = 0;
  std::size_t max_in_flight = 0;
  double timeout_s = 0;
  std::string started_at;  // RFC 3339
};

struct SecondRow {
  int second = 0;  // since the run started, warm-up included
  bool warmup = false;
  Interval interval;
  std::size_t in_flight = 0;
  double cpu_percent = 0;
};

struct Saturation {
  double cpu_percent_max = 0;  // the generator process, 100 = one core
  double cpu_percent_mean = 0;
  double cpu_cores = 1;  // threads the generator ran
  std::string warning;   // empty when the generator kept up
};

struct SloResult {
  std::string threshold;
  bool passed = false;
  double actual = 0;
  std::string message;
};

struct Report {
  RunInfo info;
  Stats stats;
  Saturation saturation;
  std::vector<SloResult> slos;

  bool passed() const;
  double error_rate() const;  // (request errors + dropped + aborted) / (requests + both)
  // Over the longer of the planned duration and the active time: a run that fell behind
  // and finished late does not claim the offered rate.
  double requests_per_second() const;
  double throughput_seconds() const;
};

boost::json::object to_json(const Report& report);
// The summary as text: numbers in plain decimal (Boost.JSON writes 32.1 as 3.21E1), and
// indented when `pretty` (summary.json) or on one line (stdout, log collectors).
std::string summary_text(const Report& report, bool pretty);
std::string reformat_json(std::string_view json, bool pretty);
Result<Report> report_from_json(std::string_view text);
// Several instances' summaries of one run: counts and histograms add up, durations and
// rates are the run's (instances ran side by side), warnings are kept.
Result<Report> merge_reports(std::vector<Report> reports);

// Evaluates every threshold against the report and stores the verdicts in it.
Result<void> evaluate_slos(Report& report, const std::vector<std::string>& thresholds);
SloResult evaluate(const Slo& slo, const Report& report);

std::string series_csv(const std::vector<SecondRow>& rows);
// A human summary for the terminal (stderr).
std::string text_summary(const Report& report);

// The saturation verdict from the per-second CPU use and the send lag.
Saturation assess_saturation(const std::vector<SecondRow>& rows, const Stats& stats, int threads);

}  // namespace tongban::loadgen

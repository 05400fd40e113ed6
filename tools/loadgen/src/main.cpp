// tongban-loadgen: the load generator's command line (tools/loadgen/README.md).
//
//   tongban-loadgen run --scenario FILE|builtin --target URL[,URL] --rate N --duration 30s
//                   [--warmup 5s] [--connections C] [--seed S] [--out DIR] [--slo ...]
//   tongban-loadgen merge a.json b.json [--out DIR] [--slo ...]
//   tongban-loadgen scenarios
//   tongban-loadgen check FILE
//
// Exit status: 0 every threshold held, 1 a threshold failed, 2 bad usage or scenario,
// 3 the run could not happen (no target, setup failed, output not writable).
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tongban/loadgen/report.hpp"
#include "tongban/loadgen/runner.hpp"
#include "tongban/loadgen/scenario.hpp"

namespace {

using namespace tongban;
using namespace tongban::loadgen;

constexpr int kUsage = 2;
constexpr int kRunFailed = 3;

constexpr std::string_view kHelp =
    R"(tongban-loadgen: open-loop HTTP load with corrected latency (tools/loadgen/README.md)

  tongban-loadgen run [options]       run a scenario against targets
  tongban-loadgen merge A.json B.json  merge the summaries of instances that shared a rate
  tongban-loadgen scenarios           list the built-in scenarios and scenario kinds
  tongban-loadgen check FILE|NAME [--var NAME=VALUE]  load a scenario without running it

run options (the scenario's defaults apply where one is not given):
  --scenario NAME|FILE       built-in name or scenario file (default: http)
  --target [NAME=]URL[,URL]  base URL(s) of a target, or of every target without NAME=
  --rate N                   arrivals per second (with --duration: one step)
  --duration D               measured length, e.g. 30s, 2m
  --stage S                  repeatable: 30s@100 (step), 10s->500 (ramp), spike:20s@2000/1s
  --warmup D                 run before the measured part, excluded from the statistics
  --arrivals constant|poisson
  --connections C            keep-alive connections per target URL (default 16)
  --threads T                worker threads sharing the schedule (default 1)
  --max-in-flight N          flows at once; later arrivals wait and count as late (10000)
  --timeout D                per request (default 10s); --connect-timeout D (2s)
  --drain D                  wait for flows after the schedule ends (timeout or the
                             longest poll timeout, + 1s)
  --late D                   a first request sent later than this is late (1ms)
  --seed S                   randomness of arrivals and templates (default 1)
  --instance i/n             this is instance i of n sharing the rate (every n-th arrival)
  --vus N [--think D] [--expected-interval D]   closed loop instead: N virtual users
  --header 'Name: value'     repeatable: sent with every request
  --var NAME=VALUE           repeatable: set one of the scenario's vars (e.g. pairs=320100-320200)
  --record FILE              one JSON line per outcome of the scenario's recorded steps (ids
                             of acknowledged submissions, for checks after a run)
  --record-step NAME         repeatable: record this step too (step or operation/step)
  --slo THRESHOLD            repeatable: p99<250ms, errors<0.1%, op/step:p50<20ms, rps>=900
  --out DIR                  write summary.json, series.csv, latency.hgrm,
                             latency-uncorrected.hgrm
  --quiet                    no per-second progress line
The JSON summary is printed on stdout, progress and a readable summary on stderr.
)";

int usage(std::string_view message) {
  std::fprintf(stderr, "tongban-loadgen: %.*s\n(tongban-loadgen --help for usage)\n",
               static_cast<int>(message.size()), message.data());
  return kUsage;
}

bool to_number(std::string_view s, double& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= 0;
}

bool write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

int write_outputs(const std::string& dir, const Report& report,
                  const std::vector<SecondRow>* series) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path d(dir);
  bool ok =
      write_file(d / "summary.json", boost::json::serialize(to_json(report)) + "\n") &&
      write_file(d / "latency.hgrm", report.stats.requests.corrected.percentile_spectrum(1000.0)) &&
      write_file(d / "latency-uncorrected.hgrm",
                 report.stats.requests.uncorrected.percentile_spectrum(1000.0));
  if (series) ok = ok && write_file(d / "series.csv", series_csv(*series));
  if (!ok) {
    std::fprintf(stderr, "tongban-loadgen: cannot write into %s\n", dir.c_str());
    return kRunFailed;
  }
  return 0;
}

int finish(Report& report, const std::vector<std::string>& slos, const std::string& out_dir,
           const std::vector<SecondRow>* series) {
  if (auto ok = evaluate_slos(report, slos); !ok) return usage(ok.error().message);
  std::fputs(text_summary(report).c_str(), stderr);
  std::puts(summary_text(report, false).c_str());
  std::fflush(stdout);
  if (!out_dir.empty()) {
    if (const int rc = write_outputs(out_dir, report, series); rc != 0) return rc;
  }
  return report.passed() ? 0 : 1;
}

int cmd_scenarios() {
  const auto& r = Registry::instance();
  std::printf("built-in scenarios (--scenario NAME):\n");
  for (const auto& b : r.builtins()) {
    std::printf("  %-18s %s\n", b.name.c_str(), b.description.c_str());
  }
  std::printf("scenario kinds (\"kind\" in a scenario file):\n");
  for (const auto& k : r.kinds())
    std::printf("  %-18s %s\n", k.name.c_str(), k.description.c_str());
  return 0;
}

// NAME=VALUE of --var.
bool parse_var(std::string_view v, Vars& vars) {
  const auto eq = v.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  vars[std::string(v.substr(0, eq))] = std::string(v.substr(eq + 1));
  return true;
}

int cmd_check(int argc, char** argv) {
  Vars vars;
  std::string name;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--var" && i + 1 < argc) {
      if (!parse_var(argv[++i], vars)) return usage("bad value for --var: NAME=VALUE");
    } else if (name.empty() && !a.starts_with("--")) {
      name = a;
    } else {
      return usage("check: name one scenario file or built-in (and --var NAME=VALUE)");
    }
  }
  if (name.empty()) return usage("check: name one scenario file or built-in");
  auto scenario = Registry::instance().load(name, vars);
  if (!scenario) return usage(scenario.error().field + ": " + scenario.error().message);
  for (const auto& s : scenario->slos) {
    if (auto ok = parse_slo(s); !ok) return usage(ok.error().message);
  }
  std::size_t steps = 0;
  for (const auto& op : scenario->operations) steps += op.steps.size();
  std::printf("%s: kind %s, %zu operation(s), %zu step(s), %zu target(s), %zu threshold(s): ok\n",
              scenario->name.c_str(), scenario->kind.c_str(), scenario->operations.size(), steps,
              scenario->targets.size(), scenario->slos.size());
  return 0;
}

int cmd_merge(int argc, char** argv) {
  std::vector<std::string> files, slos;
  std::string out_dir;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if ((a == "--out" || a == "--slo") && i + 1 < argc) {
      (a == "--out" ? out_dir : slos.emplace_back()) = argv[++i];
    } else if (a.starts_with("--")) {
      return usage("merge: unknown option " + std::string(a));
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) return usage("merge: name the summary files to merge");
  std::vector<Report> reports;
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) return usage("merge: cannot read " + f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = report_from_json(ss.str());
    if (!r) return usage("merge: " + f + ": " + r.error().message);
    reports.push_back(std::move(*r));
  }
  auto merged = merge_reports(std::move(reports));
  if (!merged) return usage(merged.error().message);
  return finish(*merged, slos, out_dir, nullptr);
}

int cmd_run(int argc, char** argv) {
  RunOptions o;
  std::string scenario_name = "http";
  std::vector<std::string> targets, slos, record_steps;
  std::string out_dir, record_file;
  Vars vars;
  for (int i = 2; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quiet") {
      o.progress = false;
      continue;
    }
    if (i + 1 >= argc) return usage("missing value after " + std::string(a));
    const std::string v = argv[++i];
    const auto duration = [&](auto& field) -> bool {
      auto d = parse_duration(v);
      if (!d) return false;
      field = *d;
      return true;
    };
    double number = 0;
    bool ok = true;
    if (a == "--scenario") {
      scenario_name = v;
    } else if (a == "--target") {
      targets.push_back(v);
    } else if (a == "--rate") {
      ok = to_number(v, number);
      o.rate = number;
    } else if (a == "--duration") {
      ok = duration(o.duration);
    } else if (a == "--warmup") {
      ok = duration(o.warmup);
    } else if (a == "--stage") {
      auto s = parse_stage(v);
      if (!s) return usage(s.error().message);
      o.stages.push_back(*s);
    } else if (a == "--arrivals") {
      auto p = parse_arrival_process(v);
      if (!p) return usage(p.error().message);
      o.arrivals = *p;
    } else if (a == "--connections") {
      ok = to_number(v, number) && number >= 1;
      o.connections = static_cast<int>(number);
    } else if (a == "--threads") {
      ok = to_number(v, number) && number >= 1 && number <= 256;
      o.threads = static_cast<int>(number);
    } else if (a == "--max-in-flight") {
      ok = to_number(v, number) && number >= 1;
      o.max_in_flight = static_cast<std::size_t>(number);
    } else if (a == "--timeout") {
      ok = duration(o.timeout);
    } else if (a == "--connect-timeout") {
      ok = duration(o.connect_timeout);
    } else if (a == "--drain") {
      ok = duration(o.drain);
    } else if (a == "--late") {
      ok = duration(o.late_threshold);
    } else if (a == "--seed") {
      ok = to_number(v, number);
      o.seed = static_cast<std::uint64_t>(number);
    } else if (a == "--instance") {
      const auto slash = v.find('/');
      double i_ = 0, n_ = 0;
      ok = slash != std::string::npos && to_number(std::string_view(v).substr(0, slash), i_) &&
           to_number(std::string_view(v).substr(slash + 1), n_) && n_ >= 1 && i_ < n_;
      o.instance = static_cast<int>(i_);
      o.instances = static_cast<int>(n_);
    } else if (a == "--vus") {
      ok = to_number(v, number) && number >= 1;
      o.vus = static_cast<int>(number);
      o.mode = Mode::closed;
    } else if (a == "--think") {
      ok = duration(o.think);
    } else if (a == "--expected-interval") {
      ok = duration(o.expected_interval);
    } else if (a == "--header") {
      const auto colon = v.find(':');
      ok = colon != std::string::npos && colon > 0;
      if (ok) {
        auto value = v.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        o.extra_headers.emplace_back(v.substr(0, colon), value);
      }
    } else if (a == "--slo") {
      if (auto s = parse_slo(v); !s) return usage(s.error().message);
      slos.push_back(v);
    } else if (a == "--out") {
      out_dir = v;
    } else if (a == "--var") {
      ok = parse_var(v, vars);
    } else if (a == "--record") {
      record_file = v;
    } else if (a == "--record-step") {
      record_steps.push_back(v);
    } else {
      return usage("unknown option " + std::string(a));
    }
    if (!ok) return usage("bad value for " + std::string(a) + ": '" + v + "'");
  }

  auto scenario = Registry::instance().load(scenario_name, vars);
  if (!scenario) return usage(scenario.error().field + ": " + scenario.error().message);
  for (const auto& name : record_steps) {
    bool found = false;
    for (auto& op : scenario->operations) {
      for (auto& step : op.steps) {
        if (name == step->name || name == op.name + "/" + step->name) found = step->record = true;
      }
    }
    if (!found) return usage("--record-step: no step named " + name);
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> record_out(nullptr, std::fclose);
  std::unique_ptr<Recorder> recorder;
  if (!record_file.empty()) {
    record_out.reset(std::fopen(record_file.c_str(), "w"));
    if (!record_out) {
      std::fprintf(stderr, "tongban-loadgen: cannot write %s\n", record_file.c_str());
      return kRunFailed;
    }
    recorder = std::make_unique<Recorder>(record_out.get());
    o.recorder = recorder.get();
  }
  for (const auto& t : targets) {
    // A target the scenario does not call is passed by with a warning: the Kubernetes Job
    // names every service (one argument list for every scenario), a scenario calls some.
    const auto eq = t.find('=');
    if (eq != std::string::npos && !t.starts_with("http") &&
        !scenario->find_target(std::string_view(t).substr(0, eq))) {
      std::fprintf(stderr, "tongban-loadgen: scenario %s does not call '%s'; --target %s unused\n",
                   scenario->name.c_str(), t.substr(0, eq).c_str(), t.c_str());
      continue;
    }
    if (auto ok = scenario->override_targets(t); !ok) return usage(ok.error().message);
  }
  for (const auto& s : scenario->slos) {
    if (auto ok = parse_slo(s); !ok) return usage("scenario: " + ok.error().message);
  }
  std::vector<std::string> all_slos = scenario->slos;
  all_slos.insert(all_slos.end(), slos.begin(), slos.end());

  std::vector<SecondRow> series;
  auto report = run_load(o, *scenario, series, o.progress ? stderr : nullptr);
  if (!report) {
    std::fprintf(stderr, "tongban-loadgen: %s\n", report.error().message.c_str());
    return report.error().code == Errc::invalid_argument ? kUsage : kRunFailed;
  }
  return finish(*report, all_slos, out_dir, &series);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("name a command: run, merge or scenarios");
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kHelp.data(), stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::printf("tongban-loadgen %.*s\n", static_cast<int>(kGeneratorVersion.size()),
                kGeneratorVersion.data());
    return 0;
  }
  if (cmd == "run") return cmd_run(argc, argv);
  if (cmd == "merge") return cmd_merge(argc, argv);
  if (cmd == "scenarios") return cmd_scenarios();
  if (cmd == "check") return cmd_check(argc, argv);
  return usage("unknown command " + std::string(cmd));
}

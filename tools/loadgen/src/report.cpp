#include "tongban/loadgen/report.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tongban/core/json.hpp"

namespace tongban::loadgen {
namespace {

namespace json = boost::json;

double ms(std::int64_t micros) { return static_cast<double>(micros) / 1000.0; }
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// Boost.JSON writes 10.0 as 1E1: whole numbers go out as integers.
json::value num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 9e15) {
    return static_cast<std::int64_t>(v);
  }
  return v;
}

json::object latency_json(const Histogram& h) {
  return json::object{
      {"count", h.count()},
      {"min_ms", num(ms(h.min()))},
      {"p50_ms", num(ms(h.value_at_percentile(50)))},
      {"p90_ms", num(ms(h.value_at_percentile(90)))},
      {"p99_ms", num(ms(h.value_at_percentile(99)))},
      {"p99_9_ms", num(ms(h.value_at_percentile(99.9)))},
      {"p99_99_ms", num(ms(h.value_at_percentile(99.99)))},
      {"max_ms", num(ms(h.max()))},
      {"mean_ms", num(round3(h.mean() / 1000.0))},
      {"stddev_ms", num(round3(h.stddev() / 1000.0))},
      {"hdr", h.to_base64()},
  };
}

json::object entry_json(const Entry& e) {
  return json::object{{"count", e.count},
                      {"errors", e.errors},
                      {"corrected", latency_json(e.corrected)},
                      {"uncorrected", latency_json(e.uncorrected)}};
}

Result<Histogram> histogram_from(const json::value* v, std::string_view where) {
  if (!v || !v->is_object()) {
    return fail(Error::invalid(std::string(where), "object", "missing latency object"));
  }
  const auto* hdr = v->get_object().if_contains("hdr");
  if (!hdr || !hdr->is_string()) {
    return fail(Error::invalid(std::string(where) + ".hdr", "string", "missing histogram"));
  }
  return Histogram::from_base64(hdr->get_string());
}

Result<Entry> entry_from(const json::value& v, const std::string& where) {
  if (!v.is_object()) return fail(Error::invalid(where, "object", "an entry object"));
  const auto& o = v.get_object();
  Entry e;
  if (const auto* c = o.if_contains("count"); c && c->is_int64()) e.count = c->get_int64();
  if (const auto* c = o.if_contains("errors"); c && c->is_int64()) e.errors = c->get_int64();
  auto corrected = histogram_from(o.if_contains("corrected"), where + ".corrected");
  if (!corrected) return fail(corrected.error());
  auto uncorrected = histogram_from(o.if_contains("uncorrected"), where + ".uncorrected");
  if (!uncorrected) return fail(uncorrected.error());
  e.corrected = std::move(*corrected);
  e.uncorrected = std::move(*uncorrected);
  return e;
}

std::int64_t int_or(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : fallback;
}
double num_or(const json::object& o, std::string_view key, double fallback = 0) {
  const auto* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : fallback;
}
std::string str_or(const json::object& o, std::string_view key, std::string fallback = {}) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

// The histogram a latency threshold reads.
const Histogram* latency_of(const Slo& slo, const Report& r, std::string& missing) {
  const Entry* e = &r.stats.requests;
  if (!slo.scope.empty()) {
    if (auto it = r.stats.operations.find(slo.scope); it != r.stats.operations.end()) {
      e = &it->second;
    } else if (auto ep = r.stats.endpoints.find(slo.scope); ep != r.stats.endpoints.end()) {
      e = &ep->second;
    } else if (auto sp = r.stats.spans.find(slo.scope); sp != r.stats.spans.end()) {
      if (slo.uncorrected) {
        missing = "a span has no uncorrected view";
        return nullptr;
      }
      return &sp->second;
    } else {
      missing = "no operation, endpoint or span named '" + slo.scope + "' in this run";
      return nullptr;
    }
  }
  return slo.uncorrected ? &e->uncorrected : &e->corrected;
}

}  // namespace

double Report::error_rate() const {
  const auto& c = stats.counters;
  // Arrivals never started and flows cut off by the end of the drain are failures too: an
  // overwhelmed system must not pass by shedding the generator's load.
  const double denominator = static_cast<double>(c.requests + c.dropped + c.aborted);
  if (denominator == 0) return 0;
  return static_cast<double>(c.request_errors + c.dropped + c.aborted) / denominator;
}

double Report::throughput_seconds() const { return std::max(info.duration_s, info.active_s); }

double Report::requests_per_second() const {
  const double d = throughput_seconds();
  return d > 0 ? static_cast<double>(stats.counters.requests) / d : 0;
}

bool Report::passed() const {
  for (const auto& s : slos) {
    if (!s.passed) return false;
  }
  return true;
}

json::object to_json(const Report& r) {
  const auto& c = r.stats.counters;
  json::object targets;
  for (const auto& [name, urls] : r.info.targets) {
    json::array a;
    for (const auto& u : urls) a.emplace_back(u);
    targets[name] = std::move(a);
  }
  json::array stages;
  for (const auto& s : r.info.stages) stages.emplace_back(s);
  json::object operations, endpoints, spans;
  for (const auto& [k, v] : r.stats.operations) operations[k] = entry_json(v);
  for (const auto& [k, v] : r.stats.endpoints) endpoints[k] = entry_json(v);
  for (const auto& [k, v] : r.stats.spans) spans[k] = latency_json(v);
  json::array errors;
  for (const auto& [k, v] : r.stats.errors) {
    errors.push_back(json::object{{"endpoint", k.endpoint},
                                  {"status", k.status},
                                  {"kind", k.kind},
                                  {"count", v.count},
                                  {"sample", v.sample}});
  }
  json::array slos;
  for (const auto& s : r.slos) {
    slos.push_back(json::object{{"threshold", s.threshold},
                                {"passed", s.passed},
                                {"actual", num(s.actual)},
                                {"message", s.message}});
  }
  const double d = r.throughput_seconds();
  const auto per_s = [d](std::int64_t n) {
    return num(d > 0 ? round3(static_cast<double>(n) / d) : 0.0);
  };
  return json::object{
      {"schema", kSummarySchema},
      {"generator", json::object{{"name", "tongban-loadgen"}, {"version", kGeneratorVersion}}},
      {"scenario", json::object{{"name", r.info.scenario}, {"kind", r.info.kind}}},
      {"run", json::object{{"mode", r.info.mode},
                           {"arrivals", r.info.arrivals},
                           {"stages", std::move(stages)},
                           {"warmup_s", num(r.info.warmup_s)},
                           {"duration_s", num(r.info.duration_s)},
                           {"active_s", num(round3(r.info.active_s))},
                           {"seed", r.info.seed},
                           {"instance", r.info.instance},
                           {"instances", r.info.instances},
                           {"threads", r.info.threads},
                           {"connections", r.info.connections},
                           {"vus", r.info.vus},
                           {"max_in_flight", r.info.max_in_flight},
                           {"timeout_s", num(r.info.timeout_s)},
                           {"started_at", r.info.started_at},
                           {"targets", std::move(targets)}}},
      {"counts", json::object{{"scheduled", c.scheduled},
                              {"started", c.started},
                              {"completed", c.completed},
                              {"ok", c.ok},
                              {"failed", c.failed},
                              {"dropped", c.dropped},
                              {"aborted", c.aborted},
                              {"requests", c.requests},
                              {"request_errors", c.request_errors},
                              {"late_sends", c.late},
                              {"warmup_flows", c.warmup_flows}}},
      {"throughput", json::object{{"requests_per_s", per_s(c.requests)},
                                  {"flows_per_s", per_s(c.completed)},
                                  {"ok_flows_per_s", per_s(c.ok)}}},
      {"error_rate", num(r.error_rate())},
      {"requests", entry_json(r.stats.requests)},
      {"send_lag", latency_json(r.stats.send_lag)},
      {"start_lag", latency_json(r.stats.start_lag)},
      {"operations", std::move(operations)},
      {"endpoints", std::move(endpoints)},
      {"spans", std::move(spans)},
      {"errors", std::move(errors)},
      {"saturation",
       json::object{{"cpu_percent_max", num(round3(r.saturation.cpu_percent_max))},
                    {"cpu_percent_mean", num(round3(r.saturation.cpu_percent_mean))},
                    {"cpu_cores", num(r.saturation.cpu_cores)},
                    {"warning", r.saturation.warning.empty() ? json::value(nullptr)
                                                             : json::value(r.saturation.warning)}}},
      {"slo", std::move(slos)},
      {"passed", r.passed()},
  };
}

std::string reformat_json(std::string_view in, bool pretty) {
  std::string out;
  out.reserve(in.size() + in.size() / 4);
  int depth = 0;
  const auto newline = [&] {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '"') {  // copy a string verbatim, escapes included
      const std::size_t start = i++;
      while (i < in.size() && in[i] != '"') i += in[i] == '\\' ? 2 : 1;
      out.append(in.substr(start, i - start + 1));
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i;
      while (end < in.size() &&
             std::string_view("+-.0123456789eE").find(in[end]) != std::string_view::npos) {
        ++end;
      }
      const auto token = in.substr(i, end - i);
      if (token.find_first_of("eE") != std::string_view::npos) {
        double v = 0;
        std::from_chars(token.data(), token.data() + token.size(), v);
        char buf[64];
        // Plain decimal where it stays short; exponent form only for extreme magnitudes.
        auto r = (std::abs(v) >= 1e-6 && std::abs(v) < 1e15)
                     ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                     : std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
      } else {
        out.append(token);
      }
      i = end - 1;
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        out += c;
        ++depth;
        newline();
        break;
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += c;
        newline();
        break;
      case ':':
        out += pretty ? ": " : ":";
        break;
      default:
        out += c;
    }
  }
  if (pretty) out += '\n';
  return out;
}

std::string summary_text(const Report& report, bool pretty) {
  return reformat_json(json::serialize(to_json(report)), pretty);
}

Result<Report> report_from_json(std::string_view text) {
  auto parsed = tongban::json::parse_object(text);
  if (!parsed) return fail(parsed.error());
  const auto& o = *parsed;
  if (str_or(o, "schema") != kSummarySchema) {
    return fail(Error::invalid("schema", "schema_version",
                               "not a " + std::string(kSummarySchema) + " summary"));
  }
  Report r;
  const auto obj = [&](std::string_view key) -> const json::object& {
    static const json::object empty;
    const auto* v = o.if_contains(key);
    return v && v->is_object() ? v->get_object() : empty;
  };
  const auto& scenario = obj("scenario");
  r.info.scenario = str_or(scenario, "name");
  r.info.kind = str_or(scenario, "kind");
  const auto& run = obj("run");
  r.info.mode = str_or(run, "mode", "open");
  r.info.arrivals = str_or(run, "arrivals", "constant");
  if (const auto* st = run.if_contains("stages"); st && st->is_array()) {
    for (const auto& s : st->get_array()) {
      if (s.is_string()) r.info.stages.emplace_back(s.get_string());
    }
  }
  r.info.warmup_s = num_or(run, "warmup_s");
  r.info.duration_s = num_or(run, "duration_s");
  r.info.active_s = num_or(run, "active_s");
  r.info.seed = static_cast<std::uint64_t>(num_or(run, "seed", 1));
  r.info.instance = str_or(run, "instance", "0/1");
  r.info.instances = static_cast<int>(int_or(run, "instances", 1));
  r.info.threads = static_cast<int>(int_or(run, "threads", 1));
  r.info.connections = static_cast<int>(int_or(run, "connections"));
  r.info.vus = static_cast<int>(int_or(run, "vus"));
  r.info.max_in_flight = static_cast<std::size_t>(int_or(run, "max_in_flight"));
  r.info.timeout_s = num_or(run, "timeout_s");
  r.info.started_at = str_or(run, "started_at");
  if (const auto* t = run.if_contains("targets"); t && t->is_object()) {
    for (const auto& [name, urls] : t->get_object()) {
      auto& list = r.info.targets[std::string(name)];
      if (urls.is_array()) {
        for (const auto& u : urls.get_array()) {
          if (u.is_string()) list.emplace_back(u.get_string());
        }
      }
    }
  }
  const auto& c = obj("counts");
  auto& k = r.stats.counters;
  k.scheduled = int_or(c, "scheduled");
  k.started = int_or(c, "started");
  k.completed = int_or(c, "completed");
  k.ok = int_or(c, "ok");
  k.failed = int_or(c, "failed");
  k.dropped = int_or(c, "dropped");
  k.aborted = int_or(c, "aborted");
  k.requests = int_or(c, "requests");
  k.request_errors = int_or(c, "request_errors");
  k.late = int_or(c, "late_sends");
  k.warmup_flows = int_or(c, "warmup_flows");

  auto requests = entry_from(o.contains("requests") ? o.at("requests") : json::value(), "requests");
  if (!requests) return fail(requests.error());
  r.stats.requests = std::move(*requests);
  auto send_lag = histogram_from(o.if_contains("send_lag"), "send_lag");
  if (!send_lag) return fail(send_lag.error());
  r.stats.send_lag = std::move(*send_lag);
  if (o.contains("start_lag")) {
    auto start_lag = histogram_from(o.if_contains("start_lag"), "start_lag");
    if (!start_lag) return fail(start_lag.error());
    r.stats.start_lag = std::move(*start_lag);
  }
  for (const auto& [name, v] : obj("operations")) {
    auto e = entry_from(v, "operations." + std::string(name));
    if (!e) return fail(e.error());
    r.stats.operations[std::string(name)] = std::move(*e);
  }
  for (const auto& [name, v] : obj("endpoints")) {
    auto e = entry_from(v, "endpoints." + std::string(name));
    if (!e) return fail(e.error());
    r.stats.endpoints[std::string(name)] = std::move(*e);
  }
  for (const auto& [name, v] : obj("spans")) {
    auto h = histogram_from(&v, "spans." + std::string(name));
    if (!h) return fail(h.error());
    r.stats.spans[std::string(name)] = std::move(*h);
  }
  if (const auto* errors = o.if_contains("errors"); errors && errors->is_array()) {
    for (const auto& ev : errors->get_array()) {
      if (!ev.is_object()) continue;
      const auto& e = ev.get_object();
      r.stats.add_error(
          ErrorKey{str_or(e, "endpoint"), static_cast<int>(int_or(e, "status")), str_or(e, "kind")},
          str_or(e, "sample"), int_or(e, "count"));
    }
  }
  const auto& sat = obj("saturation");
  r.saturation.cpu_percent_max = num_or(sat, "cpu_percent_max");
  r.saturation.cpu_percent_mean = num_or(sat, "cpu_percent_mean");
  r.saturation.cpu_cores = num_or(sat, "cpu_cores", 1);
  r.saturation.warning = str_or(sat, "warning");
  return r;
}

Result<Report> merge_reports(std::vector<Report> reports) {
  if (reports.empty()) return fail(Error::invalid("summaries", "non_empty", "nothing to merge"));
  Report out = std::move(reports.front());
  for (std::size_t i = 1; i < reports.size(); ++i) {
    auto& r = reports[i];
    if (r.info.scenario != out.info.scenario) {
      return fail(Error::invalid(
          "summaries", "same_scenario",
          "summaries of different scenarios: " + out.info.scenario + " and " + r.info.scenario));
    }
    out.stats.merge(r.stats);
    out.info.instances += r.info.instances;
    out.info.threads += r.info.threads;
    out.info.connections += r.info.connections;
    out.info.vus += r.info.vus;
    out.info.duration_s = std::max(out.info.duration_s, r.info.duration_s);
    out.info.active_s = std::max(out.info.active_s, r.info.active_s);
    out.saturation.cpu_percent_max =
        std::max(out.saturation.cpu_percent_max, r.saturation.cpu_percent_max);
    out.saturation.cpu_percent_mean += r.saturation.cpu_percent_mean;
    out.saturation.cpu_cores += r.saturation.cpu_cores;
    if (!r.saturation.warning.empty()) {
      out.saturation.warning += (out.saturation.warning.empty() ? "" : "; ") +
                                ("instance " + r.info.instance + ": " + r.saturation.warning);
    }
    if (r.info.started_at < out.info.started_at) out.info.started_at = r.info.started_at;
  }
  out.info.instance = "merged";
  out.slos.clear();
  return out;
}

SloResult evaluate(const Slo& slo, const Report& r) {
  SloResult out{slo.text, false, 0, {}};
  char buf[160];
  switch (slo.metric) {
    case Slo::Metric::error_rate:
    case Slo::Metric::error_count: {
      // Scoped: an operation's failed flows (cut off by the drain included) or an endpoint's
      // failed requests — polls that waited do not thin out a failed flow's weight.
      double errors = static_cast<double>(r.stats.counters.request_errors +
                                          r.stats.counters.dropped + r.stats.counters.aborted);
      double rate = r.error_rate();
      if (!slo.scope.empty()) {
        const Entry* e = nullptr;
        if (auto it = r.stats.operations.find(slo.scope); it != r.stats.operations.end()) {
          e = &it->second;
        } else if (auto ep = r.stats.endpoints.find(slo.scope); ep != r.stats.endpoints.end()) {
          e = &ep->second;
        }
        if (!e) {
          out.message = "no operation or endpoint named '" + slo.scope + "' in this run";
          return out;
        }
        errors = static_cast<double>(e->errors);
        rate = e->count > 0 ? errors / static_cast<double>(e->count) : 0;
      }
      out.actual = slo.metric == Slo::Metric::error_rate ? rate : errors;
      if (slo.metric == Slo::Metric::error_rate) {
        std::snprintf(buf, sizeof buf, "error rate %.4f%%", out.actual * 100);
      } else {
        std::snprintf(buf, sizeof buf, "%.0f errors", out.actual);
      }
      break;
    }
    case Slo::Metric::rps:
      out.actual = r.requests_per_second();
      std::snprintf(buf, sizeof buf, "%.1f requests/s", out.actual);
      break;
    case Slo::Metric::lag_percentile:
    case Slo::Metric::lag_max: {
      const auto& h = r.stats.send_lag;
      out.actual = static_cast<double>(
          slo.metric == Slo::Metric::lag_max ? h.max() : h.value_at_percentile(slo.percentile));
      std::snprintf(buf, sizeof buf, "send lag %.3f ms", out.actual / 1000);
      break;
    }
    default: {
      std::string missing;
      const Histogram* h = latency_of(slo, r, missing);
      if (!h) {
        out.message = missing;
        return out;
      }
      if (h->count() == 0) {
        out.message = "no measured requests";
        return out;
      }
      out.actual = slo.metric == Slo::Metric::latency_max ? static_cast<double>(h->max())
                   : slo.metric == Slo::Metric::latency_mean
                       ? h->mean()
                       : static_cast<double>(h->value_at_percentile(slo.percentile));
      std::snprintf(buf, sizeof buf, "%.3f ms", out.actual / 1000);
      break;
    }
  }
  out.passed = compare(slo.cmp, out.actual, slo.threshold);
  out.message = buf;
  return out;
}

Result<void> evaluate_slos(Report& report, const std::vector<std::string>& thresholds) {
  report.slos.clear();
  for (const auto& t : thresholds) {
    auto slo = parse_slo(t);
    if (!slo) return fail(slo.error());
    report.slos.push_back(evaluate(*slo, report));
  }
  return {};
}

std::string series_csv(const std::vector<SecondRow>& rows) {
  std::string out =
      "second,phase,sent,done,errors,late_sends,p50_ms,p90_ms,p99_ms,max_ms,send_lag_p99_ms,"
      "in_flight,cpu_percent\n";
  char line[256];
  for (const auto& r : rows) {
    const auto& i = r.interval;
    std::snprintf(
        line, sizeof line, "%d,%s,%lld,%lld,%lld,%lld,%.3f,%.3f,%.3f,%.3f,%.3f,%zu,%.1f\n",
        r.second, r.warmup ? "warmup" : "measured", static_cast<long long>(i.sent),
        static_cast<long long>(i.done), static_cast<long long>(i.errors),
        static_cast<long long>(i.late), ms(i.latency.value_at_percentile(50)),
        ms(i.latency.value_at_percentile(90)), ms(i.latency.value_at_percentile(99)),
        ms(i.latency.max()), ms(i.send_lag.value_at_percentile(99)), r.in_flight, r.cpu_percent);
    out += line;
  }
  return out;
}

Saturation assess_saturation(const std::vector<SecondRow>& rows, const Stats& stats, int threads) {
  Saturation s;
  s.cpu_cores = threads;
  double sum = 0;
  int n = 0;
  for (const auto& r : rows) {
    if (r.warmup) continue;
    s.cpu_percent_max = std::max(s.cpu_percent_max, r.cpu_percent);
    sum += r.cpu_percent;
    ++n;
  }
  s.cpu_percent_mean = n > 0 ? sum / n : 0;
  char buf[256];
  std::string warning;
  if (s.cpu_percent_max >= 90.0 * threads) {
    std::snprintf(buf, sizeof buf,
                  "the generator used %.0f%% CPU at its busiest second with %d thread(s): it may "
                  "be the bottleneck (add --threads or instances)",
                  s.cpu_percent_max, threads);
    warning = buf;
  }
  const auto lag_p99 = stats.start_lag.value_at_percentile(99);
  if (stats.start_lag.count() > 0 && lag_p99 > 10'000) {
    std::snprintf(buf, sizeof buf,
                  "arrivals started %.1f ms late (p99): the generator could not keep its "
                  "schedule (CPU, or --max-in-flight reached); corrected latencies include that "
                  "delay",
                  ms(lag_p99));
    warning += (warning.empty() ? "" : "; ") + std::string(buf);
  }
  const auto send_p99 = stats.send_lag.value_at_percentile(99);
  if (stats.send_lag.count() > 0 && send_p99 > 10'000 && lag_p99 <= 10'000) {
    std::snprintf(buf, sizeof buf,
                  "first requests waited %.1f ms (p99) for a free connection although the "
                  "generator kept its schedule: the server is slow, or raise --connections",
                  ms(send_p99));
    warning += (warning.empty() ? "" : "; ") + std::string(buf);
  }
  s.warning = warning;
  return s;
}

std::string text_summary(const Report& r) {
  std::string out;
  char line[512];
  const auto& c = r.stats.counters;
  std::snprintf(line, sizeof line,
                "scenario %s: %.1f s measured (active %.1f s), %lld requests (%.1f/s), %lld flows "
                "ok, %lld failed, %lld dropped, error rate %.3f%%, late sends %lld\n",
                r.info.scenario.c_str(), r.info.duration_s, r.info.active_s,
                static_cast<long long>(c.requests), r.requests_per_second(),
                static_cast<long long>(c.ok), static_cast<long long>(c.failed),
                static_cast<long long>(c.dropped), r.error_rate() * 100,
                static_cast<long long>(c.late));
  out += line;
  const auto row = [&](const std::string& name, const Histogram& h, const char* view) {
    std::snprintf(
        line, sizeof line,
        "  %-34s %-11s n=%-8lld p50 %9.3f  p90 %9.3f  p99 %9.3f  p99.9 %9.3f  max %9.3f ms\n",
        name.c_str(), view, static_cast<long long>(h.count()), ms(h.value_at_percentile(50)),
        ms(h.value_at_percentile(90)), ms(h.value_at_percentile(99)),
        ms(h.value_at_percentile(99.9)), ms(h.max()));
    out += line;
  };
  row("all requests", r.stats.requests.corrected, "corrected");
  row("all requests", r.stats.requests.uncorrected, "uncorrected");
  row("send lag", r.stats.send_lag, "");
  for (const auto& [k, v] : r.stats.operations) row("op " + k, v.corrected, "corrected");
  for (const auto& [k, v] : r.stats.endpoints) row(k, v.corrected, "corrected");
  for (const auto& [k, v] : r.stats.spans) row("span " + k, v, "corrected");
  for (const auto& [k, v] : r.stats.errors) {
    std::snprintf(line, sizeof line, "  error %s status %d %s: %lld (%s)\n", k.endpoint.c_str(),
                  k.status, k.kind.c_str(), static_cast<long long>(v.count), v.sample.c_str());
    out += line;
  }
  if (!r.saturation.warning.empty()) out += "  WARNING: " + r.saturation.warning + "\n";
  for (const auto& s : r.slos) {
    out += std::string("  slo ") + s.threshold + ": " + (s.passed ? "pass" : "FAIL") + " (" +
           s.message + ")\n";
  }
  return out;
}

}  // namespace tongban::loadgen

#include "tongban/loadgen/schedule.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tongban::loadgen {
namespace {

Result<double> parse_number(std::string_view text, std::string_view field) {
  double v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v) || v < 0) {
    return fail(Error::invalid(std::string(field), "non_negative_number",
                               "not a non-negative number: '" + std::string(text) + "'"));
  }
  return v;
}

}  // namespace

Result<Nanos> parse_duration(std::string_view text) {
  std::size_t split = 0;
  while (split < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[split])) || text[split] == '.')) {
    ++split;
  }
  const auto number = text.substr(0, split);
  const auto unit = text.substr(split);
  if (number.empty()) {
    return fail(Error::invalid("duration", "duration",
                               "not a duration like 250ms, 30s, 2m: '" + std::string(text) + "'"));
  }
  auto v = parse_number(number, "duration");
  if (!v) return fail(v.error());
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1e9;
  } else if (unit == "ms") {
    scale = 1e6;
  } else if (unit == "us" || unit == "µs") {
    scale = 1e3;
  } else if (unit == "ns") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60e9;
  } else if (unit == "h") {
    scale = 3600e9;
  } else {
    return fail(Error::invalid("duration", "duration_unit",
                               "unknown unit '" + std::string(unit) + "' (ns, us, ms, s, m, h)"));
  }
  const double ns = *v * scale;
  if (ns > 1e18) return fail(Error::invalid("duration", "duration_range", "duration too long"));
  return static_cast<Nanos>(std::llround(ns));
}

std::string format_duration(Nanos d) {
  char buf[32];
  if (d % kNanosPerSecond == 0) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(d / kNanosPerSecond));
  } else if (d % 1'000'000 == 0) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(d / 1'000'000));
  } else {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(d / 1000));
  }
  return buf;
}

Result<Stage> parse_stage(std::string_view text) {
  Stage s;
  auto body = text;
  if (body.starts_with("spike:")) {
    s.kind = Stage::Kind::spike;
    body.remove_prefix(6);
    const auto slash = body.find('/');
    if (slash == std::string_view::npos) {
      return fail(
          Error::invalid("stage", "stage_syntax",
                         "a spike is spike:<duration>@<rate>/<rise>: '" + std::string(text) + "'"));
    }
    auto rise = parse_duration(body.substr(slash + 1));
    if (!rise) return fail(rise.error());
    s.rise = *rise;
    body = body.substr(0, slash);
  }
  std::size_t sep = body.find("->");
  std::size_t sep_len = 2;
  if (sep != std::string_view::npos) {
    if (s.kind == Stage::Kind::spike) {
      return fail(Error::invalid("stage", "stage_syntax", "a spike uses @, not ->"));
    }
    s.kind = Stage::Kind::ramp;
  } else {
    sep = body.find('@');
    sep_len = 1;
  }
  if (sep == std::string_view::npos) {
    return fail(Error::invalid("stage", "stage_syntax",
                               "a stage is <duration>@<rate> (step), <duration>-><rate> (ramp) or "
                               "spike:<duration>@<rate>/<rise>: '" +
                                   std::string(text) + "'"));
  }
  auto d = parse_duration(body.substr(0, sep));
  if (!d) return fail(d.error());
  auto r = parse_number(body.substr(sep + sep_len), "rate");
  if (!r) return fail(r.error());
  s.duration = *d;
  s.rate = *r;
  if (s.kind == Stage::Kind::spike && 2 * s.rise > s.duration) {
    return fail(Error::invalid("stage", "spike_rise", "a spike's two edges exceed its duration"));
  }
  return s;
}

std::string format_stage(const Stage& stage) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", stage.rate);
  switch (stage.kind) {
    case Stage::Kind::step:
      return format_duration(stage.duration) + "@" + rate;
    case Stage::Kind::ramp:
      return format_duration(stage.duration) + "->" + rate;
    case Stage::Kind::spike:
      return "spike:" + format_duration(stage.duration) + "@" + rate + "/" +
             format_duration(stage.rise);
  }
  return {};
}

Result<RatePlan> RatePlan::build(const std::vector<Stage>& stages, Nanos warmup) {
  if (stages.empty()) return fail(Error::invalid("stages", "non_empty", "no stage given"));
  if (warmup < 0) return fail(Error::invalid("warmup", "non_negative", "negative warm-up"));
  RatePlan plan;
  plan.warmup_ = warmup;
  Nanos t = 0;
  double cum = 0;
  const auto add = [&](Nanos duration, double r0, double r1) {
    if (duration <= 0) return;
    plan.segments_.push_back(Segment{t, duration, r0, r1, cum});
    cum += (r0 + r1) / 2 * static_cast<double>(duration) / 1e9;
    t += duration;
  };
  const Stage& first = stages.front();
  // A ramp starts from zero; the warm-up runs at the rate the measured part starts with.
  double current = first.kind == Stage::Kind::step ? first.rate : 0;
  if (first.kind == Stage::Kind::spike) current = 0;
  add(warmup, current, current);
  for (const auto& s : stages) {
    if (s.duration <= 0) {
      if (s.kind == Stage::Kind::step) current = s.rate;  // a zero-length step jumps
      continue;
    }
    switch (s.kind) {
      case Stage::Kind::step:
        add(s.duration, s.rate, s.rate);
        current = s.rate;
        break;
      case Stage::Kind::ramp:
        add(s.duration, current, s.rate);
        current = s.rate;
        break;
      case Stage::Kind::spike:
        add(s.rise, current, s.rate);
        add(s.duration - 2 * s.rise, s.rate, s.rate);
        add(s.rise, s.rate, current);
        break;
    }
  }
  if (t == warmup) return fail(Error::invalid("stages", "positive_duration", "stages last 0 s"));
  plan.end_ = t;
  plan.total_ = cum;
  return plan;
}

double RatePlan::rate_at(Nanos t) const {
  for (const auto& s : segments_) {
    if (t >= s.start && t < s.start + s.duration) {
      const double f = static_cast<double>(t - s.start) / static_cast<double>(s.duration);
      return s.r0 + (s.r1 - s.r0) * f;
    }
  }
  return 0;
}

double RatePlan::cumulative(Nanos t) const {
  if (t <= 0) return 0;
  if (t >= end_) return total_;
  for (const auto& s : segments_) {
    if (t < s.start + s.duration) {
      const double tau = static_cast<double>(t - s.start) / 1e9;
      const double d = static_cast<double>(s.duration) / 1e9;
      return s.before + s.r0 * tau + (s.r1 - s.r0) * tau * tau / (2 * d);
    }
  }
  return total_;
}

std::optional<Nanos> RatePlan::invert(double lambda, std::size_t& hint) const {
  if (lambda < 0 || lambda >= total_) return std::nullopt;
  while (hint < segments_.size()) {
    const auto& s = segments_[hint];
    const double d = static_cast<double>(s.duration) / 1e9;
    const double within = (s.r0 + s.r1) / 2 * d;
    const double x = lambda - s.before;
    if (x < within) {
      double tau = 0;
      const double a = (s.r1 - s.r0) / (2 * d);
      if (std::abs(a) < 1e-12) {
        tau = x / s.r0;
      } else {
        // Root of a*tau^2 + r0*tau - x = 0 in the form that stays exact when a -> 0.
        const double disc = std::max(0.0, s.r0 * s.r0 + 4 * a * x);
        tau = 2 * x / (s.r0 + std::sqrt(disc));
      }
      const auto at = s.start + static_cast<Nanos>(std::llround(tau * 1e9));
      return std::min(at, s.start + s.duration - 1);
    }
    ++hint;
  }
  return std::nullopt;
}

Result<ArrivalProcess> parse_arrival_process(std::string_view text) {
  if (text == "constant") return ArrivalProcess::constant;
  if (text == "poisson") return ArrivalProcess::poisson;
  return fail(Error::invalid("arrivals", "one_of",
                             "arrivals are constant or poisson, not '" + std::string(text) + "'"));
}

std::string_view to_string(ArrivalProcess p) {
  return p == ArrivalProcess::constant ? "constant" : "poisson";
}

Schedule::Schedule(const RatePlan& plan, ArrivalProcess process, std::uint64_t seed,
                   std::uint64_t stride, std::uint64_t offset)
    : plan_(&plan),
      process_(process),
      rng_(seed ^ 0x9e3779b97f4a7c15ULL),
      stride_(stride == 0 ? 1 : stride),
      next_index_(offset) {}

std::optional<Arrival> Schedule::next() {
  if (done_) return std::nullopt;
  const std::uint64_t index = next_index_;
  next_index_ += stride_;
  double lambda = 0;
  if (process_ == ArrivalProcess::constant) {
    lambda = static_cast<double>(index);
  } else {
    std::exponential_distribution<double> exp1(1.0);
    while (poisson_index_ <= index) {
      poisson_sum_ += exp1(rng_);
      ++poisson_index_;
    }
    lambda = poisson_sum_;
  }
  const auto at = plan_->invert(lambda, segment_hint_);
  if (!at) {
    done_ = true;
    return std::nullopt;
  }
  return Arrival{index, *at};
}

}  // namespace tongban::loadgen

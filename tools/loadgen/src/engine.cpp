#include "tongban/loadgen/engine.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <chrono>

namespace tongban::loadgen {
namespace {

std::int64_t to_micros(Nanos d) { return d <= 0 ? 0 : (d + 500) / 1000; }

std::string_view outcome_kind(HttpResult::Outcome o) {
  switch (o) {
    case HttpResult::Outcome::connect_error:
      return "connect";
    case HttpResult::Outcome::timeout:
      return "timeout";
    case HttpResult::Outcome::io_error:
      return "io";
    case HttpResult::Outcome::response:
      break;
  }
  return "status";
}

}  // namespace

void Recorder::write(std::string_view op, std::string_view step, std::uint64_t index, bool ok,
                     int status, std::string_view error, const Vars& vars) {
  boost::json::object v;
  for (const auto& [k, x] : vars) v[k] = x;
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  boost::json::object line{
      {"at", at}, {"op", op},         {"step", step},   {"index", index},
      {"ok", ok}, {"status", status}, {"error", error}, {"vars", std::move(v)}};
  const auto text = boost::json::serialize(line);
  std::lock_guard lock(mu_);
  std::fputs(text.c_str(), out_);
  std::fputc('\n', out_);
  ++lines_;
}

std::int64_t Recorder::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

void Entry::merge(const Entry& o) {
  count += o.count;
  errors += o.errors;
  corrected.merge(o.corrected);
  uncorrected.merge(o.uncorrected);
}

void Counters::merge(const Counters& o) {
  scheduled += o.scheduled;
  started += o.started;
  completed += o.completed;
  ok += o.ok;
  failed += o.failed;
  dropped += o.dropped;
  aborted += o.aborted;
  requests += o.requests;
  request_errors += o.request_errors;
  late += o.late;
  warmup_flows += o.warmup_flows;
}

void Stats::merge(const Stats& o) {
  counters.merge(o.counters);
  requests.merge(o.requests);
  send_lag.merge(o.send_lag);
  start_lag.merge(o.start_lag);
  for (const auto& [k, v] : o.operations) operations[k].merge(v);
  for (const auto& [k, v] : o.endpoints) endpoints[k].merge(v);
  for (const auto& [k, v] : o.spans) spans[k].merge(v);
  for (const auto& [k, v] : o.errors) add_error(k, v.sample, v.count);
  last_done = std::max(last_done, o.last_done);
}

void Stats::add_error(ErrorKey key, std::string_view message, std::int64_t n) {
  auto& e = errors[std::move(key)];
  if (e.count == 0) e.sample = std::string(message.substr(0, 200));
  e.count += n;
}

void Interval::merge(const Interval& o) {
  sent += o.sent;
  done += o.done;
  errors += o.errors;
  late += o.late;
  latency.merge(o.latency);
  send_lag.merge(o.send_lag);
}

struct Worker::Flow {
  const Operation* op = nullptr;
  std::size_t op_index = 0;
  std::size_t step = 0;
  std::uint64_t index = 0;
  Nanos intended = 0;  // arrival: the flow's due time
  Nanos due = 0;       // the current attempt's due time
  Nanos first_sent = -1;
  Nanos poll_started = 0;
  std::vector<Nanos> step_due;  // first due time of each step, for spans
  bool measured = false;
  bool failed_step = false;
  int vu = -1;
  FlowState state;
  std::function<void(Result<Vars>)> once;  // run_once's continuation
};

Worker::Worker(const Scenario& scenario, const Vars& globals, RunConfig config, Loop& loop,
               Transport& transport, std::optional<Schedule> schedule)
    : scenario_(scenario),
      globals_(globals),
      config_(config),
      loop_(loop),
      transport_(transport),
      schedule_(std::move(schedule)) {
  for (const auto& op : scenario_.operations) {
    endpoint_base_.push_back(endpoint_names_.size());
    for (const auto& s : op.steps) endpoint_names_.push_back(op.name + "/" + s->name);
  }
  endpoint_entries_.assign(endpoint_names_.size(), nullptr);
}

Worker::~Worker() = default;

void Worker::start() {
  if (config_.mode == Mode::closed) {
    active_vus_ = config_.vus;
    for (int vu = 0; vu < config_.vus; ++vu) vu_next(vu, loop_.now());
    return;
  }
  if (schedule_) next_ = schedule_->next();
  if (next_) arm(next_->at);
}

bool Worker::finished() const {
  if (in_flight_ > 0) return false;
  if (config_.mode == Mode::closed) return active_vus_ == 0 || stopped_;
  return !next_;
}

void Worker::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Arrivals that came due but never started: the system could not keep up.
  const Nanos now = loop_.now();
  while (next_ && next_->at < config_.end && next_->at <= now) {
    if (next_->at >= config_.warmup) {
      ++stats_.counters.scheduled;
      ++stats_.counters.dropped;
      stats_.add_error(ErrorKey{"-", 0, "dropped"}, "due but not started before the end");
    }
    next_ = schedule_->next();
  }
  for (const auto& f : flows_) {
    if (f->op && !f->once && f->op->steps[f->step]->record) {
      record(f.get(), false, 0, "aborted: still in flight when the drain ended");
    }
    if (f->op && f->measured && !f->once) {
      ++stats_.counters.aborted;
      ++stats_.counters.completed;
      ++stats_.counters.failed;
      // A flow the drain cut off failed: its operation counts it (no latency: it has none).
      auto& e = stats_.operations[f->op->name];
      ++e.count;
      ++e.errors;
      stats_.add_error(
          ErrorKey{endpoint_names_[endpoint_base_[f->op_index] + f->step], 0, "aborted"},
          "still in flight when the drain ended");
    }
  }
  next_.reset();
}

void Worker::arm(Nanos when) {
  // At high rates an alarm per arrival costs more (a timer syscall and a wake-up each) than
  // the request itself: arrivals closer than the granularity share one wake-up, at most that
  // late (which the send lag shows).
  if (config_.alarm_granularity > 0) {
    const Nanos now = loop_.now();
    if (when > now) when = std::max(when, now + config_.alarm_granularity);
  }
  if (alarm_armed_ && alarm_at_ <= when) return;
  alarm_armed_ = true;
  alarm_at_ = when;
  loop_.at(when, [this, when] {
    if (alarm_at_ != when || !alarm_armed_) return;  // superseded by an earlier alarm
    alarm_armed_ = false;
    on_alarm();
  });
}

void Worker::on_alarm() {
  if (stopped_) return;
  const Nanos now = loop_.now();
  while (next_ && next_->at <= now && in_flight_ < config_.max_in_flight) {
    const Arrival a = *next_;
    next_ = schedule_->next();
    const bool measured = a.at >= config_.warmup;
    if (measured) ++stats_.counters.scheduled;
    const Operation* op = &scenario_.operations.front();
    if (scenario_.operations.size() > 1) {
      Rng pick_rng(mix_seed(config_.seed ^ 0x6f70, a.index));
      op = &scenario_.pick(pick_rng);
    }
    start_flow(*op, a.index, a.at, measured, -1);
  }
  // When in_flight_ is at the limit a completing flow calls on_alarm again.
  if (next_ && in_flight_ < config_.max_in_flight) arm(next_->at);
}

Worker::Flow* Worker::acquire_flow() {
  if (free_.empty()) {
    flows_.push_back(std::make_unique<Flow>());
    return flows_.back().get();
  }
  Flow* f = free_.back();
  free_.pop_back();
  return f;
}

void Worker::release_flow(Flow* f) {
  f->op = nullptr;
  f->once = nullptr;
  f->state.vars.clear();
  free_.push_back(f);
}

void Worker::start_flow(const Operation& op, std::uint64_t index, Nanos due, bool measured,
                        int vu) {
  Flow* f = acquire_flow();
  f->op = &op;
  f->op_index = static_cast<std::size_t>(&op - scenario_.operations.data());
  if (f->op_index >= scenario_.operations.size()) f->op_index = 0;  // setup: not in the list
  f->step = 0;
  f->index = index;
  f->intended = due;
  f->due = due;
  f->first_sent = -1;
  f->step_due.assign(op.steps.size(), -1);
  f->measured = measured;
  f->failed_step = false;
  f->vu = vu;
  f->state.index = index;
  f->state.rng = Rng(mix_seed(config_.seed, index));
  f->state.globals = &globals_;
  for (const auto& [name, t] : op.let) f->state.vars[name] = t.render(f->state);
  ++in_flight_;
  if (measured) {
    ++stats_.counters.started;
    if (config_.mode == Mode::open) stats_.start_lag.record(to_micros(loop_.now() - due));
  } else {
    ++stats_.counters.warmup_flows;
  }
  run_step(f);
}

void Worker::run_step(Flow* f) {
  // Steps this flow passes by complete at once, without a request.
  while (f->op->steps[f->step]->skip(f->state)) {
    if (f->step_due[f->step] < 0) f->step_due[f->step] = f->due;
    if (f->measured && !f->once) end_spans(f, std::max(f->due, loop_.now()));
    if (f->step + 1 == f->op->steps.size()) {
      finish_flow(f, true);
      return;
    }
    ++f->step;
  }
  const Step& step = *f->op->steps[f->step];
  if (f->step_due[f->step] < 0) {
    f->step_due[f->step] = f->due;
    f->poll_started = f->due;
    if (step.poll && step.poll->first > 0) {
      run_step_at(f, f->due + step.poll->first);
      return;
    }
  }
  auto request = step.build(f->state);
  if (!request) {
    if (f->measured) {
      ++stats_.counters.requests;
      ++stats_.counters.request_errors;
      stats_.add_error(ErrorKey{endpoint_names_.empty() || f->once
                                    ? f->op->name + "/" + step.name
                                    : endpoint_names_[endpoint_base_[f->op_index] + f->step],
                                0, "template"},
                       request.error().message);
    }
    if (step.record && !f->once) record(f, false, 0, request.error().message);
    finish_flow(f, false, request.error().message);
    return;
  }
  {
    std::lock_guard lock(interval_mu_);
    ++interval_.sent;
  }
  const std::size_t target = request->target.value_or(step.target);
  transport_.send(target, std::move(*request),
                  [this, f](HttpResult&& r) { on_result(f, std::move(r)); });
}

void Worker::on_result(Flow* f, HttpResult&& r) {
  if (stopped_) return;
  const Step& step = *f->op->steps[f->step];
  // The flow's first request (the first steps may have been skipped).
  const bool first_request = f->first_sent < 0;
  if (r.sent_at >= 0 && f->first_sent < 0) f->first_sent = r.sent_at;
  const Nanos corrected = r.done_at - f->due;
  const Nanos uncorrected = r.sent_at >= 0 ? r.done_at - r.sent_at : corrected;

  InResponse in{r.status, &r.headers, &r.body};
  Verdict verdict;
  std::string kind;
  if (r.outcome != HttpResult::Outcome::response) {
    verdict = {Verdict::Kind::fail, r.error};
    kind = outcome_kind(r.outcome);
  } else {
    verdict = step.check(in, f->state);
    if (verdict.kind == Verdict::Kind::fail) {
      kind = verdict.message.starts_with("status ") ? "status" : "assertion";
    }
  }
  if (verdict.kind == Verdict::Kind::retry && !step.poll) {
    verdict = {Verdict::Kind::fail, "the check asked for a retry but the step does not poll"};
    kind = "assertion";
  }
  if (verdict.kind == Verdict::Kind::retry && r.done_at - f->poll_started >= step.poll->timeout) {
    verdict = {Verdict::Kind::fail, "condition not met within the poll timeout"};
    kind = "poll_timeout";
  }
  const bool error = verdict.kind == Verdict::Kind::fail;

  if (f->measured && !f->once) {
    const std::size_t endpoint_index = endpoint_base_[f->op_index] + f->step;
    const auto& endpoint = endpoint_names_[endpoint_index];
    Entry*& cached = endpoint_entries_[endpoint_index];
    if (!cached) cached = &stats_.endpoints[endpoint];  // map nodes do not move
    auto& ep = *cached;
    for (Entry* e : {&stats_.requests, &ep}) {
      ++e->count;
      if (error) ++e->errors;
      if (config_.mode == Mode::closed && config_.expected_interval > 0) {
        e->corrected.record_corrected(to_micros(corrected), to_micros(config_.expected_interval));
      } else {
        e->corrected.record(to_micros(corrected));
      }
      e->uncorrected.record(to_micros(uncorrected));
    }
    ++stats_.counters.requests;
    stats_.last_done = std::max(stats_.last_done, r.done_at);
    if (error) {
      ++stats_.counters.request_errors;
      const int status = r.outcome == HttpResult::Outcome::response ? r.status : 0;
      stats_.add_error(ErrorKey{endpoint, status, kind}, verdict.message);
    }
    if (first_request && r.sent_at >= 0) {
      const Nanos lag = r.sent_at - f->intended;
      stats_.send_lag.record(to_micros(lag));
      if (lag > config_.late_threshold) ++stats_.counters.late;
    }
  }
  if (!f->once) {
    // The progress line shows the warm-up too; the statistics do not.
    const bool late =
        first_request && r.sent_at >= 0 && r.sent_at - f->intended > config_.late_threshold;
    std::lock_guard lock(interval_mu_);
    ++interval_.done;
    if (error) ++interval_.errors;
    if (late) ++interval_.late;
    interval_.latency.record(to_micros(corrected));
    if (first_request && r.sent_at >= 0) {
      interval_.send_lag.record(to_micros(r.sent_at - f->intended));
    }
  }

  if (step.record && !f->once && verdict.kind != Verdict::Kind::retry) {
    record(f, !error, r.outcome == HttpResult::Outcome::response ? r.status : 0,
           error ? verdict.message : std::string_view{});
  }
  if (error) {
    finish_flow(
        f, false,
        endpoint_names_.empty() || f->once
            ? step.name + ": " + verdict.message
            : endpoint_names_[endpoint_base_[f->op_index] + f->step] + ": " + verdict.message);
    return;
  }
  const Nanos now = loop_.now();
  if (verdict.kind == Verdict::Kind::retry) {
    run_step_at(f, r.done_at + step.poll->next_wait(r.done_at - f->poll_started));
    return;
  }
  if (f->measured && !f->once) end_spans(f, r.done_at);
  if (f->step + 1 == f->op->steps.size()) {
    finish_flow(f, true);
    return;
  }
  ++f->step;
  if (step.think > 0) {
    run_step_at(f, std::max(r.done_at, now) + step.think);
  } else {
    f->due = std::max(r.done_at, now);
    run_step(f);
  }
}

void Worker::run_step_at(Flow* f, Nanos due) {
  f->due = due;
  loop_.at(due, [this, f] {
    if (!stopped_) run_step(f);
  });
}

void Worker::end_spans(Flow* f, Nanos done) {
  for (const auto& span : f->op->spans) {
    if (span.to == f->step && f->step_due[span.from] >= 0) {
      stats_.spans[f->op->name + "/" + span.name].record(to_micros(done - f->step_due[span.from]));
    }
  }
}

void Worker::record(const Flow* f, bool ok, int status, std::string_view error) {
  if (!config_.recorder) return;
  config_.recorder->write(f->op->name, f->op->steps[f->step]->name, f->index, ok, status, error,
                          f->state.vars);
}

void Worker::finish_flow(Flow* f, bool ok, std::string error) {
  const Nanos now = loop_.now();
  if (f->once) {
    auto done = std::move(f->once);
    Vars vars = std::move(f->state.vars);
    --in_flight_;
    release_flow(f);
    if (ok) {
      done(std::move(vars));
    } else {
      done(fail(Error::unavailable("setup failed: " + error)));
    }
    return;
  }
  if (f->measured) {
    ++stats_.counters.completed;
    ++(ok ? stats_.counters.ok : stats_.counters.failed);
    auto& e = stats_.operations[f->op->name];
    ++e.count;
    if (!ok) ++e.errors;
    const Nanos corrected = now - f->intended;
    const Nanos uncorrected = f->first_sent >= 0 ? now - f->first_sent : corrected;
    if (config_.mode == Mode::closed && config_.expected_interval > 0) {
      e.corrected.record_corrected(to_micros(corrected), to_micros(config_.expected_interval));
    } else {
      e.corrected.record(to_micros(corrected));
    }
    e.uncorrected.record(to_micros(uncorrected));
  }
  const int vu = f->vu;
  --in_flight_;
  release_flow(f);
  if (config_.mode == Mode::closed) {
    if (vu >= 0) vu_next(vu, now + config_.think);
  } else if (next_ && in_flight_ + 1 == config_.max_in_flight) {
    on_alarm();  // we were at the limit: arrivals may be waiting
  }
}

void Worker::vu_next(int vu, Nanos due) {
  if (stopped_ || due >= config_.end) {
    --active_vus_;
    return;
  }
  const auto start = [this, vu, due] {
    if (stopped_) return;
    // A virtual user's iterations are numbered vu, vu + vus, ...: distinct seeds per VU.
    const std::uint64_t index = config_.vu_offset + iterations_++ * config_.vu_stride;
    Rng pick_rng(mix_seed(config_.seed ^ 0x6f70, index));
    const auto& op = scenario_.pick(pick_rng);
    start_flow(op, index, due, due >= config_.warmup, vu);
  };
  if (due <= loop_.now()) {
    start();
  } else {
    loop_.at(due, start);
  }
}

void Worker::run_once(const Operation& op, std::function<void(Result<Vars>)> done) {
  Flow* f = acquire_flow();
  f->op = &op;
  f->op_index = 0;
  f->step = 0;
  f->index = 0;
  f->intended = f->due = loop_.now();
  f->first_sent = -1;
  f->step_due.assign(op.steps.size(), -1);
  f->measured = false;
  f->vu = -1;
  f->state.rng = Rng(mix_seed(config_.seed, ~0ULL));
  f->state.globals = &globals_;
  f->once = std::move(done);
  ++in_flight_;
  run_step(f);
}

Interval Worker::take_interval() {
  std::lock_guard lock(interval_mu_);
  Interval out = std::move(interval_);
  interval_ = Interval{};
  return out;
}

}  // namespace tongban::loadgen

// A scenario as data: targets, weighted operations made of HTTP steps (templated requests,
// checks, values extracted for later steps, think times, polling), setup steps, defaults
// and thresholds; and the registry of scenario kinds that turn a document into one.
#pragma once

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tongban/core/result.hpp"
#include "tongban/loadgen/schedule.hpp"

namespace tongban::loadgen {

using Headers = std::vector<std::pair<std::string, std::string>>;

// xoshiro256** seeded through splitmix64: one stream per arrival, so the values a run draws
// depend on the seed and the arrival index only, not on threads or timing.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  std::uint64_t next();
  std::uint64_t below(std::uint64_t n);  // uniform in [0, n), n > 0
  double unit();                         // uniform in [0, 1)

 private:
  std::uint64_t s_[4];
};
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index);

// Values visible to templates: the flow's own (extracted from its responses), then the
// run's globals (extracted by the setup steps), then the scenario's vars.
using Vars = std::map<std::string, std::string, std::less<>>;

struct FlowState {
  std::uint64_t index = 0;  // arrival index
  Rng rng;
  Vars vars;
  const Vars* globals = nullptr;
  const std::string* find(std::string_view name) const;
};

struct OutRequest {
  std::string method = "GET";
  std::string path = "/";  // path and query, appended to the target URL's base path
  Headers headers;
  std::string body;
  // Set by steps whose target depends on the flow (the delegation node serving a city);
  // otherwise the step's own target.
  std::optional<std::size_t> target;
};

struct InResponse {
  int status = 0;
  const Headers* headers = nullptr;
  const std::string* body = nullptr;
};

// What a check concluded about a response.
struct Verdict {
  enum class Kind { pass, fail, retry };  // retry: a poll condition not yet met
  Kind kind = Kind::pass;
  std::string message;  // why it failed (kind assertion)
};

// A step repeated until its condition holds. The wait between two tries is `interval`, or
// `backoff` × the time already waited when that is longer: a poll finds its condition at
// most that fraction late, and a platform that falls behind is not also flooded by ever
// more polls (at a fixed 5 ms, a life cycle waiting 2 s polls 400 times).
struct Poll {
  Nanos interval = 0;
  Nanos timeout = 0;
  double backoff = 0;  // 0: a fixed interval
  // Before the first try, for a condition that cannot hold yet when the step starts (a
  // hand-off crosses Kafka): a try that always fails is load the generator adds itself.
  Nanos first = 0;

  Nanos next_wait(Nanos waited) const {
    return std::max(interval, static_cast<Nanos>(static_cast<double>(waited) * backoff));
  }
};

// One HTTP exchange of an operation. The http kind's steps are templates; a kind that
// needs more (e.g. city pairs drawn by migrant flow) implements its own.
class Step {
 public:
  virtual ~Step() = default;
  virtual Result<OutRequest> build(FlowState& flow) const = 0;
  // Checks the response and stores extracted values into flow.vars.
  virtual Verdict check(const InResponse& response, FlowState& flow) const = 0;
  // True when this flow passes the step by without a request (a pre-examination the
  // agreement does not delegate, a token that is not about to expire). A skipped step
  // completes at once; spans ending at it end then.
  virtual bool skip(FlowState&) const { return false; }

  std::string name;
  std::size_t target = 0;     // index into Scenario::targets
  Nanos think = 0;            // pause after this step, before the next
  std::optional<Poll> poll;   // repeat while check() says retry
  bool reads_headers = true;  // false lets the transport skip copying response headers
  bool record = false;        // --record writes each outcome of this step (engine.hpp Recorder)
};

struct Span {  // an end-to-end measure inside one operation
  std::string name;
  std::size_t from = 0;  // step index: measured from when it was due
  std::size_t to = 0;    // ... to when this step's last attempt completed
};

// A compiled "{{ ... }}" template (see README.md for the expressions and filters).
class Template {
 public:
  static Result<Template> compile(std::string_view text,
                                  const std::map<std::string, std::vector<std::string>>& data);
  std::string render(FlowState& flow) const;
  bool is_static() const;
  // Names of the variables the template reads.
  std::vector<std::string> variables() const;

  struct Piece;

 private:
  std::vector<std::shared_ptr<const Piece>> pieces_;
};

struct Operation {
  std::string name;
  double weight = 1;
  // Flow variables drawn once when a flow starts, in order (a city pair used by several
  // steps, say); later ones may use earlier ones.
  std::vector<std::pair<std::string, Template>> let;
  std::vector<std::unique_ptr<Step>> steps;
  std::vector<Span> spans;
};

struct TargetUrl {
  std::string url;
  std::string host;
  std::string port;
  std::string host_header;
  std::string base_path;  // without a trailing slash
};
Result<TargetUrl> parse_target_url(std::string_view url);

struct Target {
  std::string name;
  std::vector<TargetUrl> urls;  // requests go round-robin over them
};

// Run defaults a scenario may carry; the command line overrides each.
struct Defaults {
  std::optional<double> rate;
  std::optional<Nanos> duration;
  std::optional<Nanos> warmup;
  std::vector<Stage> stages;
  std::optional<int> connections;
  std::optional<Nanos> timeout;
  std::optional<ArrivalProcess> arrivals;
};

struct Scenario {
  std::string name;
  std::string kind;
  std::string description;
  std::vector<Target> targets;
  std::vector<Operation> operations;
  std::unique_ptr<Operation> setup;  // run once before the load; its vars become globals
  Vars vars;
  Defaults defaults;
  std::vector<std::string> slos;

  std::optional<std::size_t> find_target(std::string_view target_name) const;
  // Sets a target's URLs; "name=URL[,URL]" names one target, a bare "URL[,URL]" sets all.
  Result<void> override_targets(std::string_view spec);
  // Picks an operation by weight.
  const Operation& pick(Rng& rng) const;
  double total_weight() const;
};

// A kind turns a scenario document into a Scenario. Built-in scenarios are documents that
// ship inside the binary.
struct ScenarioKind {
  std::string name;
  std::string description;
  std::function<Result<Scenario>(const boost::json::object& doc)> build;
};

struct BuiltinScenario {
  std::string name;
  std::string description;
  std::string_view document;  // JSON
};

class Registry {
 public:
  // The kinds and scenarios this binary ships (http, delegation; http, smoke, hot-pair,
  // burst, seed-155-cities).
  static Registry& instance();

  void add_kind(ScenarioKind kind);
  void add_builtin(BuiltinScenario scenario);
  const ScenarioKind* find_kind(std::string_view name) const;
  const BuiltinScenario* find_builtin(std::string_view name) const;
  const std::vector<ScenarioKind>& kinds() const { return kinds_; }
  const std::vector<BuiltinScenario>& builtins() const { return builtins_; }

  // A document's "kind" (default http) picks the builder. `overrides` (--var NAME=VALUE)
  // replace or add entries of the document's "vars" before the kind reads it.
  Result<Scenario> build(std::string_view json_text, const Vars& overrides = {}) const;
  // A built-in name, or a path to a scenario file.
  Result<Scenario> load(std::string_view name_or_path, const Vars& overrides = {}) const;

 private:
  std::vector<ScenarioKind> kinds_;
  std::vector<BuiltinScenario> builtins_;
};

// The http kind: the declarative format of README.md.
Result<Scenario> build_http_scenario(const boost::json::object& doc);

// Parts of a scenario document every kind reads the same way (README "Scenario files"):
// "targets" (a target "default" when absent), "defaults" with "slo", an operation's "spans"
// (by step name, steps in `op` already built).
Result<void> read_targets(const boost::json::object& doc, Scenario& s);
Result<void> read_defaults(const boost::json::object& doc, Scenario& s);
Result<void> read_spans(const boost::json::object& op_doc, const std::string& path, Operation& op);

}  // namespace tongban::loadgen

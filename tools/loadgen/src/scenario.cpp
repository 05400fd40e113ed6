#include "tongban/loadgen/scenario.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"
#include "tongban/loadgen/delegation.hpp"

namespace tongban::loadgen {

std::string_view smoke_scenario_json();  // embedded scenarios/*.json
std::string_view http_scenario_json();
std::string_view hot_pair_scenario_json();
std::string_view submit_scenario_json();
std::string_view burst_scenario_json();
std::string_view seed_155_cities_scenario_json();

namespace {

namespace json = boost::json;

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

Error scenario_error(std::string field, std::string rule, std::string message) {
  return Error::invalid("scenario." + field, std::move(rule), std::move(message));
}

}  // namespace

// ---- randomness ------------------------------------------------------------------------

Rng::Rng(std::uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t Rng::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t n) {
  // Lemire's multiply-shift; the bias is below 2^-64 * n, far below what a test can see.
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<u128>(next()) * n) >> 64);
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t x = seed ^ (index * 0xd1b54a32d192ed03ULL);
  return splitmix64(x);
}

const std::string* FlowState::find(std::string_view name) const {
  if (auto it = vars.find(name); it != vars.end()) return &it->second;
  if (globals) {
    if (auto it = globals->find(name); it != globals->end()) return &it->second;
  }
  return nullptr;
}

// ---- templates -------------------------------------------------------------------------

struct Template::Piece {
  enum class Kind { literal, var, integer, pick, hex, uuid, index, city_pair };
  Kind kind = Kind::literal;
  std::string text;  // literal text or variable name
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::shared_ptr<const std::vector<std::string>> list;
  bool url = false;
  bool json = false;
  int part = 0;  // 1: before the first '-', 2: after it (filters first, second)
};

namespace {

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

void append_url_encoded(std::string& out, std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

void append_json_escaped(std::string& out, std::string_view in) {
  const std::string quoted = json::serialize(json::string(in));
  out.append(quoted, 1, quoted.size() - 2);
}

Result<std::int64_t> to_int(const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str() || *end != '\0') {
    return fail(scenario_error("template", "integer", "not an integer: '" + s + "'"));
  }
  return v;
}

std::shared_ptr<const std::vector<std::string>> builtin_list(std::string_view name) {
  if (name == "cities") {
    static const auto codes = [] {
      auto v = std::make_shared<std::vector<std::string>>();
      for (const auto& c : cities::directory().all()) v->push_back(c.code);
      return v;
    }();
    return codes;
  }
  return nullptr;
}

// The 11,935 city pairs by migrant-flow weight: cumulative weights for a binary search.
struct WeightedPairs {
  std::vector<double> cumulative;
  std::vector<std::string> text;  // "320100-330100"
};
const WeightedPairs& city_pairs() {
  static const WeightedPairs pairs = [] {
    WeightedPairs p;
    double sum = 0;
    for (const auto& pair : cities::directory().pairs()) {
      sum += pair.weight;
      p.cumulative.push_back(sum);
      p.text.push_back(pair.a->code + "-" + pair.b->code);
    }
    return p;
  }();
  return pairs;
}

}  // namespace

Result<Template> Template::compile(std::string_view text,
                                   const std::map<std::string, std::vector<std::string>>& data) {
  Template t;
  std::size_t pos = 0;
  const auto literal = [&t](std::string_view s) {
    if (s.empty()) return;
    auto p = std::make_shared<Piece>();
    p->text = std::string(s);
    t.pieces_.push_back(std::move(p));
  };
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal(text.substr(pos));
      break;
    }
    literal(text.substr(pos, open - pos));
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return fail(
          scenario_error("template", "unclosed", "'{{' without '}}' in: " + std::string(text)));
    }
    const auto inner = text.substr(open + 2, close - open - 2);
    pos = close + 2;

    auto p = std::make_shared<Piece>();
    std::string_view expr = inner;
    // Filters after '|': url (percent-encode), json (escape for a JSON string).
    while (true) {
      const auto bar = expr.rfind('|');
      if (bar == std::string_view::npos) break;
      const auto words = split_ws(expr.substr(bar + 1));
      if (words.size() != 1) {
        return fail(
            scenario_error("template", "filter", "a filter is one word: " + std::string(inner)));
      }
      if (words[0] == "url") {
        p->url = true;
      } else if (words[0] == "json") {
        p->json = true;
      } else if (words[0] == "first") {
        p->part = 1;
      } else if (words[0] == "second") {
        p->part = 2;
      } else {
        return fail(scenario_error("template", "filter",
                                   "unknown filter '" + words[0] + "' (url, json, first, second)"));
      }
      expr = expr.substr(0, bar);
    }
    const auto words = split_ws(expr);
    if (words.empty()) return fail(scenario_error("template", "empty", "empty {{ }}"));
    const auto& fn = words[0];
    const auto arity = [&](std::size_t n) -> Result<void> {
      if (words.size() != n + 1) {
        return fail(scenario_error("template", "arity",
                                   "'" + fn + "' takes " + std::to_string(n) + " argument(s): {{" +
                                       std::string(inner) + "}}"));
      }
      return {};
    };
    if (fn == "int") {
      if (auto r = arity(2); !r) return fail(r.error());
      auto lo = to_int(words[1]);
      auto hi = to_int(words[2]);
      if (!lo) return fail(lo.error());
      if (!hi) return fail(hi.error());
      if (*hi < *lo) return fail(scenario_error("template", "range", "int: hi < lo"));
      p->kind = Piece::Kind::integer;
      p->lo = *lo;
      p->hi = *hi;
    } else if (fn == "pick") {
      if (auto r = arity(1); !r) return fail(r.error());
      if (auto it = data.find(words[1]); it != data.end()) {
        p->list = std::make_shared<const std::vector<std::string>>(it->second);
      } else {
        p->list = builtin_list(words[1]);
      }
      if (!p->list || p->list->empty()) {
        return fail(
            scenario_error("template", "unknown_list",
                           "pick: no data list '" + words[1] + "' (scenario data, cities)"));
      }
      p->kind = Piece::Kind::pick;
    } else if (fn == "hex") {
      if (auto r = arity(1); !r) return fail(r.error());
      auto n = to_int(words[1]);
      if (!n) return fail(n.error());
      if (*n < 1 || *n > 64) return fail(scenario_error("template", "range", "hex: 1..64"));
      p->kind = Piece::Kind::hex;
      p->lo = *n;
    } else if (fn == "uuid") {
      if (auto r = arity(0); !r) return fail(r.error());
      p->kind = Piece::Kind::uuid;
    } else if (fn == "index") {
      if (auto r = arity(0); !r) return fail(r.error());
      p->kind = Piece::Kind::index;
    } else if (fn == "city_pair") {
      if (auto r = arity(0); !r) return fail(r.error());
      p->kind = Piece::Kind::city_pair;
    } else if (fn == "env") {
      // Resolved once, at load: secrets stay out of scenario files.
      if (auto r = arity(1); !r) return fail(r.error());
      const char* v = std::getenv(words[1].c_str());
      if (!v) {
        return fail(
            scenario_error("template", "env", "environment variable " + words[1] + " is not set"));
      }
      p->kind = Piece::Kind::literal;
      p->text.clear();
      if (p->url) {
        append_url_encoded(p->text, v);
      } else if (p->json) {
        append_json_escaped(p->text, v);
      } else {
        p->text = v;
      }
      p->url = p->json = false;
    } else {
      if (auto r = arity(0); !r) return fail(r.error());
      p->kind = Piece::Kind::var;
      p->text = fn;
    }
    t.pieces_.push_back(std::move(p));
  }
  return t;
}

bool Template::is_static() const {
  for (const auto& p : pieces_) {
    if (p->kind != Piece::Kind::literal) return false;
  }
  return true;
}

std::vector<std::string> Template::variables() const {
  std::vector<std::string> out;
  for (const auto& p : pieces_) {
    if (p->kind == Piece::Kind::var) out.push_back(p->text);
  }
  return out;
}

std::string Template::render(FlowState& flow) const {
  std::string out;
  std::string value;
  for (const auto& p : pieces_) {
    value.clear();
    switch (p->kind) {
      case Piece::Kind::literal:
        out += p->text;
        continue;
      case Piece::Kind::var:
        if (const auto* v = flow.find(p->text)) value = *v;
        break;
      case Piece::Kind::integer:
        value = std::to_string(p->lo + static_cast<std::int64_t>(flow.rng.below(
                                           static_cast<std::uint64_t>(p->hi - p->lo) + 1)));
        break;
      case Piece::Kind::pick:
        value = (*p->list)[flow.rng.below(p->list->size())];
        break;
      case Piece::Kind::hex: {
        static constexpr char kHex[] = "0123456789abcdef";
        for (std::int64_t i = 0; i < p->lo; ++i) value += kHex[flow.rng.below(16)];
        break;
      }
      case Piece::Kind::uuid: {
        // A version 4 UUID from the flow's seeded stream (reproducible, unlike ids::uuid_v7).
        const auto a = flow.rng.next();
        const auto b = flow.rng.next();
        char buf[40];
        std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx",
                      static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                      static_cast<unsigned>(a & 0xfff),
                      static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                      static_cast<unsigned long long>(b & 0xffffffffffffULL));
        value = buf;
        break;
      }
      case Piece::Kind::index:
        value = std::to_string(flow.index);
        break;
      case Piece::Kind::city_pair: {
        const auto& pairs = city_pairs();
        const double x = flow.rng.unit() * pairs.cumulative.back();
        auto it = std::upper_bound(pairs.cumulative.begin(), pairs.cumulative.end(), x);
        if (it == pairs.cumulative.end()) --it;
        value = pairs.text[static_cast<std::size_t>(it - pairs.cumulative.begin())];
        break;
      }
    }
    if (p->part != 0) {
      const auto dash = value.find('-');
      if (dash == std::string::npos) {
        if (p->part == 2) value.clear();
      } else {
        value = p->part == 1 ? value.substr(0, dash) : value.substr(dash + 1);
      }
    }
    if (p->url) {
      append_url_encoded(out, value);
    } else if (p->json) {
      append_json_escaped(out, value);
    } else {
      out += value;
    }
  }
  return out;
}

// ---- target URLs -----------------------------------------------------------------------

Result<TargetUrl> parse_target_url(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u) {
    return fail(Error::invalid("target", "url", "not an absolute URL: '" + std::string(url) + "'"));
  }
  if (u->scheme() != "http") {
    return fail(Error::invalid("target", "scheme",
                               "only http:// targets are supported: '" + std::string(url) + "'"));
  }
  TargetUrl t;
  t.url = std::string(url);
  t.host = u->host_address();
  if (t.host.empty()) return fail(Error::invalid("target", "host", "URL has no host"));
  t.port = u->has_port() ? std::string(u->port()) : "80";
  t.host_header = std::string(u->encoded_host_and_port());
  t.base_path = std::string(u->encoded_path());
  while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
  return t;
}

// ---- the http kind ---------------------------------------------------------------------

namespace {

// A JSON pointer into a response body, or "header:<name>", or "status".
struct Extractor {
  std::string name;
  std::string source;
};

std::optional<std::string> extract(const std::string& source, const InResponse& r,
                                   const json::value* body) {
  if (source == "status") return std::to_string(r.status);
  if (source.starts_with("header:")) {
    const auto name = std::string_view(source).substr(7);
    for (const auto& [k, v] : *r.headers) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          })) {
        return v;
      }
    }
    return std::nullopt;
  }
  if (!body) return std::nullopt;
  boost::system::error_code ec;
  const json::value* v = body->find_pointer(source, ec);
  if (!v || ec) return std::nullopt;
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_null()) return std::nullopt;
  return json::serialize(*v);
}

class TemplateStep final : public Step {
 public:
  Result<OutRequest> build(FlowState& flow) const override {
    OutRequest r;
    r.method = method_;
    r.path = path_.render(flow);
    r.headers.reserve(headers_.size());
    for (const auto& [k, v] : headers_) r.headers.emplace_back(k, v.render(flow));
    if (body_) r.body = body_->render(flow);
    for (const auto& var : required_) {
      if (!flow.find(var)) {
        return fail(Error::invalid(
            var, "template_variable",
            "step " + name + " needs '" + var + "', which no earlier step extracted"));
      }
    }
    return r;
  }

  Verdict check(const InResponse& r, FlowState& flow) const override {
    const bool status_ok = expect_status_.empty()
                               ? (r.status >= 200 && r.status < 400)
                               : std::find(expect_status_.begin(), expect_status_.end(),
                                           r.status) != expect_status_.end();
    std::optional<json::value> body;
    const auto parsed_body = [&]() -> const json::value* {
      if (!body) {
        boost::system::error_code ec;
        body = json::parse(*r.body, ec);
        if (ec) body = json::value();
      }
      return body->is_null() ? nullptr : &*body;
    };
    if (!status_ok) {
      if (poll && !until_.empty()) return {Verdict::Kind::retry, {}};
      return {Verdict::Kind::fail, "status " + std::to_string(r.status)};
    }
    for (const auto& [pointer, want] : expect_json_) {
      const auto got = extract(pointer, r, parsed_body());
      if (!got || *got != want) {
        return {Verdict::Kind::fail, pointer + " is " + (got ? "'" + *got + "'" : "absent") +
                                         ", expected '" + want + "'"};
      }
    }
    if (!expect_contains_.empty() && r.body->find(expect_contains_) == std::string::npos) {
      return {Verdict::Kind::fail, "body lacks '" + expect_contains_ + "'"};
    }
    for (const auto& [pointer, want] : until_) {
      const auto got = extract(pointer, r, parsed_body());
      if (!got || *got != want) return {Verdict::Kind::retry, {}};
    }
    for (const auto& e : extract_) {
      auto v = extract(e.source, r, parsed_body());
      if (!v) return {Verdict::Kind::fail, "nothing to extract at " + e.source};
      flow.vars[e.name] = std::move(*v);
    }
    return {};
  }

  std::string method_ = "GET";
  Template path_;
  std::vector<std::pair<std::string, Template>> headers_;
  std::optional<Template> body_;
  std::vector<int> expect_status_;
  std::vector<std::pair<std::string, std::string>> expect_json_;
  std::string expect_contains_;
  std::vector<std::pair<std::string, std::string>> until_;
  std::vector<Extractor> extract_;
  std::vector<std::string> required_;
};

std::string json_scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return json::serialize(v);
}

Result<Nanos> duration_field(const json::object& o, std::string_view key, std::string path) {
  const auto* v = o.if_contains(key);
  if (!v) return Nanos{0};
  if (v->is_number()) {
    return static_cast<Nanos>(v->to_number<double>() * 1e9);
  }
  if (!v->is_string()) {
    return fail(
        scenario_error(path + "." + std::string(key), "duration", "a duration like \"250ms\""));
  }
  auto d = parse_duration(v->get_string());
  if (!d) {
    return fail(scenario_error(path + "." + std::string(key), "duration", d.error().message));
  }
  return d;
}

}  // namespace

// ---- parts every kind reads ------------------------------------------------------------

Result<void> read_targets(const boost::json::object& doc, Scenario& s) {
  if (const auto* t = doc.if_contains("targets")) {
    if (!t->is_object() || t->get_object().empty()) {
      return fail(scenario_error("targets", "object", "targets: {\"name\": \"http://host:port\"}"));
    }
    for (const auto& [k, v] : t->get_object()) {
      Target target{std::string(k), {}};
      if (v.is_string() && !v.get_string().empty()) {
        auto u = parse_target_url(v.get_string());
        if (!u) return fail(scenario_error("targets." + target.name, "url", u.error().message));
        target.urls.push_back(std::move(*u));
      } else if (!v.is_null() && !(v.is_string())) {
        return fail(scenario_error("targets." + target.name, "url", "a URL string"));
      }
      s.targets.push_back(std::move(target));
    }
  } else {
    s.targets.push_back(Target{"default", {}});
  }
  return {};
}

Result<void> read_defaults(const boost::json::object& doc, Scenario& s) {
  if (const auto* d = doc.if_contains("defaults")) {
    if (!d->is_object()) return fail(scenario_error("defaults", "object", "an object"));
    const auto& o = d->get_object();
    if (const auto* v = o.if_contains("rate"); v && v->is_number()) {
      s.defaults.rate = v->to_number<double>();
    }
    if (o.contains("duration")) {
      auto x = duration_field(o, "duration", "defaults");
      if (!x) return fail(x.error());
      s.defaults.duration = *x;
    }
    if (o.contains("warmup")) {
      auto x = duration_field(o, "warmup", "defaults");
      if (!x) return fail(x.error());
      s.defaults.warmup = *x;
    }
    if (o.contains("timeout")) {
      auto x = duration_field(o, "timeout", "defaults");
      if (!x) return fail(x.error());
      s.defaults.timeout = *x;
    }
    if (const auto* v = o.if_contains("connections"); v && v->is_int64()) {
      s.defaults.connections = static_cast<int>(v->get_int64());
    }
    if (const auto* v = o.if_contains("arrivals"); v && v->is_string()) {
      auto a = parse_arrival_process(v->get_string());
      if (!a) return fail(a.error());
      s.defaults.arrivals = *a;
    }
    if (const auto* v = o.if_contains("stages")) {
      if (!v->is_array()) return fail(scenario_error("defaults.stages", "array", "stage texts"));
      for (const auto& sv : v->get_array()) {
        if (!sv.is_string())
          return fail(scenario_error("defaults.stages", "string", "\"30s@100\""));
        auto stage = parse_stage(sv.get_string());
        if (!stage) return fail(stage.error());
        s.defaults.stages.push_back(*stage);
      }
    }
  }
  if (const auto* v = doc.if_contains("slo")) {
    if (!v->is_array()) return fail(scenario_error("slo", "array", "threshold texts"));
    for (const auto& x : v->get_array()) {
      if (!x.is_string()) return fail(scenario_error("slo", "string", "\"p99<250ms\""));
      s.slos.emplace_back(x.get_string());
    }
  }
  return {};
}

Result<void> read_spans(const boost::json::object& o, const std::string& path, Operation& op) {
  if (const auto* spans = o.if_contains("spans")) {
    if (!spans->is_array()) return fail(scenario_error(path + ".spans", "array", "an array"));
    for (const auto& sv : spans->get_array()) {
      if (!sv.is_object()) return fail(scenario_error(path + ".spans", "object", "objects"));
      tongban::json::Reader sr(sv.get_object(), path + ".spans");
      auto sname = sr.string("name", 1, 64);
      auto from = sr.string("from", 1, 64);
      auto to = sr.string("to", 1, 64);
      if (!sname) return fail(sname.error());
      if (!from) return fail(from.error());
      if (!to) return fail(to.error());
      Span span{*sname, op.steps.size(), op.steps.size()};
      for (std::size_t i = 0; i < op.steps.size(); ++i) {
        if (op.steps[i]->name == *from) span.from = i;
        if (op.steps[i]->name == *to) span.to = i;
      }
      if (span.from == op.steps.size() || span.to == op.steps.size() || span.to < span.from) {
        return fail(scenario_error(path + ".spans", "steps",
                                   "span " + *sname + ": from/to must name steps in order"));
      }
      op.spans.push_back(std::move(span));
    }
  }
  return {};
}

namespace {

struct BuildState {
  const Scenario* scenario = nullptr;
  std::map<std::string, std::vector<std::string>> data;
};

Result<std::unique_ptr<Step>> build_step(const json::object& o, const std::string& path,
                                         const BuildState& st) {
  auto step = std::make_unique<TemplateStep>();
  step->reads_headers = false;
  tongban::json::Reader r(o, path);
  auto name = r.string("name", 1, 64);
  if (!name) return fail(name.error());
  step->name = *name;
  if (auto m = r.optional_string("method", 16); !m) {
    return fail(m.error());
  } else if (*m) {
    step->method_ = **m;
    for (auto& c : step->method_)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (auto t = r.optional_string("target", 64); !t) {
    return fail(t.error());
  } else if (*t) {
    auto idx = st.scenario->find_target(**t);
    if (!idx) {
      return fail(scenario_error(path + ".target", "unknown_target",
                                 "no target named '" + **t + "' in targets"));
    }
    step->target = *idx;
  }
  auto p = r.optional_string("path", 8192);
  if (!p) return fail(p.error());
  auto path_t = Template::compile(p->value_or(""), st.data);
  if (!path_t) return fail(path_t.error());
  step->path_ = std::move(*path_t);
  for (const auto& v : step->path_.variables()) step->required_.push_back(v);

  if (const auto* h = o.if_contains("headers")) {
    if (!h->is_object()) return fail(scenario_error(path + ".headers", "object", "an object"));
    for (const auto& [k, v] : h->get_object()) {
      auto t = Template::compile(json_scalar_text(v), st.data);
      if (!t) return fail(t.error());
      for (const auto& var : t->variables()) step->required_.push_back(var);
      step->headers_.emplace_back(std::string(k), std::move(*t));
    }
  }
  if (const auto* b = o.if_contains("body")) {
    // An object body is a JSON template: its strings may hold {{ }} (use | json inside).
    const std::string text = b->is_string() ? std::string(b->get_string()) : json::serialize(*b);
    auto t = Template::compile(text, st.data);
    if (!t) return fail(t.error());
    for (const auto& var : t->variables()) step->required_.push_back(var);
    step->body_ = std::move(*t);
    if (!b->is_string())
      step->headers_.emplace_back("Content-Type", *Template::compile("application/json", {}));
  }
  if (const auto* e = o.if_contains("expect")) {
    if (!e->is_object()) return fail(scenario_error(path + ".expect", "object", "an object"));
    const auto& eo = e->get_object();
    if (const auto* s = eo.if_contains("status")) {
      const auto add = [&](const json::value& v) -> Result<void> {
        if (!v.is_int64()) {
          return fail(scenario_error(path + ".expect.status", "integer", "status codes"));
        }
        step->expect_status_.push_back(static_cast<int>(v.get_int64()));
        return {};
      };
      if (s->is_array()) {
        for (const auto& v : s->get_array()) {
          if (auto ok = add(v); !ok) return fail(ok.error());
        }
      } else if (auto ok = add(*s); !ok) {
        return fail(ok.error());
      }
    }
    if (const auto* j = eo.if_contains("json")) {
      if (!j->is_object()) return fail(scenario_error(path + ".expect.json", "object", "pointers"));
      for (const auto& [k, v] : j->get_object()) {
        step->expect_json_.emplace_back(std::string(k), json_scalar_text(v));
      }
    }
    if (const auto* c = eo.if_contains("body_contains"); c && c->is_string()) {
      step->expect_contains_ = std::string(c->get_string());
    }
  }
  if (const auto* x = o.if_contains("extract")) {
    if (!x->is_object()) return fail(scenario_error(path + ".extract", "object", "name: source"));
    for (const auto& [k, v] : x->get_object()) {
      if (!v.is_string()) return fail(scenario_error(path + ".extract", "string", "a source"));
      step->extract_.push_back(Extractor{std::string(k), std::string(v.get_string())});
      if (v.get_string().starts_with("header:")) step->reads_headers = true;
    }
  }
  auto think = duration_field(o, "think", path);
  if (!think) return fail(think.error());
  step->think = *think;
  if (const auto* rec = o.if_contains("record")) {
    if (!rec->is_bool()) return fail(scenario_error(path + ".record", "boolean", "true or false"));
    step->record = rec->get_bool();
  }
  if (const auto* pl = o.if_contains("poll")) {
    if (!pl->is_object()) return fail(scenario_error(path + ".poll", "object", "an object"));
    const auto& po = pl->get_object();
    Poll poll;
    auto interval = duration_field(po, "interval", path + ".poll");
    auto timeout = duration_field(po, "timeout", path + ".poll");
    if (!interval) return fail(interval.error());
    if (!timeout) return fail(timeout.error());
    poll.interval = *interval > 0 ? *interval : 100'000'000;
    poll.timeout = *timeout > 0 ? *timeout : 30 * kNanosPerSecond;
    if (const auto* b = po.if_contains("backoff")) {
      if (!b->is_number() || b->to_number<double>() < 0 || b->to_number<double>() > 1) {
        return fail(scenario_error(path + ".poll.backoff", "range",
                                   "a fraction of the time already waited, 0 to 1"));
      }
      poll.backoff = b->to_number<double>();
    }
    const auto* until = po.if_contains("until");
    if (!until || !until->is_object() || until->get_object().empty()) {
      return fail(scenario_error(path + ".poll.until", "required",
                                 "a poll needs until: {\"/pointer\": value}"));
    }
    for (const auto& [k, v] : until->get_object()) {
      step->until_.emplace_back(std::string(k), json_scalar_text(v));
    }
    step->poll = poll;
  }
  // Variables a step extracts itself are not required from earlier steps.
  return std::unique_ptr<Step>(std::move(step));
}

Result<Operation> build_operation(const json::object& o, const std::string& path,
                                  const BuildState& st, bool weighted) {
  Operation op;
  tongban::json::Reader r(o, path);
  auto name = r.string("name", 1, 64);
  if (!name) return fail(name.error());
  op.name = *name;
  if (weighted) {
    if (const auto* w = o.if_contains("weight")) {
      if (!w->is_number() || w->to_number<double>() <= 0) {
        return fail(scenario_error(path + ".weight", "positive", "a positive number"));
      }
      op.weight = w->to_number<double>();
    }
  }
  if (const auto* let = o.if_contains("let")) {
    if (!let->is_object()) return fail(scenario_error(path + ".let", "object", "name: template"));
    for (const auto& [k, v] : let->get_object()) {
      auto t = Template::compile(json_scalar_text(v), st.data);
      if (!t) return fail(t.error());
      op.let.emplace_back(std::string(k), std::move(*t));
    }
  }
  auto steps = r.array("steps", 1, 64);
  if (!steps) return fail(steps.error());
  for (std::size_t i = 0; i < (*steps)->size(); ++i) {
    const auto& s = (**steps)[i];
    const auto sp = path + ".steps[" + std::to_string(i) + "]";
    if (!s.is_object()) return fail(scenario_error(sp, "object", "a step is an object"));
    auto step = build_step(s.get_object(), sp, st);
    if (!step) return fail(step.error());
    op.steps.push_back(std::move(*step));
  }
  // A later step may use what an earlier one extracted; the check is at run time, so only
  // names no step of this operation (nor setup or vars) provides are flagged here.
  if (auto ok = read_spans(o, path, op); !ok) return fail(ok.error());
  return op;
}

// Variables used before any step could have extracted them are typos: flag at load.
Result<void> check_variables(const Scenario& s) {
  const auto provided = [&](const Operation& op, std::size_t before, const std::string& name) {
    if (s.vars.contains(name)) return true;
    if (s.setup) {
      for (const auto& st : s.setup->steps) {
        const auto* ts = dynamic_cast<const TemplateStep*>(st.get());
        if (!ts) return true;
        for (const auto& e : ts->extract_) {
          if (e.name == name) return true;
        }
      }
    }
    for (const auto& [let_name, t] : op.let) {
      if (let_name == name) return true;
    }
    for (std::size_t i = 0; i < before && i < op.steps.size(); ++i) {
      const auto* ts = dynamic_cast<const TemplateStep*>(op.steps[i].get());
      if (!ts) return true;
      for (const auto& e : ts->extract_) {
        if (e.name == name) return true;
      }
    }
    return false;
  };
  const auto check_op = [&](const Operation& op) -> Result<void> {
    for (std::size_t i = 0; i < op.let.size(); ++i) {
      for (const auto& name : op.let[i].second.variables()) {
        bool earlier = false;
        for (std::size_t j = 0; j < i; ++j) earlier = earlier || op.let[j].first == name;
        if (!earlier && !provided(op, 0, name)) {
          return fail(scenario_error(op.name + ".let." + op.let[i].first, "unknown_variable",
                                     "'" + name + "' is neither a var nor an earlier let"));
        }
      }
    }
    for (std::size_t i = 0; i < op.steps.size(); ++i) {
      const auto* ts = dynamic_cast<const TemplateStep*>(op.steps[i].get());
      if (!ts) continue;
      for (const auto& name : ts->required_) {
        if (!provided(op, i, name)) {
          return fail(scenario_error(op.name + "." + ts->name, "unknown_variable",
                                     "'" + name + "' is neither a var nor extracted before"));
        }
      }
    }
    return {};
  };
  for (const auto& op : s.operations) {
    if (auto r = check_op(op); !r) return r;
  }
  if (s.setup) {
    if (auto r = check_op(*s.setup); !r) return r;
  }
  return {};
}

}  // namespace

Result<Scenario> build_http_scenario(const boost::json::object& doc) {
  Scenario s;
  tongban::json::Reader r(doc, "scenario");
  auto name = r.string("name", 1, 64);
  if (!name) return fail(name.error());
  s.name = *name;
  s.kind = "http";
  if (auto d = r.optional_string("description", 4096); d && *d) s.description = **d;

  if (auto ok = read_targets(doc, s); !ok) return fail(ok.error());

  BuildState st;
  st.scenario = &s;
  if (const auto* d = doc.if_contains("data")) {
    if (!d->is_object()) return fail(scenario_error("data", "object", "named lists"));
    for (const auto& [k, v] : d->get_object()) {
      if (!v.is_array() || v.get_array().empty()) {
        return fail(scenario_error("data." + std::string(k), "array", "a non-empty list"));
      }
      auto& list = st.data[std::string(k)];
      for (const auto& item : v.get_array()) list.push_back(json_scalar_text(item));
    }
  }
  if (const auto* v = doc.if_contains("vars")) {
    if (!v->is_object()) return fail(scenario_error("vars", "object", "name: value"));
    for (const auto& [k, val] : v->get_object()) {
      auto t = Template::compile(json_scalar_text(val), st.data);
      if (!t) return fail(t.error());
      FlowState none;
      s.vars[std::string(k)] = t->render(none);  // env lookups resolve here
    }
  }
  if (const auto* setup = doc.if_contains("setup")) {
    if (!setup->is_array()) return fail(scenario_error("setup", "array", "a list of steps"));
    json::object so{{"name", "setup"}, {"steps", setup->get_array()}};
    auto op = build_operation(so, "scenario.setup", st, false);
    if (!op) return fail(op.error());
    s.setup = std::make_unique<Operation>(std::move(*op));
  }
  auto ops = r.array("operations", 1, 256);
  if (!ops) return fail(ops.error());
  for (std::size_t i = 0; i < (*ops)->size(); ++i) {
    const auto& o = (**ops)[i];
    const auto path = "scenario.operations[" + std::to_string(i) + "]";
    if (!o.is_object()) return fail(scenario_error(path, "object", "an operation is an object"));
    auto op = build_operation(o.get_object(), path, st, true);
    if (!op) return fail(op.error());
    for (const auto& other : s.operations) {
      if (other.name == op->name) {
        return fail(scenario_error(path + ".name", "unique", "duplicate operation " + op->name));
      }
    }
    s.operations.push_back(std::move(*op));
  }
  if (auto ok = check_variables(s); !ok) return fail(ok.error());

  if (auto ok = read_defaults(doc, s); !ok) return fail(ok.error());
  return s;
}

// ---- Scenario --------------------------------------------------------------------------

std::optional<std::size_t> Scenario::find_target(std::string_view target_name) const {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].name == target_name) return i;
  }
  return std::nullopt;
}

Result<void> Scenario::override_targets(std::string_view spec) {
  std::string_view target_name;
  std::string_view urls = spec;
  if (const auto eq = spec.find('='); eq != std::string_view::npos && !spec.starts_with("http")) {
    target_name = spec.substr(0, eq);
    urls = spec.substr(eq + 1);
  }
  std::vector<TargetUrl> parsed;
  while (!urls.empty()) {
    const auto comma = urls.find(',');
    auto u = parse_target_url(urls.substr(0, comma));
    if (!u) return fail(u.error());
    parsed.push_back(std::move(*u));
    if (comma == std::string_view::npos) break;
    urls.remove_prefix(comma + 1);
  }
  if (parsed.empty()) return fail(Error::invalid("target", "url", "no URL in --target"));
  if (target_name.empty()) {
    for (auto& t : targets) t.urls = parsed;
    return {};
  }
  auto idx = find_target(target_name);
  if (!idx) {
    std::string names;
    for (const auto& t : targets) names += (names.empty() ? "" : ", ") + t.name;
    return fail(Error::invalid("target", "unknown_target",
                               "scenario " + name + " has no target '" + std::string(target_name) +
                                   "' (it has: " + names + ")"));
  }
  targets[*idx].urls = std::move(parsed);
  return {};
}

double Scenario::total_weight() const {
  double sum = 0;
  for (const auto& op : operations) sum += op.weight;
  return sum;
}

const Operation& Scenario::pick(Rng& rng) const {
  if (operations.size() == 1) return operations.front();
  double x = rng.unit() * total_weight();
  for (const auto& op : operations) {
    if (x < op.weight) return op;
    x -= op.weight;
  }
  return operations.back();
}

// ---- registry --------------------------------------------------------------------------

Registry& Registry::instance() {
  static Registry registry = [] {
    Registry r;
    r.add_kind(ScenarioKind{
        "http",
        "declarative HTTP operations: templated steps, checks, extraction, think times, polls",
        build_http_scenario});
    r.add_builtin(BuiltinScenario{
        "http", "one GET of the --target URL per arrival (like wrk2): the generic HTTP benchmark",
        http_scenario_json()});
    r.add_builtin(BuiltinScenario{
        "smoke",
        "identity login, catalog search and datahub directory reads on the local stack "
        "(8081, 8082, 8083)",
        smoke_scenario_json()});
    r.add_kind(ScenarioKind{"delegation",
                            "cross-city cases through their life cycle at two places, on the "
                            "platform's agreements, pairs by migrant flow (delegation.hpp)",
                            build_delegation_scenario});
    r.add_builtin(BuiltinScenario{
        "hot-pair",
        "one city pair (the agreed pair with the largest migrant flow) carries every case: "
        "full life cycles without think time, hand-off span",
        hot_pair_scenario_json()});
    r.add_builtin(BuiltinScenario{
        "burst", "life cycles on every agreed pair, with spikes of 10x on top of a base rate",
        burst_scenario_json()});
    r.add_builtin(BuiltinScenario{
        "seed-155-cities",
        "all 155 cities: every agreed pair by migrant flow, the whole mix (life cycles, "
        "supplements, rejections, withdrawals, refusals, reads) with staff think times",
        seed_155_cities_scenario_json()});
    r.add_builtin(BuiltinScenario{
        "submit",
        "authenticated submissions only, at the receiving place of one agreed pair: the "
        "submission throughput (case state and outbox in one Redis script each)",
        submit_scenario_json()});
    return r;
  }();
  return registry;
}

void Registry::add_kind(ScenarioKind kind) { kinds_.push_back(std::move(kind)); }
void Registry::add_builtin(BuiltinScenario scenario) { builtins_.push_back(std::move(scenario)); }

const ScenarioKind* Registry::find_kind(std::string_view name) const {
  for (const auto& k : kinds_) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const BuiltinScenario* Registry::find_builtin(std::string_view name) const {
  for (const auto& b : builtins_) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Result<Scenario> Registry::build(std::string_view json_text, const Vars& overrides) const {
  auto doc = tongban::json::parse_object(json_text);
  if (!doc) return fail(doc.error());
  if (!overrides.empty()) {
    auto& vars = (*doc)["vars"];
    if (!vars.is_object()) vars = json::object{};
    for (const auto& [k, v] : overrides) vars.get_object()[k] = v;
  }
  std::string kind = "http";
  if (const auto* k = doc->if_contains("kind")) {
    if (!k->is_string()) return fail(scenario_error("kind", "string", "a kind name"));
    kind = std::string(k->get_string());
  }
  const auto* builder = find_kind(kind);
  if (!builder) {
    return fail(scenario_error("kind", "unknown_kind", "no scenario kind '" + kind + "'"));
  }
  auto s = builder->build(*doc);
  if (s) s->kind = kind;
  return s;
}

Result<Scenario> Registry::load(std::string_view name_or_path, const Vars& overrides) const {
  if (const auto* b = find_builtin(name_or_path)) return build(b->document, overrides);
  std::ifstream in{std::string(name_or_path)};
  if (!in) {
    return fail(Error::invalid(
        "scenario", "exists",
        "'" + std::string(name_or_path) + "' is neither a built-in scenario nor a readable file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return build(ss.str(), overrides);
}

}  // namespace tongban::loadgen

#include "portal.hpp"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <sstream>

#include "domain/state_json.hpp"
#include "tongban/cities/cities.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"
#include "tongban/store/transaction.hpp"

namespace tongban::portal {

std::string_view dashboard_html();
std::string_view dashboard_js();
std::string_view echarts_js();

namespace {

constexpr RecordKind kKinds[] = {
    RecordKind::agreement,      RecordKind::case_record, RecordKind::item,
    RecordKind::implementation, RecordKind::call,        RecordKind::call_seqs,
    RecordKind::licence,        RecordKind::sealed_case, RecordKind::sealed_count};

Error unusable(const bus::Envelope& e, const Error& why) {
  Error err = why;
  err.message = e.type + " " + e.id + ": " + why.message;
  err.retryable = false;
  return err;
}

bool is_city_code(std::string_view s) {
  return s.size() == 6 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

double share_of(const boost::json::value& v) {
  const auto* s = v.is_object() ? v.get_object().if_contains("share") : nullptr;
  return s && s->is_number() ? s->to_number<double>() : 0.0;
}

// Business metrics on /metrics, computed from the fold at scrape time (window: all).
class IndicatorCollector final : public prometheus::Collectable {
 public:
  explicit IndicatorCollector(Portal& portal) : portal_(portal) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    const auto ind = portal_.indicators(Window::all);
    std::vector<prometheus::MetricFamily> out;
    auto family = [&out](std::string name, std::string help) -> prometheus::MetricFamily& {
      prometheus::MetricFamily f;
      f.name = std::move(name);
      f.help = std::move(help);
      f.type = prometheus::MetricType::Gauge;
      out.push_back(std::move(f));
      return out.back();
    };
    auto sample = [](prometheus::MetricFamily& f, double v,
                     std::vector<prometheus::ClientMetric::Label> labels = {}) {
      prometheus::ClientMetric m;
      m.label = std::move(labels);
      m.gauge.value = v;
      f.metric.push_back(std::move(m));
    };
    const auto& net = ind.at("collaboration").at("network");
    sample(family("tongban_portal_network_density", "Connected city pairs of all 11,935"),
           share_of(net.at("density")));
    sample(family("tongban_portal_paper_share", "Settled agreements without any case"),
           share_of(net.at("paper_share")));
    sample(family("tongban_portal_cases", "Cross-city cases submitted"),
           net.at("cases").to_number<double>());
    const auto& cap = ind.at("capability");
    sample(family("tongban_portal_elicence_reuse_rate", "Materials held as e-licences of all"),
           share_of(cap.at("reuse").at("reuse_rate")));
    auto& on_time = family("tongban_portal_on_time_rate", "Stage runs ended before their due");
    if (const auto* stages = cap.as_object().if_contains("stages"); stages && stages->is_object()) {
      for (const auto& [stage, s] : stages->get_object()) {
        sample(on_time, share_of(s.at("on_time_rate")), {{"stage", std::string(stage)}});
      }
    }
    sample(family("tongban_portal_good_rating_share", "Good ratings of all ratings"),
           share_of(cap.at("satisfaction").at("good_share")));
    const auto [open, sealed] = portal_.case_counts();
    sample(family("tongban_portal_open_cases", "Cases the portal holds whole (not finished)"),
           static_cast<double>(open));
    sample(family("tongban_portal_sealed_cases", "Finished cases kept as per-day counts"),
           static_cast<double>(sealed));
    return out;
  }

 private:
  Portal& portal_;
};

}  // namespace

std::vector<std::string> folded_topics() {
  return {"tongban.catalog.items.v1", "tongban.datahub.calls.v1", "tongban.datahub.licences.v1",
          "tongban.delegation.cases.v1", "tongban.delegation.agreements.v1"};
}

Portal::Portal(service::Service& svc, PortalOptions options, const Clock& clock)
    : svc_(svc), options_(std::move(options)), clock_(clock) {}

std::string Portal::key(RecordKind kind) const {
  return "tb:portal:" + options_.ns + ":" + std::string(to_string(kind));
}

Result<std::size_t> Portal::load() {
  std::unique_lock lock(mu_);
  std::size_t n = 0;
  for (auto kind : kKinds) {
    // In pages: one HGETALL of 200,000 cases blocked Redis for 2.5 s, long enough for every
    // other service's commands to time out. A record seen twice (HSCAN may repeat one) is
    // loaded twice, which changes nothing.
    std::string cursor = "0";
    do {
      auto r = svc_.redis().command({"HSCAN", key(kind), cursor, "COUNT", "1000"});
      if (!r) return fail(std::move(r.error()));
      if (r->array().size() != 2)
        return fail(Error::internal("HSCAN answered " + r->debug_string()));
      cursor = r->array()[0].str();
      const auto& a = r->array()[1].array();
      for (std::size_t i = 0; i + 1 < a.size(); i += 2) {
        boost::system::error_code ec;
        auto v = boost::json::parse(a[i + 1].str(), ec);
        if (ec) return fail(Error::internal("portal record " + a[i].str() + " is corrupt"));
        if (auto ok = load_record(state_, RecordKey{kind, a[i].str()}, v); !ok) {
          return fail(std::move(ok.error()));
        }
        ++n;
      }
    } while (cursor != "0");
  }
  // Finished cases a portal from before sealing stored whole are sealed now and written, a
  // thousand at a time: each part one transaction, small enough not to hold Redis up.
  lock.unlock();
  std::size_t sealed = 0;
  for (;;) {
    {
      std::unique_lock again(mu_);
      const auto part = seal_finished(state_, options_.calendar, 1000);
      if (part.empty()) break;
      touched_.insert(part.begin(), part.end());
      sealed += static_cast<std::size_t>(std::count_if(part.begin(), part.end(), [](const auto& k) {
        return k.kind == RecordKind::case_record;
      }));
    }
    if (auto ok = flush(); !ok) return fail(std::move(ok.error()));
  }
  if (sealed > 0) log::info("finished cases sealed", {{"cases", sealed}});
  return n;
}

std::pair<std::size_t, std::size_t> Portal::case_counts() {
  std::shared_lock lock(mu_);
  return {state_.cases.size(), state_.sealed_cases.size()};
}

Result<void> Portal::clear() {
  store::Command del{"DEL"};
  for (auto kind : kKinds) del.push_back(key(kind));
  auto r = svc_.redis().command(del);
  if (!r) return fail(std::move(r.error()));
  std::unique_lock lock(mu_);
  state_ = State{};
  return {};
}

Result<void> Portal::on_event(const bus::Envelope& e) {
  if (!e.data.is_object()) return {};
  // A flush given up left memory ahead of Redis, and a failed read-back left it partial: until
  // Redis is read back whole, no event is folded (the consumer retries it). The batch that was
  // pending comes again from the broker.
  if (stale_.load()) {
    touched_.clear();
    {
      std::unique_lock lock(mu_);
      state_ = State{};
    }
    auto loaded = load();
    if (!loaded)
      return fail(Error::unavailable("portal state not read back yet: " + loaded.error().message));
    stale_ = false;
  }
  const EventRef ev{e.type, e.time, e.data.get_object()};
  std::unique_lock lock(mu_);
  auto applied = apply(state_, ev, FoldOptions{&options_.calendar});
  if (!applied) return fail(unusable(e, applied.error()));
  if (applied->changed) touched_.insert(applied->touched.begin(), applied->touched.end());
  return {};
}

// Written before the offsets are stored: a crash in between folds the events again, which
// changes nothing (apply is idempotent). The cached indicators stay until their TTL: clearing
// them on every event meant that under load every scrape computed afresh.
Result<void> Portal::flush() {
  if (touched_.empty()) return {};
  // One transaction: sealing a case deletes its record and adds it to counts, and a part of
  // that written alone would lose it or count it twice.
  store::Transaction writes;  // HSET/HDEL of each touched record
  {
    std::shared_lock lock(mu_);
    for (const auto& k : touched_) {
      auto doc = record_json(state_, k);
      writes.add(doc ? store::Command{"HSET", key(k.kind), k.key, boost::json::serialize(*doc)}
                     : store::Command{"HDEL", key(k.kind), k.key});
    }
  }
  auto r = writes.exec(svc_.redis());
  if (!r) {
    // Memory is ahead of Redis: a retry of this flush writes the records; if the consumer
    // gives the batch up instead, the next event reads Redis back first.
    stale_ = true;
    return fail(std::move(r.error()));
  }
  touched_.clear();
  stale_ = false;
  return {};
}

boost::json::object Portal::indicators(Window w) {
  {
    std::lock_guard c(cache_mu_);
    auto it = cache_.find(w);
    if (it != cache_.end() &&
        std::chrono::steady_clock::now() - it->second.first < options_.cache_ttl) {
      return it->second.second;
    }
  }
  boost::json::object doc;
  {
    std::shared_lock lock(mu_);
    doc = to_json(compute(state_, w, clock_.now(), cities::directory(), options_.calendar));
  }
  std::lock_guard c(cache_mu_);
  cache_[w] = {std::chrono::steady_clock::now(), doc};
  return doc;
}

void filter_to_cities(boost::json::value& v, const std::function<bool(std::string_view)>& visible) {
  if (v.is_array()) {
    auto& a = v.get_array();
    for (auto it = a.begin(); it != a.end();) {
      bool keep = true;
      if (it->is_object()) {
        const auto& o = it->get_object();
        const auto* city = o.if_contains("city");
        const auto* ca = o.if_contains("city_a");
        const auto* cb = o.if_contains("city_b");
        if (city && city->is_string()) keep = visible(city->get_string());
        if (ca && cb && ca->is_string() && cb->is_string()) {
          keep = visible(ca->get_string()) || visible(cb->get_string());
        }
      }
      if (keep) {
        filter_to_cities(*it, visible);
        ++it;
      } else {
        it = a.erase(it);
      }
    }
  } else if (v.is_object()) {
    auto& o = v.get_object();
    for (auto it = o.begin(); it != o.end();) {
      if (is_city_code(it->key()) && !visible(it->key())) {
        it = o.erase(it);
      } else {
        filter_to_cities(it->value(), visible);
        ++it;
      }
    }
  }
}

Result<boost::json::object> Portal::scoped_indicators(const http::Request& req, Window w) {
  auto who = svc_.authenticate(req);
  if (!who) return fail(std::move(who.error()));
  auto doc = indicators(w);
  if (who->has_any_role({"platform_admin", "auditor"})) return doc;
  if (!who->has_role("supervisor") || (*who)->city.size() != 6) {
    return fail(Error{Errc::forbidden,
                      "the portal is for supervisors (their province) and platform admins", "",
                      "role_required", false});
  }
  // Supervisors see their province, as delegation's authority table has it.
  const std::string province = (*who)->city.substr(0, 2);
  boost::json::value v = std::move(doc);
  filter_to_cities(v, [&province](std::string_view city) { return city.substr(0, 2) == province; });
  auto out = std::move(v.as_object());
  out["scope"] = {{"province", province + "0000"}};
  return out;
}

Result<std::string> to_csv(const boost::json::object& ind, std::string_view table) {
  const auto* collab = ind.if_contains("collaboration");
  if (!collab || !collab->is_object()) return fail(Error::internal("no collaboration section"));
  const char* name = table == "cities" ? "cities" : table == "pairs" ? "pairs" : nullptr;
  if (!name) return fail(Error::invalid("table", "enum", "table is cities or pairs"));
  const auto* rows = collab->get_object().if_contains(name);
  if (!rows || !rows->is_array()) return std::string();
  std::vector<std::string> columns;
  std::ostringstream out;
  auto cell = [](const boost::json::value& v) {
    if (v.is_null()) return std::string();
    if (v.is_string()) {
      std::string s(v.get_string());
      if (s.find_first_of(",\"\n") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    }
    if (v.is_array()) {
      std::string joined;
      for (const auto& e : v.get_array()) {
        joined += (joined.empty() ? "" : " ") +
                  (e.is_string() ? std::string(e.get_string()) : boost::json::serialize(e));
      }
      return joined;
    }
    return boost::json::serialize(v);
  };
  for (const auto& row : rows->get_array()) {
    if (!row.is_object()) continue;
    if (columns.empty()) {
      for (const auto& [k, v] : row.get_object()) columns.emplace_back(k);
      for (std::size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
      out << "\n";
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto* v = row.get_object().if_contains(columns[i]);
      out << (i ? "," : "") << (v ? cell(*v) : "");
    }
    out << "\n";
  }
  return out.str();
}

void Portal::add_routes() {
  auto& r = svc_.router();
  auto window_of = [](const http::Request& req) -> Result<Window> {
    const auto text = req.query_param("window").value_or("all");
    auto w = parse_window(text);
    if (!w) return fail(Error::invalid("window", "enum", "window is day, week, month or all"));
    return *w;
  };

  r.get("/v1/indicators", [this, window_of](http::Request& req) {
    auto w = window_of(req);
    if (!w) return http::problem(w.error());
    auto doc = scoped_indicators(req, *w);
    if (!doc) return http::problem(doc.error());
    return http::Response::json(200, *doc);
  });

  r.get("/v1/export/{table}", [this, window_of](http::Request& req) {
    std::string table(req.param("table"));
    if (table.size() > 4 && table.ends_with(".csv")) table.resize(table.size() - 4);
    auto w = window_of(req);
    if (!w) return http::problem(w.error());
    auto doc = scoped_indicators(req, *w);
    if (!doc) return http::problem(doc.error());
    auto csv = to_csv(*doc, table);
    if (!csv) return http::problem(csv.error());
    auto res = http::Response::text(200, std::move(*csv), "text/csv; charset=utf-8");
    res.set_header("Content-Disposition", "attachment; filename=\"" + table + ".csv\"");
    return res;
  });

  // The dashboard signs in with identity's staff login, through the portal (same origin).
  r.post("/v1/login", [this](http::Request& req) {
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    (*body)["subject_type"] = "staff";
    auto res =
        identity_.post_json(options_.identity_url + "/v1/sessions", boost::json::serialize(*body));
    if (!res) {
      return http::problem(
          Error{Errc::unavailable, "identity did not answer", "", "identity_unavailable", true});
    }
    return http::Response::text(
        res->status, res->body,
        res->status < 300 ? "application/json" : "application/problem+json");
  });

  auto page = [](std::string_view text, const char* type) {
    return [text, type](http::Request&) {
      auto res = http::Response::text(200, std::string(text), type);
      res.set_header("Cache-Control", "no-cache");
      // The page loads only its own scripts and talks only to its own origin.
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
      return res;
    };
  };
  r.get("/", page(dashboard_html(), "text/html; charset=utf-8"));
  r.get("/assets/app.js", page(dashboard_js(), "text/javascript; charset=utf-8"));
  r.get("/assets/echarts.min.js", page(echarts_js(), "text/javascript; charset=utf-8"));
}

void Portal::add_consumers() {
  bus::ConsumerOptions o;
  o.group_id = options_.group;
  o.topics = folded_topics();
  // The fold is idempotent (a redelivered event changes nothing and writes nothing), so the
  // dedupe store's two round trips per event and its keys (a fifth of Redis's keys after a
  // load test) bought nothing.
  o.dedupe = false;
  // Nobody waits on the fold event by event: fewer, fuller fetches (docs/performance.md).
  o.gather = bus::kGatherDefault;
  o.flush = [this] { return flush(); };
  svc_.consume(o,
               [this](const bus::Envelope& e, const bus::IncomingMessage&) { return on_event(e); });
}

void Portal::add_metrics() {
  svc_.metrics().add_collectable(std::make_shared<IndicatorCollector>(*this));
  svc_.scrape_metrics_on_workers();  // a window over every case: not on the I/O thread
}

}  // namespace tongban::portal

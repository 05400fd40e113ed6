#include "tongban/loadgen/delegation.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>

#include "tongban/cities/cities.hpp"
#include "tongban/core/json.hpp"

namespace tongban::loadgen {
namespace {

namespace json = boost::json;
using steady = std::chrono::steady_clock;

Error doc_error(const std::string& field, std::string rule, std::string message) {
  return Error::invalid("scenario." + field, std::move(rule), std::move(message));
}

// ---- what a step does ------------------------------------------------------------------

enum class Action {
  submit,
  submit_refused,
  receive,
  request_supplement,
  supplement,
  pre_examine,
  forward,
  handoff,
  accept,
  reject,
  approve,
  deny,
  dispatch_result,
  complete,
  rate,
  withdraw,
  my_cases,
  work_queue,
  timeline,
};
enum class Actor { clerk, examiner, approver, applicant };
// Where the request goes: the node serving the receiving city (A), the accepting city (B),
// or the one writing the case now (A until the hand-off, then B).
enum class Place { receiving, accepting, current };

struct ActionInfo {
  Action action;
  std::string_view name;
  Actor actor;
  Place place;
  bool needs_case;         // acts on the case an earlier submit created
  std::string_view state;  // the state a command leads to; empty for reads
  bool recorded;           // written by --record without --record-step
};

// The life cycle of services/delegation/domain/README.md, with the actor its authority
// table names for each action.
constexpr ActionInfo kActions[] = {
    {Action::submit, "submit", Actor::clerk, Place::receiving, false, "SUBMITTED", true},
    {Action::submit_refused, "submit_refused", Actor::clerk, Place::receiving, false, "", true},
    {Action::receive, "receive", Actor::clerk, Place::receiving, true, "RECEIVED", false},
    {Action::request_supplement, "request_supplement", Actor::examiner, Place::receiving, true,
     "SUPPLEMENT_REQUESTED", false},
    {Action::supplement, "supplement", Actor::applicant, Place::receiving, true, "RECEIVED", false},
    {Action::pre_examine, "pre_examine", Actor::examiner, Place::receiving, true, "PRE_EXAMINED",
     false},
    {Action::forward, "forward", Actor::clerk, Place::receiving, true, "FORWARDED", true},
    {Action::handoff, "await_handoff", Actor::clerk, Place::accepting, true, "", false},
    {Action::accept, "accept", Actor::clerk, Place::accepting, true, "ACCEPTED", false},
    {Action::reject, "reject", Actor::clerk, Place::accepting, true, "REJECTED", true},
    {Action::approve, "approve", Actor::approver, Place::accepting, true, "APPROVED", false},
    {Action::deny, "deny", Actor::approver, Place::accepting, true, "DENIED", true},
    {Action::dispatch_result, "dispatch_result", Actor::clerk, Place::accepting, true,
     "RESULT_DISPATCHED", false},
    {Action::complete, "complete", Actor::applicant, Place::accepting, true, "COMPLETED", true},
    {Action::rate, "rate", Actor::applicant, Place::accepting, true, "", false},
    {Action::withdraw, "withdraw", Actor::applicant, Place::current, true, "WITHDRAWN", true},
    {Action::my_cases, "my_cases", Actor::applicant, Place::accepting, false, "", false},
    {Action::work_queue, "work_queue", Actor::clerk, Place::receiving, false, "", false},
    {Action::timeline, "timeline", Actor::applicant, Place::current, true, "", false},
};

const ActionInfo* find_action(std::string_view name) {
  for (const auto& a : kActions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::string action_names() {
  std::string out;
  for (const auto& a : kActions) out += (out.empty() ? "" : ", ") + std::string(a.name);
  return out;
}

// ---- the world the setup finds and the flows share -------------------------------------

struct Token {
  std::string type;  // staff | citizen
  std::string login;
  std::string password;
  std::string value;
  std::string subject;
  steady::time_point expires{};
  bool refreshing = false;
};

struct PairTerms {
  std::string a, b;  // a < b
  double weight = 0;
  std::vector<std::pair<std::string, std::string>> items;  // code, rights
  std::vector<std::string> delivery;
};

struct NodeRoute {
  std::size_t target = 0;
  bool all = false;
  std::set<std::string, std::less<>> cities;
};

struct Job {
  enum class Kind { login, enrol, agreements, item };
  Kind kind = Kind::login;
  std::string key;     // login, enrol: the token's key
  std::string city;    // enrol: the household city
  std::size_t n = 0;   // enrol: which applicant of the city
  std::string code;    // item
  std::string cursor;  // agreements: the page after this one ('' the first)
};

// Tokens are refreshed this long before they expire (identity's are valid 15 minutes).
constexpr auto kRefreshMargin = std::chrono::seconds(120);

std::string staff_key(std::string_view role, std::string_view city) {
  return std::string(role) + "@" + std::string(city);
}
std::string applicant_key(std::string_view city, std::size_t n) {
  return "applicant@" + std::string(city) + "#" + std::to_string(n);
}

class World {
 public:
  // From the document; read-only once built.
  std::size_t identity = 0;
  std::size_t catalog = 0;
  std::vector<NodeRoute> nodes;
  std::string pairs_spec;
  std::string staff_login;
  std::string staff_password;
  std::string applicant_password;
  std::size_t applicants = 2;
  bool refused = false;  // an operation submits where no agreement exists
  std::string bootstrap_city;
  std::string nonce;  // per process: idempotency keys never meet an earlier run's

  // From the setup, which runs alone before the load; read-only while the load runs.
  std::vector<PairTerms> pairs;
  std::vector<PairTerms> listed;  // setup: agreements in force read so far, page by page
  std::vector<double> cumulative;
  std::set<std::string, std::less<>> agreed;  // "a-b" with a < b
  std::map<std::string, std::vector<std::string>, std::less<>> materials;
  std::vector<std::string> item_codes;
  // Pairs without an agreement whose cities the nodes serve (submit_refused), by flow.
  std::vector<const cities::CityPair*> unagreed;
  std::vector<double> unagreed_cumulative;
  std::deque<Job> jobs;

  std::optional<std::size_t> node_of(std::string_view city) const {
    for (const auto& n : nodes) {
      if (n.all || n.cities.contains(city)) return n.target;
    }
    return std::nullopt;
  }

  std::string staff_login_of(std::string_view role, std::string_view city) const {
    std::string out = staff_login;
    for (const auto& [from, to] :
         {std::pair<std::string_view, std::string_view>{"{role}", role}, {"{city}", city}}) {
      for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size()))
        out.replace(at, from.size(), to);
    }
    return out;
  }

  void add_account(const std::string& key, std::string type, std::string login,
                   std::string password) {
    std::unique_lock lock(mu_);
    auto& t = tokens_[key];
    t.type = std::move(type);
    t.login = std::move(login);
    t.password = std::move(password);
  }
  bool has_account(std::string_view key) const {
    std::shared_lock lock(mu_);
    return tokens_.contains(key);
  }
  std::optional<Token> account(std::string_view key) const {
    std::shared_lock lock(mu_);
    auto it = tokens_.find(key);
    if (it == tokens_.end()) return std::nullopt;
    return it->second;
  }
  std::string token(std::string_view key) const {
    std::shared_lock lock(mu_);
    auto it = tokens_.find(key);
    return it == tokens_.end() ? "" : it->second.value;
  }
  std::string subject(std::string_view key) const {
    std::shared_lock lock(mu_);
    auto it = tokens_.find(key);
    return it == tokens_.end() ? "" : it->second.subject;
  }
  void store(const std::string& key, std::string value, std::string subject,
             std::int64_t expires_in) {
    std::unique_lock lock(mu_);
    auto& t = tokens_[key];
    t.value = std::move(value);
    if (!subject.empty()) t.subject = std::move(subject);
    t.expires = steady::now() + std::chrono::seconds(expires_in);
    t.refreshing = false;
  }
  void release(std::string_view key) {
    std::unique_lock lock(mu_);
    if (auto it = tokens_.find(key); it != tokens_.end()) it->second.refreshing = false;
  }
  // The first of `keys` that expires within the margin and nobody refreshes yet, now
  // claimed by the caller; empty when none.
  std::string claim_expiring(const std::vector<std::string>& keys) {
    const auto soon = steady::now() + kRefreshMargin;
    {
      std::shared_lock lock(mu_);
      bool any = false;
      for (const auto& k : keys) {
        auto it = tokens_.find(k);
        any = any || (it != tokens_.end() && !it->second.refreshing && it->second.expires < soon);
      }
      if (!any) return "";
    }
    std::unique_lock lock(mu_);
    for (const auto& k : keys) {
      auto it = tokens_.find(k);
      if (it != tokens_.end() && !it->second.refreshing && it->second.expires < soon) {
        it->second.refreshing = true;
        return k;
      }
    }
    return "";
  }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, Token, std::less<>> tokens_;
};

std::optional<json::object> body_object(const InResponse& r) {
  boost::system::error_code ec;
  auto v = json::parse(*r.body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  return "";
}

// "status 409 illegal_transition: 'approve' is not allowed ..." (the engine counts a
// message starting with "status " as a status error).
std::string status_message(const InResponse& r) {
  std::string out = "status " + std::to_string(r.status);
  if (auto doc = body_object(r)) {
    const auto rule = member(*doc, "rule");
    const auto detail = member(*doc, "detail");
    if (!rule.empty()) out += " " + rule;
    if (!detail.empty()) out += ": " + detail.substr(0, 160);
  } else if (r.body && !r.body->empty()) {
    out += ": " + r.body->substr(0, 160);
  }
  return out;
}

OutRequest json_request(std::string method, std::string path, std::size_t target,
                        const json::object& body) {
  OutRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = target;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = json::serialize(body);
  return r;
}

OutRequest login_request(const Token& t, std::size_t identity) {
  return json_request("POST", "/v1/sessions", identity,
                      {{"subject_type", t.type}, {"login", t.login}, {"password", t.password}});
}

// Stores a login's answer; the error message when it is not one.
std::optional<std::string> take_login(World& w, const std::string& key, const InResponse& r) {
  const auto doc = body_object(r);
  if (r.status != 200 || !doc || member(*doc, "access_token").empty()) {
    const auto acc = w.account(key);
    return "login " + (acc ? acc->login : key) + " (" + (acc ? acc->type : "?") +
           ") failed: " + status_message(r);
  }
  std::int64_t expires_in = 900;
  if (const auto* e = doc->if_contains("expires_in"); e && e->is_int64()) {
    expires_in = e->get_int64();
  }
  w.store(key, member(*doc, "access_token"), member(*doc, "subject_id"), expires_in);
  return std::nullopt;
}

// ---- drawing a flow's cities, item and applicant ---------------------------------------

std::size_t pick_weighted(const std::vector<double>& cumulative, Rng& rng) {
  const double x = rng.unit() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), x);
  if (it == cumulative.end()) --it;
  return static_cast<std::size_t>(it - cumulative.begin());
}

// Once per flow: receiving city A, accepting city B (either direction of a pair: one
// agreement covers both), item, applicant registered in B, delivery.
void draw(const World& w, FlowState& f, bool refused) {
  if (f.vars.contains("receiving")) return;
  std::string a, b;
  if (!refused) {
    const auto& p = w.pairs[pick_weighted(w.cumulative, f.rng)];
    const bool swap = f.rng.below(2) == 1;
    a = swap ? p.b : p.a;
    b = swap ? p.a : p.b;
    const auto& item = p.items[f.rng.below(p.items.size())];
    f.vars["item"] = item.first;
    f.vars["rights"] = item.second;
    f.vars["delivery"] = p.delivery.empty() ? "" : p.delivery[f.rng.below(p.delivery.size())];
    f.vars["applicant"] = applicant_key(b, f.rng.below(w.applicants));
  } else {
    // Where people ask without an agreement: the other pairs, by migrant flow.
    if (!w.unagreed.empty()) {
      const auto* p = w.unagreed[pick_weighted(w.unagreed_cumulative, f.rng)];
      const bool swap = f.rng.below(2) == 1;
      a = swap ? p->b->code : p->a->code;
      b = swap ? p->a->code : p->b->code;
    }
    f.vars["item"] = w.item_codes.empty() ? "" : w.item_codes[f.rng.below(w.item_codes.size())];
    f.vars["applicant"] = "";
  }
  f.vars["receiving"] = a;
  f.vars["accepting"] = b;
  f.vars["holder"] = "receiving";
}

const std::string& var(const FlowState& f, std::string_view name) {
  static const std::string empty;
  const auto* v = f.find(name);
  return v ? *v : empty;
}

// ---- the setup: accounts, agreements, items --------------------------------------------

class SetupStep final : public Step {
 public:
  explicit SetupStep(std::shared_ptr<World> w) : w_(std::move(w)) {
    name = "setup";
    reads_headers = false;
    // One job per request, repeated until none is left (no pause in between).
    poll = Poll{1, 3600 * kNanosPerSecond};
  }

  Result<OutRequest> build(FlowState&) const override {
    if (w_->jobs.empty()) return fail(Error::internal("setup: no job left"));
    const Job& j = w_->jobs.front();
    switch (j.kind) {
      case Job::Kind::login: {
        auto acc = w_->account(j.key);
        if (!acc) return fail(Error::internal("setup: no account " + j.key));
        return login_request(*acc, w_->identity);
      }
      case Job::Kind::enrol: {
        const auto acc = w_->account(j.key);
        static constexpr const char* kNames[] = {"李华", "王芳", "张伟", "刘洋",
                                                 "陈静", "杨帆", "赵磊", "黄敏"};
        return json_request(
            "POST", "/v1/citizens", w_->identity,
            {{"id_number", acc ? acc->login : ""},
             {"name", kNames[j.n % std::size(kNames)]},
             {"household_city", j.city},
             {"phone",
              "139" + std::to_string(10000000 + (std::hash<std::string>{}(j.key) % 90000000))},
             {"password", w_->applicant_password}});
      }
      case Job::Kind::agreements: {
        OutRequest r;
        r.path = "/v1/agreements?limit=200";
        if (!j.cursor.empty()) r.path += "&cursor=" + j.cursor;
        r.target = w_->node_of(w_->bootstrap_city).value_or(w_->nodes.front().target);
        r.headers.emplace_back("Authorization",
                               "Bearer " + w_->token(staff_key("clerk", w_->bootstrap_city)));
        return r;
      }
      case Job::Kind::item: {
        OutRequest r;
        r.path = "/v1/items/" + j.code;
        r.target = w_->catalog;
        return r;
      }
    }
    return fail(Error::internal("setup: unknown job"));
  }

  Verdict check(const InResponse& r, FlowState&) const override {
    const Job j = w_->jobs.front();
    w_->jobs.pop_front();
    switch (j.kind) {
      case Job::Kind::login:
        if (auto err = take_login(*w_, j.key, r)) {
          return {Verdict::Kind::fail,
                  *err + (j.key.starts_with("applicant")
                              ? ""
                              : " (are the demo staff there? scripts/seed creates them)")};
        }
        break;
      case Job::Kind::enrol:
        // 409: registered by an earlier run; its login follows either way.
        if (r.status != 201 && r.status != 409) {
          return {Verdict::Kind::fail, "registering applicant " + j.key + ": " + status_message(r)};
        }
        w_->jobs.push_front(Job{Job::Kind::login, j.key, {}, 0, {}, {}});
        break;
      case Job::Kind::agreements: {
        auto next = collect(r);
        if (!next) return {Verdict::Kind::fail, next.error().message};
        if (!next->empty()) {
          w_->jobs.push_front(Job{Job::Kind::agreements, {}, {}, 0, {}, *next});
        } else if (auto err = plan()) {
          return {Verdict::Kind::fail, *err};
        }
        break;
      }
      case Job::Kind::item:
        if (r.status == 200) {
          if (auto doc = body_object(r)) {
            auto& names = w_->materials[j.code];
            if (const auto* m = doc->if_contains("materials"); m && m->is_array()) {
              for (const auto& v : m->get_array()) {
                if (v.is_object()) names.push_back(member(v.get_object(), "name_zh"));
              }
            }
          }
        } else if (r.status != 404) {  // 404: not published (any more); the item is left out
          return {Verdict::Kind::fail, "catalog item " + j.code + ": " + status_message(r)};
        }
        break;
    }
    if (!w_->jobs.empty()) return {Verdict::Kind::retry, {}};
    if (auto err = finish()) return {Verdict::Kind::fail, *err};
    return {};
  }

 private:
  // One page of the agreements: those in force join w_->listed. Returns the next page's
  // cursor, '' after the last.
  Result<std::string> collect(const InResponse& r) const {
    auto doc = body_object(r);
    const auto* list = doc ? doc->if_contains("agreements") : nullptr;
    if (r.status != 200 || !list || !list->is_array()) {
      return fail(Error::unavailable("listing the agreements: " + status_message(r)));
    }
    const auto& dir = cities::directory();
    auto& found = w_->listed;
    for (const auto& v : list->get_array()) {
      if (!v.is_object() || member(v.get_object(), "status") != "ACTIVE") continue;
      const auto& a = v.get_object();
      PairTerms p;
      p.a = std::min(member(a, "city_a"), member(a, "city_b"));
      p.b = std::max(member(a, "city_a"), member(a, "city_b"));
      const auto* versions = a.if_contains("versions");
      if (!versions || !versions->is_array()) continue;
      for (const auto& ver : versions->get_array()) {
        if (!ver.is_object() || member(ver.get_object(), "status") != "ACTIVE") continue;
        const auto* body = ver.get_object().if_contains("body");
        if (!body || !body->is_object()) continue;
        if (const auto* items = body->get_object().if_contains("items");
            items && items->is_object()) {
          for (const auto& [code, terms] : items->get_object()) {
            p.items.emplace_back(std::string(code),
                                 terms.is_object() ? member(terms.get_object(), "rights") : "");
          }
        }
        if (const auto* d = body->get_object().if_contains("result_delivery"); d && d->is_array()) {
          for (const auto& x : d->get_array()) {
            if (x.is_string()) p.delivery.emplace_back(x.get_string());
          }
        }
      }
      w_->agreed.insert(p.a + "-" + p.b);
      if (p.items.empty() || !w_->node_of(p.a) || !w_->node_of(p.b)) continue;
      p.weight = dir.flow_weight(p.a, p.b);
      found.push_back(std::move(p));
    }
    const auto* next = doc->if_contains("next_cursor");
    return next && next->is_string() ? std::string(next->get_string()) : std::string();
  }

  // The agreements in force decide the pairs; then every account and item they need.
  std::optional<std::string> plan() const {
    const auto& dir = cities::directory();
    auto found = std::move(w_->listed);
    std::sort(found.begin(), found.end(),
              [](const auto& x, const auto& y) { return x.weight > y.weight; });
    const auto& spec = w_->pairs_spec;
    if (spec == "agreements") {
      w_->pairs = std::move(found);
    } else if (spec.starts_with("top:")) {
      const auto n = static_cast<std::size_t>(std::stoul(spec.substr(4)));
      if (found.size() > n) found.resize(n);
      w_->pairs = std::move(found);
    } else {
      std::size_t from = 0;
      while (from < spec.size()) {
        auto comma = spec.find(',', from);
        if (comma == std::string::npos) comma = spec.size();
        const auto text = spec.substr(from, comma - from);
        from = comma + 1;
        const auto dash = text.find('-');
        const auto x = std::min(text.substr(0, dash), text.substr(dash + 1));
        const auto y = std::max(text.substr(0, dash), text.substr(dash + 1));
        auto it = std::find_if(found.begin(), found.end(),
                               [&](const auto& p) { return p.a == x && p.b == y; });
        if (it == found.end()) {
          return "no active agreement between " + x + " and " + y +
                 " that both cities' nodes serve (sign one, or run scripts/seed)";
        }
        w_->pairs.push_back(*it);
      }
    }
    if (w_->pairs.empty()) {
      return "no active agreement whose cities the nodes serve: sign some first (scripts/seed "
             "signs 200; tongban-seed --pairs N more)";
    }
    // Accounts: window staff of both places and applicants registered in each city.
    std::set<std::string> cities_needed, items_needed;
    for (const auto& p : w_->pairs) {
      cities_needed.insert(p.a);
      cities_needed.insert(p.b);
      for (const auto& [code, rights] : p.items) items_needed.insert(code);
    }
    const auto staff = [&](const std::string& role, const std::string& city) {
      const auto key = staff_key(role, city);
      if (w_->has_account(key)) return;
      w_->add_account(key, "staff", w_->staff_login_of(role, city), w_->staff_password);
      w_->jobs.push_back(Job{Job::Kind::login, key, city, 0, {}, {}});
    };
    for (const auto& city : cities_needed) {
      for (const char* role : {"clerk", "examiner", "approver"}) staff(role, city);
      for (std::size_t n = 0; n < w_->applicants; ++n) {
        const auto key = applicant_key(city, n);
        w_->add_account(key, "citizen", applicant_id_number(city, n), w_->applicant_password);
        w_->jobs.push_back(Job{Job::Kind::enrol, key, city, n, {}, {}});
      }
    }
    if (w_->refused) {  // where no agreement exists: any city's window may be asked
      for (const auto& c : dir.all()) {
        if (w_->node_of(c.code)) staff("clerk", c.code);
      }
    }
    for (const auto& code : items_needed)
      w_->jobs.push_back(Job{Job::Kind::item, {}, {}, 0, code, {}});
    return std::nullopt;
  }

  // Items without materials (not published) leave the pairs; weights for the draw.
  std::optional<std::string> finish() const {
    auto& pairs = w_->pairs;
    for (auto& p : pairs) {
      std::erase_if(p.items, [&](const auto& item) { return !w_->materials.contains(item.first); });
    }
    std::erase_if(pairs, [](const auto& p) { return p.items.empty(); });
    if (pairs.empty()) return "none of the agreed items is published in the catalog";
    w_->cumulative.clear();
    double sum = 0;
    for (const auto& p : pairs) {
      // A pair outside the migrant-flow data still gets a little of the load.
      sum += std::max(p.weight, 1e-6);
      w_->cumulative.push_back(sum);
    }
    for (const auto& [code, names] : w_->materials) w_->item_codes.push_back(code);
    if (w_->refused) {
      sum = 0;
      for (const auto& p : cities::directory().pairs()) {
        if (w_->agreed.contains(p.a->code + "-" + p.b->code) || !w_->node_of(p.a->code) ||
            !w_->node_of(p.b->code)) {
          continue;
        }
        sum += std::max(p.weight, 1e-6);
        w_->unagreed.push_back(&p);
        w_->unagreed_cumulative.push_back(sum);
      }
      if (w_->unagreed.empty()) {
        return "submit_refused needs a pair without an agreement whose cities the nodes serve";
      }
    }
    return std::nullopt;
  }

  std::shared_ptr<World> w_;
};

// ---- the steps of the load -------------------------------------------------------------

// First step of every operation, passed by unless one of the tokens the flow uses is about
// to expire: then this flow logs that account in again (one flow per account at a time).
class TokenStep final : public Step {
 public:
  TokenStep(std::shared_ptr<World> w, bool refused) : w_(std::move(w)), refused_(refused) {
    name = "tokens";
    reads_headers = false;
  }

  bool skip(FlowState& f) const override {
    draw(*w_, f, refused_);
    const auto& a = var(f, "receiving");
    const auto& b = var(f, "accepting");
    std::vector<std::string> keys{staff_key("clerk", a)};
    if (!refused_) {
      keys.insert(keys.end(), {staff_key("examiner", a), staff_key("clerk", b),
                               staff_key("approver", b), var(f, "applicant")});
    }
    auto key = w_->claim_expiring(keys);
    if (key.empty()) return true;
    f.vars["refresh"] = std::move(key);
    return false;
  }

  Result<OutRequest> build(FlowState& f) const override {
    auto acc = w_->account(var(f, "refresh"));
    if (!acc) return fail(Error::internal("no account to refresh"));
    return login_request(*acc, w_->identity);
  }

  Verdict check(const InResponse& r, FlowState& f) const override {
    const auto key = var(f, "refresh");
    f.vars.erase("refresh");
    if (auto err = take_login(*w_, key, r)) {
      w_->release(key);
      return {Verdict::Kind::fail, *err};
    }
    return {};
  }

 private:
  std::shared_ptr<World> w_;
  bool refused_;
};

class ActionStep final : public Step {
 public:
  ActionStep(std::shared_ptr<World> w, const ActionInfo& info, bool refused)
      : w_(std::move(w)), info_(info), refused_(refused) {
    reads_headers = false;
    record = info.recorded;
  }

  // Pre-examination only where the agreement delegates it.
  bool skip(FlowState& f) const override {
    return info_.action == Action::pre_examine &&
           var(f, "rights") != "RECEIPT_AND_PRELIMINARY_EXAMINATION";
  }

  Result<OutRequest> build(FlowState& f) const override {
    draw(*w_, f, refused_);
    const auto& a = var(f, "receiving");
    const auto& b = var(f, "accepting");
    if (a.empty()) {
      return fail(Error::invalid("pair", "no_pair", "no city pair to draw"));
    }
    auto place = info_.place;
    if (place == Place::current) {
      place = var(f, "holder") == "accepting" ? Place::accepting : Place::receiving;
    }
    const auto& city = place == Place::receiving ? a : b;
    std::string key;
    switch (info_.actor) {
      case Actor::clerk:
        key = staff_key("clerk", city);
        break;
      case Actor::examiner:
        key = staff_key("examiner", city);
        break;
      case Actor::approver:
        key = staff_key("approver", city);
        break;
      case Actor::applicant:
        key = var(f, "applicant");
        break;
    }
    const auto token = w_->token(key);
    if (token.empty()) {
      return fail(
          Error::invalid(key, "account", "no token for " + key + " (setup did not log in)"));
    }
    const auto node = w_->node_of(city);
    if (!node) return fail(Error::invalid(city, "node", "no node serves city " + city));
    const auto& id = var(f, "case_id");
    const auto command = [&](json::object body) {
      // The version this flow saw: a command on a changed case is refused (409), as a clerk's
      // would be.
      if (const auto* v = f.find("version"); v && !v->empty()) {
        body["version"] = std::strtoll(v->c_str(), nullptr, 10);
      }
      return json_request("POST", "/v1/cases/" + id + "/" + std::string(info_.name), *node, body);
    };

    OutRequest r;
    switch (info_.action) {
      case Action::submit:
      case Action::submit_refused: {
        const auto* names = w_->materials.find(var(f, "item")) != w_->materials.end()
                                ? &w_->materials.find(var(f, "item"))->second
                                : nullptr;
        json::array materials;
        if (names) {
          for (const auto& n : *names) materials.emplace_back(n);
        }
        const auto subject = refused_ ? "loadgen-applicant-" + b : w_->subject(var(f, "applicant"));
        json::object body{{"item_code", var(f, "item")},
                          {"applicant", {{"subject", subject}, {"registration_city", b}}},
                          {"materials", std::move(materials)}};
        if (!var(f, "delivery").empty()) body["delivery"] = var(f, "delivery");
        r = json_request("POST", "/v1/cases", *node, body);
        // The key makes a repeat the same case; the run's nonce keeps it from an earlier run's.
        r.headers.emplace_back("Idempotency-Key", w_->nonce + "-" + std::to_string(f.index));
        break;
      }
      case Action::request_supplement:
        r = command({{"reason", "身份证明复印件不清晰，请补正"}});
        break;
      case Action::reject:
        r = command({{"reason", "申请材料与受理条件不符"}});
        break;
      case Action::deny:
        r = command({{"reason", "经审查不符合法定条件"}});
        break;
      case Action::approve:
        r = command(
            {{"result", {{"licence_type", "cross_city_result"}, {"title", "准予许可决定书"}}}});
        break;
      case Action::rate: {
        // Mostly good, as in the field; the poor ones say why.
        static constexpr const char* kReasons[] = {"too_slow", "repeated_visits",
                                                   "unclear_guidance", "system_problems"};
        const bool good = f.rng.below(10) < 9;
        json::object body{{"grade", good ? "good" : "poor"}};
        if (!good) body["reason"] = kReasons[f.rng.below(std::size(kReasons))];
        r = json_request("POST", "/v1/cases/" + id + "/rating", *node, body);
        break;
      }
      case Action::handoff:
      case Action::timeline:
        r.path = "/v1/cases/" + id + (info_.action == Action::timeline ? "/timeline" : "");
        r.target = *node;
        break;
      case Action::my_cases:
        r.path = "/v1/cases?applicant=me&limit=20";
        r.target = *node;
        break;
      case Action::work_queue:
        r.path = "/v1/work-queue?limit=20";
        r.target = *node;
        break;
      default:
        r = command({});
        break;
    }
    r.headers.emplace_back("Authorization", "Bearer " + token);
    return r;
  }

  Verdict check(const InResponse& r, FlowState& f) const override {
    switch (info_.action) {
      case Action::handoff: {
        // Until the accepting node has built its copy from the FORWARDED event: 404 there,
        // or its copy still waiting (any other answer is retried too, until the timeout).
        const auto doc = r.status == 200 ? body_object(r) : std::nullopt;
        if (!doc || member(*doc, "holder") != "accepting") return {Verdict::Kind::retry, {}};
        f.vars["version"] = member(*doc, "version");
        f.vars["state"] = member(*doc, "state");
        f.vars["holder"] = "accepting";
        return {};
      }
      case Action::submit_refused: {
        const auto doc = body_object(r);
        if (r.status != 403 || !doc || member(*doc, "rule") != "no_agreement") {
          return {Verdict::Kind::fail, status_message(r) + " (expected 403 no_agreement)"};
        }
        return {};
      }
      case Action::my_cases:
      case Action::work_queue:
      case Action::timeline:
      case Action::rate:
        if (r.status != 200) return {Verdict::Kind::fail, status_message(r)};
        return {};
      default:
        break;
    }
    const int want = info_.action == Action::submit ? 201 : 200;
    if (r.status != want) return {Verdict::Kind::fail, status_message(r)};
    const auto doc = body_object(r);
    if (!doc) return {Verdict::Kind::fail, "the answer is not a JSON object"};
    const auto state = member(*doc, "state");
    if (state != info_.state) {
      return {Verdict::Kind::fail, "state is " + state + ", expected " + std::string(info_.state)};
    }
    if (info_.action == Action::submit) {
      f.vars["case_id"] = member(*doc, "id");
      f.vars["rights"] = member(*doc, "rights");
      f.vars["applicant_subject"] = member(*doc, "applicant");
    }
    f.vars["version"] = member(*doc, "version");
    f.vars["state"] = state;
    return {};
  }

 private:
  std::shared_ptr<World> w_;
  const ActionInfo& info_;
  bool refused_;
};

// ---- the document ----------------------------------------------------------------------

const std::map<std::string, std::string, std::less<>>& var_defaults() {
  static const std::map<std::string, std::string, std::less<>> d{
      {"nodes", "delegation=all"},
      {"pairs", "agreements"},
      {"staff_login", "{role}-{city}"},
      {"staff_password", "Demo-Staff-2026"},
      {"applicant_password", "Loadgen-Applicant-2026"},
      {"applicants", "2"},
      {"poll_interval", "10ms"},
      {"poll_timeout", "30s"},
      {"poll_backoff", "0.1"},
  };
  return d;
}

// A poll's backoff given as text ("0.1"): a fraction from 0 to 1; nullopt otherwise.
std::optional<double> backoff_of(std::string_view text) {
  double v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || !(v >= 0 && v <= 1)) return std::nullopt;
  return v;
}

// A duration given as text ("200ms"); nullopt when it is not one.
std::optional<Nanos> duration_of(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  auto d = parse_duration(v.get_string());
  if (!d) return std::nullopt;
  return *d;
}

bool known_city(std::string_view code) { return cities::directory().find(code) != nullptr; }

Result<std::pair<std::string, std::string>> parse_pair(const std::string& text) {
  const auto dash = text.find('-');
  if (dash == std::string::npos) {
    return fail(doc_error("vars.pairs", "pair", "a pair is A-B (division codes): " + text));
  }
  const auto a = text.substr(0, dash), b = text.substr(dash + 1);
  if (!known_city(a) || !known_city(b) || a == b) {
    return fail(doc_error("vars.pairs", "pair", "not two different known cities: " + text));
  }
  return std::pair{a, b};
}

}  // namespace

std::string applicant_id_number(std::string_view city, std::size_t n) {
  using namespace std::chrono;
  // Born on distinct days from 1 March 1975 on; sequence 9xx, which ordinary test data
  // (and real people of that day) rarely use.
  const year_month_day born{sys_days{year{1975} / March / 1} + days{static_cast<int>(n % 9000)}};
  char body[32];
  std::snprintf(body, sizeof body, "%.6s%04d%02u%02u%03u", std::string(city).c_str(),
                static_cast<int>(born.year()), static_cast<unsigned>(born.month()),
                static_cast<unsigned>(born.day()), static_cast<unsigned>(900 + n / 9000 % 100));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body, 17) + "10X98765432"[sum % 11];
}

Result<Scenario> build_delegation_scenario(const json::object& doc) {
  Scenario s;
  s.kind = "delegation";
  tongban::json::Reader r(doc, "scenario");
  auto name = r.string("name", 1, 64);
  if (!name) return fail(name.error());
  s.name = *name;
  if (auto d = r.optional_string("description", 4096); d && *d) s.description = **d;
  if (auto ok = read_targets(doc, s); !ok) return fail(ok.error());

  auto w = std::make_shared<World>();
  // Vars: the defaults, then the document's (templates: {{ env NAME }}), then --var.
  std::map<std::string, std::string, std::less<>> vars = var_defaults();
  if (const auto* v = doc.if_contains("vars")) {
    if (!v->is_object()) return fail(doc_error("vars", "object", "name: value"));
    for (const auto& [k, val] : v->get_object()) {
      if (!var_defaults().contains(k)) {
        std::string known;
        for (const auto& [n, d] : var_defaults()) known += (known.empty() ? "" : ", ") + n;
        return fail(doc_error("vars." + std::string(k), "unknown_var",
                              "a delegation scenario's vars are: " + known));
      }
      const std::string text =
          val.is_string() ? std::string(val.get_string()) : json::serialize(val);
      auto t = Template::compile(text, {});
      if (!t) return fail(t.error());
      FlowState none;
      vars[std::string(k)] = t->render(none);
    }
  }
  for (const auto& [k, v] : vars) s.vars[k] = v;

  const auto identity = s.find_target("identity");
  const auto catalog = s.find_target("catalog");
  if (!identity || !catalog) {
    return fail(doc_error("targets", "required",
                          "a delegation scenario calls identity and catalog: name both targets"));
  }
  w->identity = *identity;
  w->catalog = *catalog;

  // nodes: "target=all" or "a=320100,320200;b=330100": which node serves which cities.
  {
    const auto& spec = vars.at("nodes");
    std::size_t from = 0;
    while (from < spec.size()) {
      auto semi = spec.find(';', from);
      if (semi == std::string::npos) semi = spec.size();
      const auto part = spec.substr(from, semi - from);
      from = semi + 1;
      const auto eq = part.find('=');
      if (eq == std::string::npos || eq == 0) {
        return fail(doc_error("vars.nodes", "format",
                              "nodes is target=all or target=CODE,CODE;target=...: " + part));
      }
      NodeRoute route;
      const auto target_name = part.substr(0, eq);
      auto t = s.find_target(target_name);
      if (!t) {  // a node target the document does not name: --target NAME=URL gives its URL
        s.targets.push_back(Target{target_name, {}});
        t = s.targets.size() - 1;
      }
      route.target = *t;
      const auto list = part.substr(eq + 1);
      if (list == "all") {
        route.all = true;
      } else {
        std::size_t c = 0;
        while (c < list.size()) {
          auto comma = list.find(',', c);
          if (comma == std::string::npos) comma = list.size();
          const auto code = list.substr(c, comma - c);
          c = comma + 1;
          if (!known_city(code)) {
            return fail(
                doc_error("vars.nodes", "unknown_city", "not one of the 155 cities: " + code));
          }
          route.cities.insert(code);
        }
      }
      w->nodes.push_back(std::move(route));
    }
    if (w->nodes.empty()) return fail(doc_error("vars.nodes", "required", "name a node"));
  }

  // pairs: "agreements", "top:N" or "A-B,C-D".
  w->pairs_spec = vars.at("pairs");
  w->bootstrap_city = w->nodes.front().all ? cities::directory().all().front().code
                                           : *w->nodes.front().cities.begin();
  if (w->pairs_spec.starts_with("top:")) {
    const auto n = w->pairs_spec.substr(4);
    if (n.empty() || n.size() > 6 || !std::all_of(n.begin(), n.end(), ::isdigit) || n == "0") {
      return fail(doc_error("vars.pairs", "top", "top:N with N a positive number"));
    }
  } else if (w->pairs_spec != "agreements") {
    auto first = parse_pair(w->pairs_spec.substr(0, w->pairs_spec.find(',')));
    if (!first) return fail(first.error());
    for (std::size_t from = 0; from < w->pairs_spec.size();) {
      auto comma = w->pairs_spec.find(',', from);
      if (comma == std::string::npos) comma = w->pairs_spec.size();
      if (auto p = parse_pair(w->pairs_spec.substr(from, comma - from)); !p) return fail(p.error());
      from = comma + 1;
    }
    w->bootstrap_city = first->first;
  }
  if (!w->node_of(w->bootstrap_city)) {
    return fail(doc_error("vars.nodes", "coverage",
                          "no node serves " + w->bootstrap_city + ", where the setup starts"));
  }
  w->staff_login = vars.at("staff_login");
  w->staff_password = vars.at("staff_password");
  w->applicant_password = vars.at("applicant_password");
  {
    const auto& n = vars.at("applicants");
    if (n.empty() || n.size() > 3 || !std::all_of(n.begin(), n.end(), ::isdigit) || n == "0") {
      return fail(doc_error("vars.applicants", "range", "applicants per city: 1 to 999"));
    }
    w->applicants = std::stoul(n);
  }
  auto poll_interval = parse_duration(vars.at("poll_interval"));
  auto poll_timeout = parse_duration(vars.at("poll_timeout"));
  if (!poll_interval || *poll_interval <= 0) {
    return fail(doc_error("vars.poll_interval", "duration", "a positive duration like 10ms"));
  }
  if (!poll_timeout || *poll_timeout <= 0) {
    return fail(doc_error("vars.poll_timeout", "duration", "a positive duration like 30s"));
  }
  const auto poll_backoff = backoff_of(vars.at("poll_backoff"));
  if (!poll_backoff) {
    return fail(
        doc_error("vars.poll_backoff", "range", "a fraction of the time already waited, 0 to 1"));
  }
  {
    std::random_device rd;
    char buf[20];
    std::snprintf(buf, sizeof buf, "lg%08x%08x", rd(), rd());
    w->nonce = buf;
  }

  auto ops = r.array("operations", 1, 64);
  if (!ops) return fail(ops.error());
  for (std::size_t i = 0; i < (*ops)->size(); ++i) {
    const auto path = "operations[" + std::to_string(i) + "]";
    const auto& ov = (**ops)[i];
    if (!ov.is_object()) return fail(doc_error(path, "object", "an operation is an object"));
    const auto& o = ov.get_object();
    tongban::json::Reader orr(o, "scenario." + path);
    Operation op;
    auto op_name = orr.string("name", 1, 64);
    if (!op_name) return fail(op_name.error());
    op.name = *op_name;
    for (const auto& other : s.operations) {
      if (other.name == op.name) {
        return fail(doc_error(path + ".name", "unique", "duplicate operation " + op.name));
      }
    }
    if (const auto* wv = o.if_contains("weight")) {
      if (!wv->is_number() || wv->to_number<double>() <= 0) {
        return fail(doc_error(path + ".weight", "positive", "a positive number"));
      }
      op.weight = wv->to_number<double>();
    }
    Nanos op_think = 0;
    if (const auto* t = o.if_contains("think")) {
      auto d = duration_of(*t);
      if (!d) return fail(doc_error(path + ".think", "duration", "a duration like \"200ms\""));
      op_think = *d;
    }
    auto steps = orr.array("steps", 1, 32);
    if (!steps) return fail(steps.error());
    // A refused submission is an operation of its own: nothing follows on its case.
    bool refused = false;
    for (const auto& sv : **steps) {
      const auto action = sv.is_string() ? std::string(sv.get_string())
                          : sv.is_object() && sv.get_object().contains("action")
                              ? member(sv.get_object(), "action")
                              : "";
      refused = refused || action == "submit_refused";
    }
    w->refused = w->refused || refused;
    op.steps.push_back(std::make_unique<TokenStep>(w, refused));
    bool submitted = false;
    for (std::size_t k = 0; k < (*steps)->size(); ++k) {
      const auto sp = path + ".steps[" + std::to_string(k) + "]";
      const auto& sv = (**steps)[k];
      std::string action_name, step_name;
      Nanos think = op_think;
      std::optional<Poll> poll;
      const json::object* so = nullptr;
      if (sv.is_string()) {
        action_name = std::string(sv.get_string());
      } else if (sv.is_object()) {
        so = &sv.get_object();
        action_name = member(*so, "action");
        step_name = member(*so, "name");
      }
      const auto* info = find_action(action_name);
      if (!info) {
        return fail(doc_error(sp, "action",
                              "a step is an action (or {\"action\", \"name\", \"think\", "
                              "\"poll\"}); actions: " +
                                  action_names()));
      }
      if (step_name.empty()) step_name = std::string(info->name);
      if (info->needs_case && !submitted) {
        return fail(
            doc_error(sp, "order", std::string(info->name) + " needs a case: submit first"));
      }
      if (refused && info->action != Action::submit_refused && info->action != Action::work_queue) {
        return fail(
            doc_error(sp, "order", "an operation with submit_refused has no case to go on with"));
      }
      submitted = submitted || info->action == Action::submit;
      if (info->action == Action::handoff)
        poll = Poll{*poll_interval, *poll_timeout, *poll_backoff};
      if (so) {
        if (const auto* t = so->if_contains("think")) {
          auto d = duration_of(*t);
          if (!d) return fail(doc_error(sp + ".think", "duration", "a duration like \"200ms\""));
          think = *d;
        }
        if (const auto* p = so->if_contains("poll")) {
          if (!poll || !p->is_object()) {
            return fail(doc_error(sp + ".poll", "poll",
                                  "only await_handoff polls: {\"interval\": \"5ms\", \"timeout\": "
                                  "\"30s\", \"backoff\": 0.1}"));
          }
          for (const auto* key : {"interval", "timeout"}) {
            if (const auto* x = p->get_object().if_contains(key)) {
              auto d = duration_of(*x);
              if (!d || *d <= 0) {
                return fail(doc_error(sp + ".poll." + key, "duration", "a positive duration"));
              }
              (std::string_view(key) == "interval" ? poll->interval : poll->timeout) = *d;
            }
          }
          if (const auto* b = p->get_object().if_contains("backoff")) {
            const auto v = b->is_number() ? backoff_of(json::serialize(*b)) : std::nullopt;
            if (!v) {
              return fail(doc_error(sp + ".poll.backoff", "range",
                                    "a fraction of the time already waited, 0 to 1"));
            }
            poll->backoff = *v;
          }
        }
      }
      auto step = std::make_unique<ActionStep>(w, *info, refused);
      step->name = step_name;
      step->think = think;
      // The first look at B after one interval: the FORWARDED event has yet to cross Kafka
      // when forward answers, so a look at once only added a request per life cycle.
      if (poll) poll->first = poll->interval;
      step->poll = poll;
      for (const auto& existing : op.steps) {
        if (existing->name == step->name) {
          return fail(doc_error(sp + ".name", "unique",
                                "two steps named " + step->name + ": give one a \"name\""));
        }
      }
      op.steps.push_back(std::move(step));
    }
    if (auto ok = read_spans(o, "scenario." + path, op); !ok) return fail(ok.error());
    s.operations.push_back(std::move(op));
  }

  // Setup: log in a clerk where the setup starts, read the agreements, then what they need.
  w->add_account(staff_key("clerk", w->bootstrap_city), "staff",
                 w->staff_login_of("clerk", w->bootstrap_city), w->staff_password);
  w->jobs.push_back(Job{Job::Kind::login, staff_key("clerk", w->bootstrap_city), {}, 0, {}, {}});
  w->jobs.push_back(Job{Job::Kind::agreements, {}, {}, 0, {}, {}});
  s.setup = std::make_unique<Operation>();
  s.setup->name = "setup";
  s.setup->steps.push_back(std::make_unique<SetupStep>(w));

  if (auto ok = read_defaults(doc, s); !ok) return fail(ok.error());
  return s;
}

}  // namespace tongban::loadgen

#include "notify.hpp"

#include <boost/json/array.hpp>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "tongban/core/clock.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/core/log.hpp"
#include "tongban/http/problem.hpp"

namespace tongban::notify {

std::string_view embedded_zh_templates();
std::string_view embedded_en_templates();

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             Clock::system().now().time_since_epoch())
      .count();
}

Error knob(std::string name, std::string rule, std::string message) {
  return Error::invalid(std::move(name), std::move(rule), std::move(message));
}

Result<std::size_t> limit_param(const http::Request& req, std::size_t fallback, std::size_t max) {
  auto v = req.query_param("limit");
  if (!v) return fallback;
  std::size_t n = 0;
  const auto* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, n);
  if (ec != std::errc() || p != end || n < 1 || n > max) {
    return fail(Error::invalid("limit", "range",
                               "limit must be an integer from 1 to " + std::to_string(max)));
  }
  return n;
}

}  // namespace

std::string_view embedded_templates(Language l) {
  return l == Language::zh ? embedded_zh_templates() : embedded_en_templates();
}

Result<std::pair<NotifyOptions, Templates>> load_options(service::Env& env) {
  NotifyOptions o;
  o.smtp.host = env.string("TONGBAN_NOTIFY_SMTP_HOST", "",
                           "SMTP server (relay) of the email channel; empty: no email is sent");
  auto port = env.integer("TONGBAN_NOTIFY_SMTP_PORT", 25, 1, 65535, "its port (587: submission)");
  o.smtp.from_address = env.string("TONGBAN_NOTIFY_SMTP_FROM", "noreply@tongban.example.org",
                                   "sender address (MAIL FROM and From:)");
  o.smtp.from_name = env.string("TONGBAN_NOTIFY_SMTP_FROM_NAME", "通办 tongban",
                                "sender display name (UTF-8; RFC 2047-encoded as needed)");
  auto starttls =
      env.boolean("TONGBAN_NOTIFY_SMTP_STARTTLS", false,
                  "require STARTTLS with a verified certificate (never send in the clear)");
  o.smtp.ca_file = env.string("TONGBAN_NOTIFY_SMTP_CA_FILE", "",
                              "PEM CA bundle to verify the SMTP server; empty: the system's");
  o.smtp.username = env.string("TONGBAN_NOTIFY_SMTP_USERNAME", "",
                               "AUTH PLAIN user (needs STARTTLS); empty: no AUTH");
  auto password = env.secret("TONGBAN_NOTIFY_SMTP_PASSWORD", "AUTH PLAIN password");
  o.webhook.url = env.string("TONGBAN_NOTIFY_WEBHOOK_URL", "",
                             "http:// URL the webhook channel POSTs to; empty: no webhook");
  auto secret = env.secret("TONGBAN_NOTIFY_WEBHOOK_SECRET",
                           "HMAC-SHA256 key of the X-Tongban-Signature header; empty: unsigned");
  auto timeout = env.millis("TONGBAN_NOTIFY_SEND_TIMEOUT", 15000,
                            "ms one delivery attempt may take (a whole SMTP session or one POST)");
  auto attempts =
      env.integer("TONGBAN_NOTIFY_MAX_ATTEMPTS", 10, 1, 100, "attempts before a delivery is dead");
  auto base = env.millis("TONGBAN_NOTIFY_RETRY_BASE", 2000,
                         "ms before the first retry; doubles per failure (jittered)");
  auto cap =
      env.millis("TONGBAN_NOTIFY_RETRY_MAX", 600000, "ms, the longest wait between attempts");
  auto poll = env.millis("TONGBAN_NOTIFY_POLL_INTERVAL", 500,
                         "ms between the dispatcher's looks for due deliveries");
  auto retention = env.integer("TONGBAN_NOTIFY_RETENTION_DAYS", 90, 1, 3650,
                               "days a delivered or dead delivery (and its idempotency) is kept");
  const auto staff = env.string("TONGBAN_NOTIFY_STAFF_EMAILS", "",
                                "staff mailboxes per city: <division code>=<address>,...");
  const auto staff_language =
      env.string("TONGBAN_NOTIFY_STAFF_LANGUAGE", "zh", "language of staff messages: zh or en");
  const auto dir = env.string("TONGBAN_NOTIFY_TEMPLATES", "",
                              "folder whose zh.txt / en.txt replace the built-in templates");
  o.group = env.string("TONGBAN_NOTIFY_GROUP", "notify",
                       "Kafka consumer group of the case events (replicas share it)");
  for (auto* r : {&port, &attempts, &retention}) {
    if (!*r) return fail(std::move(r->error()));
  }
  for (auto* r : {&timeout, &base, &cap, &poll}) {
    if (!*r) return fail(std::move(r->error()));
  }
  if (!starttls) return fail(std::move(starttls.error()));
  if (!password) return fail(std::move(password.error()));
  if (!secret) return fail(std::move(secret.error()));
  o.smtp.port = static_cast<int>(*port);
  o.smtp.starttls = *starttls;
  o.smtp.password = *password;
  o.smtp.timeout = *timeout;
  o.webhook.secret = *secret;
  o.webhook.timeout = *timeout;
  o.retry = RetryPolicy{static_cast<int>(*attempts), *base, *cap};
  o.poll = std::max(*poll, std::chrono::milliseconds(10));
  o.retention = std::chrono::milliseconds(*retention * 86400000);
  if (!valid_email(o.smtp.from_address)) {
    return fail(knob("TONGBAN_NOTIFY_SMTP_FROM", "email_format", "not an email address"));
  }
  if (!o.smtp.username.empty() && !o.smtp.starttls) {
    return fail(knob("TONGBAN_NOTIFY_SMTP_USERNAME", "requires_starttls",
                     "AUTH sends the password: set TONGBAN_NOTIFY_SMTP_STARTTLS=true"));
  }
  if (!o.webhook.url.empty() && !o.webhook.url.starts_with("http://")) {
    return fail(knob("TONGBAN_NOTIFY_WEBHOOK_URL", "http_url",
                     "an http:// URL (for https, put a TLS-terminating proxy in front)"));
  }
  auto sl = parse_language(staff_language);
  if (!sl) return fail(knob("TONGBAN_NOTIFY_STAFF_LANGUAGE", "enum", "zh or en"));
  auto directory = parse_staff_mailboxes(staff, *sl);
  if (!directory) {
    return fail(
        knob("TONGBAN_NOTIFY_STAFF_EMAILS", directory.error().rule, directory.error().message));
  }
  o.staff = std::move(*directory);

  if (!dir.empty() && !std::filesystem::is_directory(dir)) {
    return fail(knob("TONGBAN_NOTIFY_TEMPLATES", "folder", dir + " is not a folder"));
  }
  std::vector<Templates::File> files;
  for (auto l : {Language::zh, Language::en}) {
    const auto name = std::string(to_string(l)) + ".txt";
    Templates::File f{l, name, std::string(embedded_templates(l))};
    if (!dir.empty()) {
      const auto path = dir + "/" + name;
      std::ifstream in(path);
      if (in) {
        std::stringstream s;
        s << in.rdbuf();
        f = Templates::File{l, path, s.str()};
      }
    }
    files.push_back(std::move(f));
  }
  auto templates = Templates::load(files, required_templates());
  if (!templates) {
    return fail(
        knob("TONGBAN_NOTIFY_TEMPLATES", templates.error().rule, templates.error().message));
  }
  return std::pair{std::move(o), std::move(*templates)};
}

Notify::Notify(service::Service& svc, NotifyOptions options, Templates templates)
    : svc_(svc),
      options_(std::move(options)),
      templates_(std::move(templates)),
      repo_(svc.redis()),
      // Past the lease, another dispatcher may take the delivery: well beyond one attempt.
      lease_(2 * options_.smtp.timeout + std::chrono::seconds(10)) {
  if (!options_.smtp.host.empty()) smtp_ = std::make_unique<SmtpChannel>(options_.smtp);
  if (!options_.webhook.url.empty()) webhook_ = std::make_unique<WebhookChannel>(options_.webhook);
  auto& reg = svc_.metrics().prom();
  queued_ = &prometheus::BuildCounter()
                 .Name("tongban_notify_deliveries_queued_total")
                 .Help("Deliveries stored from case events, by channel and audience")
                 .Register(reg);
  attempts_ = &prometheus::BuildCounter()
                   .Name("tongban_notify_attempts_total")
                   .Help("Delivery attempts by channel and outcome (delivered, failed)")
                   .Register(reg);
  deaths_ = &prometheus::BuildCounter()
                 .Name("tongban_notify_deliveries_dead_total")
                 .Help("Deliveries given up (max attempts or refused for good), by channel")
                 .Register(reg);
  pending_gauge_ = &prometheus::BuildGauge()
                        .Name("tongban_notify_pending_deliveries")
                        .Help("Deliveries waiting for an attempt or a retry")
                        .Register(reg)
                        .Add({});
  dead_gauge_ = &prometheus::BuildGauge()
                     .Name("tongban_notify_dead_deliveries")
                     .Help("Dead deliveries kept (GET /v1/deliveries?status=dead)")
                     .Register(reg)
                     .Add({});
  log::info("notify channels", {{"email", smtp_ != nullptr},
                                {"webhook", webhook_ != nullptr},
                                {"staff_mailboxes", options_.staff.mailboxes.size()},
                                {"templates", templates_.size()}});
}

Notify::~Notify() {
  if (dispatcher_.joinable()) {
    dispatcher_.request_stop();
    dispatcher_.join();
  }
}

MessageChannel* Notify::channel_for(Channel c) {
  return c == Channel::email ? static_cast<MessageChannel*>(smtp_.get())
                             : static_cast<MessageChannel*>(webhook_.get());
}

Result<void> Notify::on_case_event(const bus::Envelope& e) {
  auto ev = read_case_event(e.id, e.type, e.data);
  if (!ev) return fail(std::move(ev.error()));  // not retryable: the DLQ
  if (!*ev) return {};
  const auto& c = **ev;
  // passes_by judged this already, unless the event's head could not be read off the bytes.
  if (!may_deliver(c.kind, options_.staff, channels())) return {};
  auto context = repo_.event_context(c.applicant, c.item_code);
  if (!context) return fail(std::move(context.error()));
  const auto deliveries = plan_deliveries(c, context->preferences.value_or(Preferences{}),
                                          options_.staff, channels(), templates_, context->item);
  if (deliveries.empty()) return {};
  // Stored before this handler returns, so before the offset commits: an acknowledged
  // event's deliveries survive any crash. enqueue is idempotent per delivery id, so the
  // retry of a partly stored event stores the rest.
  auto stored = repo_.enqueue(deliveries, now_ms());
  if (!stored) return fail(std::move(stored.error()));
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    if (!(*stored)[i]) continue;
    queued_
        ->Add({{"channel", std::string(to_string(deliveries[i].channel))},
               {"audience", std::string(to_string(deliveries[i].audience))}})
        .Increment();
  }
  return {};
}

ChannelsConfigured Notify::channels() const {
  return ChannelsConfigured{smtp_ != nullptr, webhook_ != nullptr};
}

Result<void> Notify::on_catalog_event(const bus::Envelope& e) {
  if (e.type != "tongban.catalog.item_published.v1" || !e.data.is_object()) return {};
  const auto& d = e.data.get_object();
  const auto* code = d.if_contains("code");
  const auto* version = d.if_contains("version");
  const auto* item = d.if_contains("item");
  if (!code || !code->is_string() || !version || !version->is_int64() || !item ||
      !item->is_object()) {
    return fail(Error::invalid("data", "item_published", "code, version and item are required"));
  }
  auto name = [&](const char* key) {
    const auto* v = item->get_object().if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  return repo_.save_item(std::string(code->get_string()), version->get_int64(), name("name_zh"),
                         name("name_en"));
}

void Notify::add_consumers() {
  bus::ConsumerOptions cases;
  cases.group_id = options_.group;
  cases.topics = {std::string(kCasesTopic)};
  // A new group starts at the end: a first deployment does not message applicants about
  // every case of the past (docs: services/notify/README.md).
  cases.from_beginning = false;
  // A Redis outage is waited out for a while before the event goes to the DLQ.
  cases.max_attempts = 10;
  // A delivery's id is its event × channel × recipient and enqueueing one is idempotent:
  // an event applied twice queues nothing new, so the group skips the dedupe round trips.
  cases.dedupe = false;
  // A message may leave a moment later; fewer, fuller fetches (docs/performance.md).
  cases.gather = bus::kGatherDefault;
  // Read off the raw head: events no delivery can come of here (other types, and steps
  // whose audience no configured channel reaches) are not decoded at all.
  cases.passes_by = [this](const bus::EnvelopeHead& h) {
    const auto kind = case_event_kind(h.type);
    return !kind || !may_deliver(*kind, options_.staff, channels());
  };
  svc_.consume(cases, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_case_event(e);
  });
  bus::ConsumerOptions items;
  items.group_id = options_.group + ".catalog";
  items.topics = {std::string(kCatalogTopic)};
  svc_.consume(items, [this](const bus::Envelope& e, const bus::IncomingMessage&) {
    return on_catalog_event(e);
  });
}

void Notify::attempt(const Stored& s, const std::string& token) {
  const auto& d = s.delivery;
  const auto channel = std::string(to_string(d.channel));
  auto* ch = channel_for(d.channel);
  Result<void> sent = ch ? ch->send(d)
                         : Result<void>(fail(Error::unavailable(
                               "the " + channel + " channel is not configured on this replica")));
  const auto now = now_ms();
  Outcome outcome = Outcome::delivered;
  std::int64_t next = 0;
  std::string error;
  if (sent) {
    attempts_->Add({{"channel", channel}, {"outcome", "delivered"}}).Increment();
  } else {
    attempts_->Add({{"channel", channel}, {"outcome", "failed"}}).Increment();
    error = sent.error().message;
    auto delay =
        sent.error().retryable ? next_delay(options_.retry, s.attempts + 1, d.id) : std::nullopt;
    if (delay) {
      outcome = Outcome::retry;
      next = now + delay->count();
    } else {
      outcome = Outcome::dead;
      deaths_->Add({{"channel", channel}}).Increment();
    }
  }
  auto done = repo_.complete(d.id, token, outcome, now, next, error, options_.retention);
  const std::string_view what = outcome == Outcome::delivered ? "delivered"
                                : outcome == Outcome::retry   ? "retry"
                                                              : "dead";
  if (!done) {
    // The lease runs out and the next pass tries again: at least once, never lost.
    log::warn("delivery outcome not recorded",
              {{"delivery", d.id}, {"outcome", what}, {"detail", done.error().message}});
    return;
  }
  if (outcome == Outcome::delivered) {
    log::info("delivery sent", {{"delivery", d.id},
                                {"channel", channel},
                                {"event", d.event_kind},
                                {"case_id", d.case_id},
                                {"attempts", s.attempts + 1}});
  } else {
    log::warn("delivery failed", {{"delivery", d.id},
                                  {"channel", channel},
                                  {"outcome", what},
                                  {"attempts", s.attempts + 1},
                                  {"detail", error}});
  }
}

std::size_t Notify::dispatch_once(const std::stop_token& stop) {
  const auto now = now_ms();
  auto ids = repo_.due(now, 32);
  if (!ids) {
    log::warn("dispatcher cannot read the queue", {{"detail", ids.error().message}});
    return 0;
  }
  std::size_t attempted = 0;
  for (const auto& id : *ids) {
    if (stop.stop_requested()) break;
    const auto token = svc_.config().node_id + "/" + ids::random_hex(8);
    const auto t = now_ms();
    auto claimed = repo_.claim(id, t, t + lease_.count(), token);
    if (!claimed || !*claimed) continue;  // another replica has it, or Redis is away
    attempt(**claimed, token);
    ++attempted;
  }
  if (auto c = repo_.counts()) {
    pending_gauge_->Set(static_cast<double>(c->first));
    dead_gauge_->Set(static_cast<double>(c->second));
  }
  return attempted;
}

void Notify::dispatch_loop(const std::stop_token& stop) {
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    if (dispatch_once(stop) > 0) continue;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, options_.poll, [] { return false; });
  }
}

void Notify::add_dispatcher() {
  svc_.on_start([this] {
    dispatcher_ = std::jthread([this](const std::stop_token& stop) { dispatch_loop(stop); });
  });
  // Registered after the Redis client exists, so it runs before the client's own step.
  svc_.on_shutdown([this] {
    if (dispatcher_.joinable()) {
      dispatcher_.request_stop();
      dispatcher_.join();
    }
  });
}

void Notify::add_routes() {
  auto& r = svc_.router();

  r.get("/v1/me/preferences", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto p = repo_.preferences(who->subject());
    if (!p) return http::problem(p.error());
    return http::Response::json(200, to_json(p->value_or(Preferences{})));
  });

  // Only the caller's own: there is no route to anyone else's preferences, whatever the
  // caller's roles.
  r.put("/v1/me/preferences", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto body = http::json_body(req);
    if (!body) return http::problem(body.error());
    auto p = parse_preferences(*body);
    if (!p) return http::problem(p.error());
    p->updated_at = to_rfc3339(Clock::system().now());
    auto saved = repo_.save_preferences(who->subject(), *p);
    if (!saved) return http::problem(saved.error());
    return http::Response::json(200, to_json(*p));
  });

  r.get("/v1/me/notifications", [this](http::Request& req) {
    auto who = svc_.authenticate(req);
    if (!who) return http::problem(who.error());
    auto limit = limit_param(req, 50, 500);
    if (!limit) return http::problem(limit.error());
    auto items = repo_.inbox(who->subject(), *limit);
    if (!items) return http::problem(items.error());
    boost::json::array out;
    for (const auto& s : *items) out.push_back(to_json(s));
    return http::Response::json(200, boost::json::object{{"notifications", std::move(out)}});
  });

  auto operator_only = [this](http::Request& req, bool write) -> Result<auth::Principal> {
    auto who = svc_.authenticate(req);
    if (!who) return who;
    const bool allowed =
        write ? who->has_role("platform_admin") : who->has_any_role({"platform_admin", "auditor"});
    if (!allowed) {
      return fail(Error{Errc::forbidden,
                        write ? "platform_admin only" : "platform_admin or auditor only", "",
                        "role_required", false});
    }
    return who;
  };

  r.get("/v1/deliveries", [this, operator_only](http::Request& req) {
    auto who = operator_only(req, false);
    if (!who) return http::problem(who.error());
    const auto status = req.query_param("status").value_or("dead");
    if (status != "dead" && status != "pending") {
      return http::problem(Error::invalid("status", "enum", "status must be dead or pending"));
    }
    auto limit = limit_param(req, 100, 1000);
    if (!limit) return http::problem(limit.error());
    auto items =
        repo_.list(status == "dead" ? DeliveryStatus::dead : DeliveryStatus::pending, *limit);
    if (!items) return http::problem(items.error());
    boost::json::array out;
    for (const auto& s : *items) out.push_back(to_json(s));
    return http::Response::json(200, boost::json::object{{"deliveries", std::move(out)}});
  });

  r.get("/v1/deliveries/{id}", [this, operator_only](http::Request& req) {
    auto who = operator_only(req, false);
    if (!who) return http::problem(who.error());
    auto s = repo_.get(std::string(req.param("id")));
    if (!s) return http::problem(s.error());
    if (!*s) return http::problem(Error::not_found("no such delivery"));
    return http::Response::json(200, to_json(**s));
  });

  r.post("/v1/deliveries/{id}/retry", [this, operator_only](http::Request& req) {
    auto who = operator_only(req, true);
    if (!who) return http::problem(who.error());
    const std::string id(req.param("id"));
    auto s = repo_.get(id);
    if (!s) return http::problem(s.error());
    if (!*s) return http::problem(Error::not_found("no such delivery"));
    auto again = repo_.requeue(id, now_ms());
    if (!again) return http::problem(again.error());
    if (!*again) {
      return http::problem(Error{
          Errc::conflict,
          "only a dead delivery is retried; this one is " + std::string(to_string((*s)->status)),
          "", "not_dead", false});
    }
    log::info("dead delivery requeued", {{"delivery", id}, {"by", who->subject()}});
    auto now = repo_.get(id);
    if (!now || !*now) return http::Response::empty(202);
    return http::Response::json(200, to_json(**now));
  });
}

}  // namespace tongban::notify

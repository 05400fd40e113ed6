// notify: delegation's case events become messages to applicants and staff. The consumer
// turns each event into deliveries stored in Redis (before its offset commits); the
// dispatcher sends due deliveries over their channel and retries with backoff until they
// are delivered or dead; the API serves preferences, an applicant's history and the dead.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "channels/smtp.hpp"
#include "channels/webhook.hpp"
#include "domain/retry.hpp"
#include "domain/routing.hpp"
#include "domain/templates.hpp"
#include "repo/notify_repo.hpp"
#include "tongban/service/service.hpp"

namespace tongban::notify {

struct NotifyOptions {
  SmtpOptions smtp;        // smtp.host "" = no email channel
  WebhookOptions webhook;  // webhook.url "" = no webhook channel
  StaffDirectory staff;
  RetryPolicy retry;
  std::chrono::milliseconds poll{500};                   // dispatcher's look for due work
  std::chrono::milliseconds retention{90LL * 86400000};  // finished deliveries kept
  std::string group = "notify";  // consumer group of the case events ("<group>.catalog" too)
};

// Reads the TONGBAN_NOTIFY_* knobs (documented in services/notify/README.md) and loads the
// templates (embedded, or TONGBAN_NOTIFY_TEMPLATES). An error names the knob or template.
Result<std::pair<NotifyOptions, Templates>> load_options(service::Env& env);

// The embedded templates of a language (templates/<language>.txt).
std::string_view embedded_templates(Language l);

class Notify {
 public:
  Notify(service::Service& svc, NotifyOptions options, Templates templates);
  ~Notify();
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;

  void add_routes();
  void add_consumers();
  // The dispatcher thread: started with the service, stopped (after the send in hand) at
  // shutdown before the Redis client goes.
  void add_dispatcher();

 private:
  Result<void> on_case_event(const bus::Envelope& e);
  Result<void> on_catalog_event(const bus::Envelope& e);
  ChannelsConfigured channels() const;
  // One pass over the due deliveries; how many were attempted.
  std::size_t dispatch_once(const std::stop_token& stop);
  void dispatch_loop(const std::stop_token& stop);
  void attempt(const Stored& s, const std::string& token);
  MessageChannel* channel_for(Channel c);

  service::Service& svc_;
  NotifyOptions options_;
  Templates templates_;
  NotifyRepo repo_;
  std::unique_ptr<SmtpChannel> smtp_;
  std::unique_ptr<WebhookChannel> webhook_;
  std::chrono::milliseconds lease_;

  prometheus::Family<prometheus::Counter>* queued_ = nullptr;
  prometheus::Family<prometheus::Counter>* attempts_ = nullptr;
  prometheus::Family<prometheus::Counter>* deaths_ = nullptr;
  prometheus::Gauge* pending_gauge_ = nullptr;
  prometheus::Gauge* dead_gauge_ = nullptr;

  // Declared last: joined (in the shutdown step or here) before the members it uses go.
  std::jthread dispatcher_;
};

}  // namespace tongban::notify

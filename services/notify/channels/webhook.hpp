// The webhook channel: each delivery is one JSON POST to the configured URL (an app's
// message gateway, an SMS bridge, a chat bot). The receiver can drop repeats by the
// Idempotency-Key header (the delivery id) and check the X-Tongban-Signature header
// (HMAC-SHA256 of the body with the shared secret) when one is configured.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <string>

#include "channels/channel.hpp"

namespace tongban::notify {

struct WebhookOptions {
  std::string url;     // http://host:port/path; "" = the webhook channel is off
  std::string secret;  // HMAC key; "" = unsigned
  std::chrono::milliseconds timeout{15000};
};

// The JSON body of a delivery (services/notify/README.md "Webhook").
boost::json::object webhook_body(const Delivery& d);
// "sha256=<hex HMAC-SHA256(secret, body)>".
std::string webhook_signature(std::string_view secret, std::string_view body);

class WebhookChannel final : public MessageChannel {
 public:
  explicit WebhookChannel(WebhookOptions options) : options_(std::move(options)) {}
  // 2xx: delivered. 408, 429, 5xx and transport failures: retried. Any other status: the
  // receiver refuses this message for good (not retried).
  Result<void> send(const Delivery& d) override;

 private:
  WebhookOptions options_;
};

}  // namespace tongban::notify

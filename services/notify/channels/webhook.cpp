#include "channels/webhook.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/json/serialize.hpp>

#include "tongban/core/clock.hpp"
#include "tongban/http/client.hpp"

namespace tongban::notify {

boost::json::object webhook_body(const Delivery& d) {
  return boost::json::object{{"id", d.id},
                             {"event_id", d.event_id},
                             {"event", d.event_kind},
                             {"case_id", d.case_id},
                             {"audience", to_string(d.audience)},
                             {"recipient", d.recipient},
                             {"language", to_string(d.language)},
                             {"title", d.subject},
                             {"text", d.body}};
}

std::string webhook_signature(std::string_view secret, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t len = 0;
  char digest[] = "SHA256";
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, secret.data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(),
                 mac.size(), &len)) {
    return "";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (std::size_t i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

Result<void> WebhookChannel::send(const Delivery& d) {
  http::ClientOptions co;
  co.request_timeout = options_.timeout;
  co.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(5000));
  co.response_body_limit = 64 * 1024;
  const http::Client client(co);
  auto body = webhook_body(d);
  body["sent_at"] = to_rfc3339(Clock::system().now());
  const auto text = boost::json::serialize(body);
  http::Headers headers{{"Content-Type", "application/json"},
                        {"Idempotency-Key", d.id},
                        {"X-Tongban-Event", d.event_kind}};
  if (!options_.secret.empty()) {
    headers.emplace_back("X-Tongban-Signature", webhook_signature(options_.secret, text));
  }
  auto r = client.request(http::Method::post, options_.url, headers, text);
  if (!r) return fail(std::move(r.error()));  // unavailable or timeout: retryable
  if (r->status >= 200 && r->status < 300) return {};
  const auto message = "webhook " + options_.url + ": HTTP " + std::to_string(r->status);
  if (r->status == 408 || r->status == 429 || r->status >= 500) {
    return fail(Error::unavailable(message));
  }
  return fail(Error{Errc::invalid_argument, message, "", "webhook_rejected", false});
}

}  // namespace tongban::notify

// The email channel: an SMTP client of our own over Boost.Asio (RFC 5321): EHLO (HELO as a
// fallback), optional STARTTLS (RFC 3207) with certificate and host-name checks, optional
// AUTH PLAIN (RFC 4616) only over TLS, MAIL FROM (BODY=8BITMIME when offered, RFC 6152),
// RCPT TO, DATA with dot-stuffing, QUIT. One session per message, one deadline per session.
#pragma once

#include <chrono>
#include <string>

#include "channels/channel.hpp"
#include "domain/mime.hpp"

namespace tongban::notify {

struct SmtpOptions {
  std::string host;  // "" = the email channel is off
  int port = 25;
  std::string from_address;
  std::string from_name;
  bool starttls = false;  // require STARTTLS (refuse to send in the clear)
  std::string ca_file;    // PEM bundle to verify the server; "" = the system's
  std::string username;   // AUTH PLAIN when set (needs starttls)
  std::string password;
  std::chrono::milliseconds timeout{15000};  // the whole session
};

// What the session learned and did, for tests and logs.
struct SmtpResult {
  bool eight_bit = false;  // the body went as 8bit (else base64)
  bool tls = false;
  std::string queued_as;  // the server's final reply text after DATA
};

// One message to m.to. Errors: Errc::unavailable/timeout (retryable) for transport failures
// and 4xx replies; Errc::invalid_argument (not retryable) for 5xx replies, naming the step
// and the server's reply.
Result<SmtpResult> smtp_send(const SmtpOptions& options, const EmailMessage& m);

class SmtpChannel final : public MessageChannel {
 public:
  explicit SmtpChannel(SmtpOptions options) : options_(std::move(options)) {}
  Result<void> send(const Delivery& d) override;

 private:
  SmtpOptions options_;
};

}  // namespace tongban::notify

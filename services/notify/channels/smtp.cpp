#include "channels/smtp.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <memory>
#include <optional>
#include <vector>

namespace tongban::notify {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A reply line is at most 512 octets (RFC 5321 §4.5.3.1.5); a server sending far more is
// broken or hostile.
constexpr std::size_t kReplyLimit = 64 * 1024;

struct Reply {
  int code = 0;
  std::string text;  // all lines, joined by " | "
  std::vector<std::string> lines;
};

Error refused(std::string_view step, const Reply& r) {
  // 4xx: transient (RFC 5321 §4.2.1), try again later; 5xx: permanent.
  const auto message = "smtp " + std::string(step) + ": " + std::to_string(r.code) + " " + r.text;
  if (r.code >= 400 && r.code < 500) return Error::unavailable(message);
  return Error{Errc::invalid_argument, message, "", "smtp_rejected", false};
}

// One SMTP session with a deadline over all of it: every asynchronous step runs the
// io_context until it completes or the deadline passes (then the socket is closed, which
// completes the step with an error) — the pattern of Asio's blocking_tcp_client example.
class Session {
 public:
  explicit Session(const SmtpOptions& o)
      : o_(o),
        deadline_(Clock::now() + o.timeout),
        socket_(ioc_),
        ssl_(asio::ssl::context::tls_client) {}

  Result<void> connect() {
    tcp::resolver resolver(ioc_);
    boost::system::error_code ec = asio::error::would_block;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(o_.host, std::to_string(o_.port),
                           [&](const boost::system::error_code& e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                           });
    if (auto ok = run(ec, "resolve"); !ok) return ok;
    ec = asio::error::would_block;
    asio::async_connect(socket_, endpoints,
                        [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    if (auto ok = run(ec, "connect"); !ok) return ok;
    socket_.set_option(tcp::no_delay(true));
    return {};
  }

  Result<void> starttls() {
    if (o_.ca_file.empty()) {
      ssl_.set_default_verify_paths();
    } else {
      boost::system::error_code ec;
      ssl_.load_verify_file(o_.ca_file, ec);
      if (ec) {
        return fail(Error{Errc::invalid_argument,
                          "smtp: CA file " + o_.ca_file + ": " + ec.message(), "", "smtp_tls",
                          false});
      }
    }
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, ssl_);
    tls_->set_verify_callback(asio::ssl::host_name_verification(o_.host));
    // SNI: servers with several certificates pick the one for this name.
    SSL_set_tlsext_host_name(tls_->native_handle(), o_.host.c_str());
    boost::system::error_code ec = asio::error::would_block;
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [&](const boost::system::error_code& e) { ec = e; });
    return run(ec, "TLS handshake");
  }

  Result<void> write(std::string_view data) {
    boost::system::error_code ec = asio::error::would_block;
    auto done = [&](const boost::system::error_code& e, std::size_t) { ec = e; };
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(data), done);
    } else {
      asio::async_write(socket_, asio::buffer(data), done);
    }
    return run(ec, "write");
  }

  Result<Reply> read_reply() {
    Reply r;
    while (true) {
      auto line = read_line();
      if (!line) return fail(std::move(line.error()));
      // "250-..." continues, "250 ..." (or a bare "250") ends the reply.
      if (line->size() < 3 || !std::isdigit(static_cast<unsigned char>((*line)[0])) ||
          !std::isdigit(static_cast<unsigned char>((*line)[1])) ||
          !std::isdigit(static_cast<unsigned char>((*line)[2])) ||
          (line->size() > 3 && (*line)[3] != ' ' && (*line)[3] != '-')) {
        return fail(Error::unavailable("smtp: not a reply line: " + line->substr(0, 80)));
      }
      const int code = std::stoi(line->substr(0, 3));
      if (r.code != 0 && code != r.code) {
        return fail(Error::unavailable("smtp: reply lines with different codes"));
      }
      r.code = code;
      const auto text = line->size() > 4 ? line->substr(4) : std::string();
      r.lines.push_back(text);
      r.text += (r.text.empty() ? "" : " | ") + text;
      if (line->size() == 3 || (*line)[3] == ' ') return r;
    }
  }

  Result<Reply> command(std::string_view line) {
    std::string out(line);
    out += "\r\n";
    if (auto ok = write(out); !ok) return fail(std::move(ok.error()));
    return read_reply();
  }

  bool tls() const { return tls_ != nullptr; }

  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  Result<std::string> read_line() {
    auto eol = buffer_.find("\r\n");
    if (eol == std::string::npos) {
      boost::system::error_code ec = asio::error::would_block;
      auto done = [&](const boost::system::error_code& e, std::size_t) { ec = e; };
      if (tls_) {
        asio::async_read_until(*tls_, asio::dynamic_buffer(buffer_, kReplyLimit), "\r\n", done);
      } else {
        asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, kReplyLimit), "\r\n", done);
      }
      if (auto ok = run(ec, "read"); !ok) return fail(std::move(ok.error()));
      eol = buffer_.find("\r\n");
      if (eol == std::string::npos) return fail(Error::unavailable("smtp: no line end"));
    }
    auto line = buffer_.substr(0, eol);
    buffer_.erase(0, eol + 2);
    return line;
  }

  // Runs the io_context until the pending operation sets `ec` or the deadline passes.
  Result<void> run(boost::system::error_code& ec, std::string_view step) {
    const auto left = deadline_ - Clock::now();
    if (left > Clock::duration::zero()) {
      ioc_.restart();
      ioc_.run_for(left);
    }
    if (!ioc_.stopped() || ec == asio::error::would_block) {
      // Deadline: closing the socket completes the operation (operation_aborted).
      close();
      ioc_.restart();
      ioc_.run();
      return fail(Error::timeout("smtp " + std::string(step) + ": no answer within " +
                                 std::to_string(o_.timeout.count()) + " ms"));
    }
    if (ec) {
      return fail(Error::unavailable("smtp " + std::string(step) + " " + o_.host + ":" +
                                     std::to_string(o_.port) + ": " + ec.message()));
    }
    return {};
  }

  const SmtpOptions& o_;
  Clock::time_point deadline_;
  asio::io_context ioc_;
  tcp::socket socket_;
  asio::ssl::context ssl_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;  // set after STARTTLS
  std::string buffer_;
};

struct Extensions {
  bool eight_bit = false;
  bool starttls = false;
  bool auth_plain = false;
};

Extensions extensions_of(const Reply& ehlo) {
  Extensions x;
  // The first line is the greeting; the others name one extension each.
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string upper;
    for (char c : ehlo.lines[i])
      upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "8BITMIME") x.eight_bit = true;
    if (upper == "STARTTLS") x.starttls = true;
    if (upper.starts_with("AUTH ") && (upper + " ").find(" PLAIN ") != std::string::npos) {
      x.auth_plain = true;
    }
  }
  return x;
}

std::string helo_domain(const SmtpOptions& o) {
  const auto at = o.from_address.rfind('@');
  return at == std::string::npos ? std::string("localhost") : o.from_address.substr(at + 1);
}

Result<Extensions> greet(Session& s, const SmtpOptions& o) {
  auto ehlo = s.command("EHLO " + helo_domain(o));
  if (!ehlo) return fail(std::move(ehlo.error()));
  if (ehlo->code == 250) return extensions_of(*ehlo);
  // A server without ESMTP (500/502): HELO, and no extensions.
  if (ehlo->code == 500 || ehlo->code == 502) {
    auto helo = s.command("HELO " + helo_domain(o));
    if (!helo) return fail(std::move(helo.error()));
    if (helo->code != 250) return fail(refused("HELO", *helo));
    return Extensions{};
  }
  return fail(refused("EHLO", *ehlo));
}

Result<SmtpResult> session(Session& s, const SmtpOptions& o, const EmailMessage& m) {
  SmtpResult result;
  if (auto ok = s.connect(); !ok) return fail(std::move(ok.error()));
  auto greeting = s.read_reply();
  if (!greeting) return fail(std::move(greeting.error()));
  if (greeting->code != 220) return fail(refused("greeting", *greeting));
  auto ext = greet(s, o);
  if (!ext) return fail(std::move(ext.error()));
  if (o.starttls) {
    if (!ext->starttls) {
      return fail(Error::unavailable("smtp: " + o.host + " does not offer STARTTLS"));
    }
    auto go = s.command("STARTTLS");
    if (!go) return fail(std::move(go.error()));
    if (go->code != 220) return fail(refused("STARTTLS", *go));
    if (auto ok = s.starttls(); !ok) return fail(std::move(ok.error()));
    result.tls = true;
    // RFC 3207 §4.2: forget what was learned in the clear and ask again.
    ext = greet(s, o);
    if (!ext) return fail(std::move(ext.error()));
  }
  if (!o.username.empty()) {
    if (!s.tls()) {
      return fail(
          Error{Errc::invalid_argument, "smtp: AUTH only over TLS", "", "smtp_auth", false});
    }
    if (!ext->auth_plain) {
      return fail(Error{Errc::invalid_argument, "smtp: " + o.host + " does not offer AUTH PLAIN",
                        "", "smtp_auth", false});
    }
    std::string creds;
    creds += '\0';
    creds += o.username;
    creds += '\0';
    creds += o.password;
    auto auth = s.command("AUTH PLAIN " + base64(creds));
    if (!auth) return fail(std::move(auth.error()));
    if (auth->code != 235) return fail(refused("AUTH", *auth));
  }
  result.eight_bit = ext->eight_bit && fits_8bit(m.body);
  auto mail =
      s.command("MAIL FROM:<" + o.from_address + ">" + (result.eight_bit ? " BODY=8BITMIME" : ""));
  if (!mail) return fail(std::move(mail.error()));
  if (mail->code != 250) return fail(refused("MAIL FROM", *mail));
  auto rcpt = s.command("RCPT TO:<" + m.to + ">");
  if (!rcpt) return fail(std::move(rcpt.error()));
  if (rcpt->code != 250 && rcpt->code != 251) return fail(refused("RCPT TO", *rcpt));
  auto data = s.command("DATA");
  if (!data) return fail(std::move(data.error()));
  if (data->code != 354) return fail(refused("DATA", *data));
  if (auto ok = s.write(dot_stuff(format_email(m, result.eight_bit)) + ".\r\n"); !ok) {
    return fail(std::move(ok.error()));
  }
  auto queued = s.read_reply();
  if (!queued) return fail(std::move(queued.error()));
  if (queued->code != 250) return fail(refused("end of DATA", *queued));
  result.queued_as = queued->text;
  // The message is the server's now; a failed QUIT changes nothing.
  (void)s.command("QUIT");
  return result;
}

}  // namespace

Result<SmtpResult> smtp_send(const SmtpOptions& options, const EmailMessage& m) {
  if (options.host.empty()) {
    return fail(
        Error{Errc::invalid_argument, "smtp: no host configured", "", "smtp_config", false});
  }
  Session s(options);
  auto r = session(s, options, m);
  s.close();
  return r;
}

Result<void> SmtpChannel::send(const Delivery& d) {
  const auto at = options_.from_address.rfind('@');
  EmailMessage m;
  m.from_name = options_.from_name;
  m.from_address = options_.from_address;
  m.to = d.address;
  m.subject = d.subject;
  m.body = d.body;
  // Stable per delivery: a message sent twice (a crash between sending and recording it)
  // carries the same Message-ID, which mail systems use to drop the copy.
  m.message_id =
      d.id + "@" + (at == std::string::npos ? "tongban" : options_.from_address.substr(at + 1));
  m.date = std::chrono::system_clock::now();
  m.case_id = d.case_id;
  m.event = d.event_kind;
  auto r = smtp_send(options_, m);
  if (!r) return fail(std::move(r.error()));
  return {};
}

}  // namespace tongban::notify

#include "domain/preferences.hpp"

#include <boost/json/parse.hpp>

#include "tongban/core/json.hpp"

namespace tongban::notify {
namespace {

bool atext(char c) {
  // RFC 5322 atext (ASCII letters, digits and these symbols).
  static constexpr std::string_view kSymbols = "!#$%&'*+-/=?^_`{|}~";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kSymbols.find(c) != std::string_view::npos;
}

bool ldh_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool valid_email(std::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  const auto at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const auto local = a.substr(0, at);
  const auto domain = a.substr(at + 1);
  // dot-atom: atext runs separated by single dots.
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (c != '.' && !atext(c)) return false;
  }
  // At least two labels: a bare host name is no one's public mailbox.
  if (domain.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    if (!ldh_label(domain.substr(start, dot - start))) return false;
    start = dot + 1;
  }
  return true;
}

Result<Preferences> parse_preferences(const boost::json::object& body) {
  for (const auto& [k, v] : body) {
    if (k != "channels" && k != "email" && k != "language") {
      return fail(Error::invalid(std::string(k), "unknown_member",
                                 std::string(k) + " is not a preference (channels, email, "
                                                  "language)"));
    }
  }
  const json::Reader r(body);
  Preferences p;
  auto channels = r.object("channels");
  if (!channels) return fail(std::move(channels.error()));
  for (const auto& [k, v] : **channels) {
    if (!parse_channel(k)) {
      return fail(Error::invalid("channels." + std::string(k), "unknown_channel",
                                 "channels has email and webhook only"));
    }
  }
  const json::Reader cr(**channels, "channels");
  auto email_on = cr.boolean("email");
  if (!email_on) return fail(std::move(email_on.error()));
  auto webhook_on = cr.boolean("webhook");
  if (!webhook_on) return fail(std::move(webhook_on.error()));
  p.email_on = *email_on;
  p.webhook_on = *webhook_on;

  if (const auto* e = body.if_contains("email"); e && !e->is_null()) {
    if (!e->is_string()) {
      return fail(Error::invalid("email", "type", "email must be a string or null"));
    }
    const std::string_view address = e->get_string();
    if (address.size() > 254) {
      return fail(Error::invalid("email", "max_length", "email is at most 254 characters"));
    }
    if (!valid_email(address)) {
      return fail(
          Error::invalid("email", "email_format", "email must be an address like name@example.cn"));
    }
    p.email = std::string(address);
  }
  if (p.email_on && p.email.empty()) {
    return fail(Error::invalid("email", "required_for_email_channel",
                               "give an email address, or set channels.email to false"));
  }

  auto language = r.string("language", 1, 8);
  if (!language) return fail(std::move(language.error()));
  auto l = parse_language(*language);
  if (!l) return fail(Error::invalid("language", "enum", "language must be one of: zh, en"));
  p.language = *l;
  return p;
}

boost::json::object to_json(const Preferences& p) {
  return boost::json::object{
      {"channels", {{"email", p.email_on}, {"webhook", p.webhook_on}}},
      {"email", p.email.empty() ? boost::json::value(nullptr) : boost::json::value(p.email)},
      {"language", to_string(p.language)},
      {"updated_at",
       p.updated_at.empty() ? boost::json::value(nullptr) : boost::json::value(p.updated_at)}};
}

Result<Preferences> preferences_from_json(std::string_view stored) {
  boost::system::error_code ec;
  auto v = boost::json::parse(stored, ec);
  if (ec || !v.is_object()) return fail(Error::internal("stored preferences are not JSON"));
  const auto& o = v.get_object();
  Preferences p;
  if (const auto* c = o.if_contains("channels"); c && c->is_object()) {
    const auto& ch = c->get_object();
    if (const auto* b = ch.if_contains("email"); b && b->is_bool()) p.email_on = b->get_bool();
    if (const auto* b = ch.if_contains("webhook"); b && b->is_bool()) p.webhook_on = b->get_bool();
  }
  if (const auto* e = o.if_contains("email"); e && e->is_string()) p.email = e->get_string();
  if (const auto* l = o.if_contains("language"); l && l->is_string()) {
    p.language = parse_language(l->get_string()).value_or(Language::zh);
  }
  if (const auto* u = o.if_contains("updated_at"); u && u->is_string()) {
    p.updated_at = u->get_string();
  }
  return p;
}

}  // namespace tongban::notify

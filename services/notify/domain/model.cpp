#include "domain/model.hpp"

#include <openssl/evp.h>

#include <array>

namespace tongban::notify {
namespace {

std::string member(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string_view to_string(Channel c) { return c == Channel::email ? "email" : "webhook"; }
std::string_view to_string(Audience a) { return a == Audience::applicant ? "applicant" : "staff"; }
std::string_view to_string(Language l) { return l == Language::zh ? "zh" : "en"; }

std::optional<Channel> parse_channel(std::string_view s) {
  if (s == "email") return Channel::email;
  if (s == "webhook") return Channel::webhook;
  return std::nullopt;
}

std::optional<Audience> parse_audience(std::string_view s) {
  if (s == "applicant") return Audience::applicant;
  if (s == "staff") return Audience::staff;
  return std::nullopt;
}

std::optional<Language> parse_language(std::string_view s) {
  if (s == "zh") return Language::zh;
  if (s == "en") return Language::en;
  return std::nullopt;
}

std::optional<std::string_view> case_event_kind(std::string_view type) {
  static constexpr std::string_view kPrefix = "tongban.delegation.";
  static constexpr std::string_view kSuffix = ".v1";
  if (!type.starts_with(kPrefix) || !type.ends_with(kSuffix)) return std::nullopt;
  const auto kind = type.substr(kPrefix.size(), type.size() - kPrefix.size() - kSuffix.size());
  if (!kind.starts_with("case_")) return std::nullopt;
  return kind;
}

Result<std::optional<CaseEvent>> read_case_event(std::string_view event_id, std::string_view type,
                                                 const boost::json::value& data) {
  const auto kind = case_event_kind(type);
  if (!kind) return std::nullopt;
  if (!data.is_object()) {
    return fail(Error::invalid("data", "type", "a case event's data must be an object"));
  }
  const auto& o = data.get_object();
  CaseEvent e;
  e.event_id = std::string(event_id);
  e.kind = std::string(*kind);
  // What every case event carries (CaseTransition's required members).
  for (auto [key, out] :
       {std::pair{"case_id", &e.case_id}, std::pair{"applicant", &e.applicant},
        std::pair{"receiving_city", &e.receiving_city},
        std::pair{"accepting_city", &e.accepting_city}, std::pair{"item_code", &e.item_code},
        std::pair{"state", &e.state}, std::pair{"at", &e.at}}) {
    *out = member(o, key);
    if (out->empty()) {
      return fail(Error::invalid(std::string("data.") + key, "required",
                                 std::string("a case event carries ") + key));
    }
  }
  e.reason = member(o, "reason");
  e.stage = member(o, "stage");
  e.due = member(o, "due");
  if (const auto* result = o.if_contains("result"); result && result->is_object()) {
    e.result_title = member(result->get_object(), "title");
  }
  return e;
}

std::string delivery_id(std::string_view event_id, Channel channel, std::string_view recipient) {
  std::string input;
  input.append(event_id).append("\n").append(to_string(channel)).append("\n").append(recipient);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 16 && i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

std::string staff_recipient(std::string_view city) { return "city:" + std::string(city); }

}  // namespace tongban::notify

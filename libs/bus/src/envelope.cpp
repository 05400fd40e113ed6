#include "tongban/bus/envelope.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <vector>

#include "tongban/core/ids.hpp"
#include "tongban/core/json.hpp"
#include "tongban/core/json_sax.hpp"

namespace tongban::bus {
namespace {

constexpr std::string_view kSpecVersion = "1.0";
constexpr std::string_view kContentType = "application/json";
constexpr std::size_t kMaxAttribute = 1024;

bool is_lower_word(std::string_view s) {
  if (s.empty() || !(s.front() >= 'a' && s.front() <= 'z')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool is_version_segment(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v' || s[1] < '1' || s[1] > '9') return false;
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// tongban.<service>.<event>[.<more>].v<N>: the service segment tells a consumer who
// owns the event, the version lets a payload change shape without breaking readers.
bool is_event_type(std::string_view type) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = type.find('.', start);
    parts.push_back(type.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 4 || parts.front() != "tongban" || !is_version_segment(parts.back())) {
    return false;
  }
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    if (!is_lower_word(parts[i])) return false;
  }
  return true;
}

Error attribute_error(std::string_view attr, std::string rule, std::string message) {
  return Error::invalid(std::string(attr), std::move(rule),
                        "event attribute '" + std::string(attr) + "' " + message);
}

Result<std::string> required_string(const boost::json::object& obj, std::string_view attr) {
  auto it = obj.find(attr);
  if (it == obj.end() || it->value().is_null()) {
    return fail(attribute_error(attr, "required", "is required"));
  }
  if (!it->value().is_string()) {
    return fail(attribute_error(attr, "type", "must be a string"));
  }
  const auto& s = it->value().get_string();
  if (s.empty()) return fail(attribute_error(attr, "min_length", "must not be empty"));
  if (s.size() > kMaxAttribute) {
    return fail(attribute_error(
        attr, "max_length", "must be at most " + std::to_string(kMaxAttribute) + " characters"));
  }
  return std::string(s);
}

}  // namespace

Envelope Envelope::make(std::string source, std::string type, std::string subject,
                        boost::json::value data, const Clock& clock) {
  Envelope e;
  e.id = ids::uuid_v7();
  e.source = std::move(source);
  e.type = std::move(type);
  e.subject = std::move(subject);
  // The wire format carries milliseconds; truncating here makes encode/decode exact.
  e.time = std::chrono::floor<std::chrono::milliseconds>(clock.now());
  e.data = data.is_null() ? boost::json::value(boost::json::object{}) : std::move(data);
  return e;
}

std::string encode(const Envelope& e) {
  // Written out directly: putting `data` into an envelope object first copied every event's
  // whole payload once more before serialising it.
  std::string out;
  out.reserve(192);
  const auto attribute = [&out](std::string_view name, std::string_view value) {
    out.append(out.empty() ? "{\"" : ",\"").append(name).append("\":");
    out.append(boost::json::serialize(boost::json::string_view(value.data(), value.size())));
  };
  attribute("specversion", kSpecVersion);
  attribute("id", e.id);
  attribute("source", e.source);
  attribute("type", e.type);
  attribute("subject", e.subject);
  attribute("time", to_rfc3339(e.time));
  attribute("datacontenttype", kContentType);
  out.append(",\"data\":").append(boost::json::serialize(e.data)).append("}");
  return out;
}

namespace {

// basic_parser's handler for peek_head: records the top-level source and type (the first
// of each) and stops the parse, by failing it, once it has both.
struct HeadHandler : json::SaxDefaults {
  int depth = 0;
  std::string key, text;
  std::optional<std::string>* wanted = nullptr;  // what the current top-level value fills
  std::optional<std::string> source, type;

  bool nested(int step) {
    depth += step;
    wanted = nullptr;
    return true;
  }
  bool on_object_begin(ec_t&) { return nested(1); }
  bool on_object_end(std::size_t, ec_t&) { return nested(-1); }
  bool on_array_begin(ec_t&) { return nested(1); }
  bool on_array_end(std::size_t, ec_t&) { return nested(-1); }
  bool on_key_part(sv s, std::size_t, ec_t&) {
    if (depth == 1) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(sv s, std::size_t, ec_t&) {
    if (depth != 1) return true;
    key.append(s.data(), s.size());
    wanted = key == "source" && !source ? &source : key == "type" && !type ? &type : nullptr;
    key.clear();
    text.clear();
    return true;
  }
  bool on_string_part(sv s, std::size_t, ec_t&) {
    if (depth == 1 && wanted) text.append(s.data(), s.size());
    return true;
  }
  bool on_string(sv s, std::size_t, ec_t& ec) {
    if (depth != 1 || !wanted) return true;
    text.append(s.data(), s.size());
    *wanted = std::move(text);
    wanted = nullptr;
    if (source && type) {
      ec = boost::system::errc::make_error_code(boost::system::errc::operation_canceled);
      return false;
    }
    return true;
  }
  bool scalar() {  // "type": 5 is no type
    wanted = nullptr;
    return true;
  }
  bool on_int64(std::int64_t, sv, ec_t&) { return scalar(); }
  bool on_uint64(std::uint64_t, sv, ec_t&) { return scalar(); }
  bool on_double(double, sv, ec_t&) { return scalar(); }
  bool on_bool(bool, ec_t&) { return scalar(); }
  bool on_null(ec_t&) { return scalar(); }
};

}  // namespace

std::optional<EnvelopeHead> peek_head(std::string_view text) {
  if (text.empty()) return std::nullopt;
  boost::json::basic_parser<HeadHandler> parser{boost::json::parse_options{}};
  boost::system::error_code ec;
  parser.write_some(false, text.data(), text.size(), ec);
  auto& h = parser.handler();
  if (!h.source || !h.type) return std::nullopt;
  return EnvelopeHead{std::move(*h.source), std::move(*h.type)};
}

Result<Envelope> decode(std::string_view text) {
  // The whole document lives in one arena that `data` keeps alive: a consumer decodes every
  // event it reads, and a heap allocation per string and object was a quarter of the portal's
  // CPU. The arena's first block is sized from the text so most events take one allocation.
  auto parsed = json::parse(
      text,
      boost::json::make_shared_resource<boost::json::monotonic_resource>(2 * text.size() + 512));
  if (!parsed) {
    return fail(Error{Errc::malformed, "event is not valid JSON: " + parsed.error().message,
                      "envelope", "json_syntax", false});
  }
  if (!parsed->is_object()) {
    return fail(Error{Errc::malformed, "event must be a JSON object (structured CloudEvent)",
                      "envelope", "type", false});
  }
  auto& obj = parsed->get_object();

  auto specversion = required_string(obj, "specversion");
  if (!specversion) return fail(std::move(specversion.error()));
  if (*specversion != kSpecVersion) {
    return fail(attribute_error("specversion", "specversion",
                                "must be \"1.0\", got \"" + *specversion + "\""));
  }

  Envelope e;
  auto id = required_string(obj, "id");
  if (!id) return fail(std::move(id.error()));
  e.id = std::move(*id);

  auto source = required_string(obj, "source");
  if (!source) return fail(std::move(source.error()));
  if (!boost::urls::parse_uri_reference(*source)) {
    return fail(attribute_error("source", "uri_reference",
                                "must be a URI-reference such as /tongban/<service>"));
  }
  e.source = std::move(*source);

  auto type = required_string(obj, "type");
  if (!type) return fail(std::move(type.error()));
  if (!is_event_type(*type)) {
    return fail(
        attribute_error("type", "event_type",
                        "must look like tongban.<service>.<event>.v<N>, got \"" + *type + "\""));
  }
  e.type = std::move(*type);

  // Optional in CloudEvents, required here: it is the aggregate id and the partition key.
  auto subject = required_string(obj, "subject");
  if (!subject) return fail(std::move(subject.error()));
  e.subject = std::move(*subject);

  auto time = required_string(obj, "time");
  if (!time) return fail(std::move(time.error()));
  if (!parse_rfc3339(*time, e.time)) {
    return fail(
        attribute_error("time", "rfc3339", "must be an RFC 3339 timestamp, got \"" + *time + "\""));
  }

  if (auto it = obj.find("datacontenttype"); it != obj.end() && !it->value().is_null()) {
    const auto* ct = it->value().if_string();
    // Parameters such as "; charset=utf-8" are allowed; the media type must be JSON.
    if (ct == nullptr || std::string_view(*ct).substr(0, ct->find(';')) != kContentType) {
      return fail(attribute_error("datacontenttype", "media_type", "must be application/json"));
    }
  }

  auto data = obj.find("data");
  if (data == obj.end() || data->value().is_null()) {
    return fail(attribute_error("data", "required", "is required"));
  }
  if (!data->value().is_object()) {
    return fail(attribute_error("data", "type", "must be a JSON object"));
  }
  // Moved, arena and all: assigning would copy the document into the default heap.
  return Envelope{std::move(e.id), std::move(e.source),     std::move(e.type), std::move(e.subject),
                  e.time,          std::move(data->value())};
}

OutgoingMessage to_message(std::string topic, const Envelope& e,
                           const std::optional<TraceContext>& trace) {
  OutgoingMessage m{std::move(topic), e.subject, encode(e), {}};
  if (trace) m.headers.emplace_back(kTraceparentHeader, trace->header());
  return m;
}

std::string topic_name(std::string_view service, std::string_view stream, int version) {
  std::string name = "tongban.";
  name.append(service).append(".").append(stream).append(".v").append(std::to_string(version));
  return name;
}

std::string dlq_topic(std::string_view topic) { return std::string(topic) + ".dlq"; }

}  // namespace tongban::bus

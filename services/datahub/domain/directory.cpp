#include "domain/directory.hpp"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <cctype>
#include <set>

#include "tongban/core/json.hpp"

namespace tongban::datahub {
namespace {

constexpr std::array<std::string_view, 7> kFrequencies = {
    "realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "on_change"};

bool is_field_name(std::string_view s) {
  if (s.empty() || s.size() > 64 || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<std::optional<Clock::time_point>> optional_time(const json::Reader& r,
                                                       std::string_view key) {
  auto s = r.optional_string(key, 64);
  if (!s) return fail(std::move(s.error()));
  if (!*s) return std::optional<Clock::time_point>{};
  Clock::time_point t;
  if (!parse_rfc3339(**s, t)) {
    return fail(Error::invalid(r.field_name(key), "rfc3339",
                               r.field_name(key) + " must be an RFC 3339 time"));
  }
  return std::optional<Clock::time_point>{t};
}

Result<Clock::time_point> required_time(const json::Reader& r, std::string_view key) {
  auto t = optional_time(r, key);
  if (!t) return fail(std::move(t.error()));
  if (!*t)
    return fail(Error::invalid(std::string(key), "required", std::string(key) + " is required"));
  return **t;
}

}  // namespace

std::string_view to_string(UpdateFrequency f) { return kFrequencies[static_cast<int>(f)]; }

std::optional<UpdateFrequency> parse_update_frequency(std::string_view text) {
  for (std::size_t i = 0; i < kFrequencies.size(); ++i) {
    if (kFrequencies[i] == text) return static_cast<UpdateFrequency>(i);
  }
  return std::nullopt;
}

bool is_resource_id(std::string_view id) {
  if (id.size() < 3 || id.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

Result<ResourceEntry> read_resource(const boost::json::object& body, const Department& owner,
                                    Clock::time_point now) {
  const json::Reader r(body);
  ResourceEntry e;
  auto id = r.string("id", 1, 64);
  if (!id) return fail(std::move(id.error()));
  if (!is_resource_id(*id)) {
    return fail(Error::invalid("id", "resource_id",
                               "id must be 3 to 64 of a-z, 0-9, '.', '_' or '-', starting with a "
                               "letter or digit"));
  }
  auto name = r.string("name", 1, 200);
  if (!name) return fail(std::move(name.error()));
  auto description = r.optional_string("description", 2000);
  if (!description) return fail(std::move(description.error()));
  auto sharing = r.one_of("sharing_class", {"unconditional", "conditional", "not_shared"});
  if (!sharing) return fail(std::move(sharing.error()));
  auto frequency = r.one_of("update_frequency", {"realtime", "daily", "weekly", "monthly",
                                                 "quarterly", "yearly", "on_change"});
  if (!frequency) return fail(std::move(frequency.error()));
  auto fields = r.array("fields", 1, 200);
  if (!fields) return fail(std::move(fields.error()));
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < (*fields)->size(); ++i) {
    const auto& v = (**fields)[i];
    const std::string path = "fields/" + std::to_string(i);
    if (!v.is_object()) {
      return fail(Error::invalid(path, "type", path + " must be an object"));
    }
    const json::Reader fr(v.get_object(), path);
    auto fname = fr.string("name", 1, 64);
    if (!fname) return fail(std::move(fname.error()));
    if (!is_field_name(*fname)) {
      return fail(Error::invalid(fr.field_name("name"), "field_name",
                                 "field names are 1 to 64 of a-z, 0-9 and '_', starting with a "
                                 "letter"));
    }
    if (!seen.insert(*fname).second) {
      return fail(Error::invalid(fr.field_name("name"), "duplicate_field",
                                 "field " + *fname + " is named twice"));
    }
    auto fdesc = fr.optional_string("description", 200);
    if (!fdesc) return fail(std::move(fdesc.error()));
    e.fields.push_back({*fname, fdesc->value_or("")});
    e.core.fields.push_back(*fname);
  }
  e.core.id = std::move(*id);
  e.core.owner = owner;
  e.core.sharing = *parse_sharing_class(*sharing);
  e.name = std::move(*name);
  e.description = description->value_or("");
  e.update_frequency = *parse_update_frequency(*frequency);
  e.registered_at = now;
  return e;
}

boost::json::object to_json(const ResourceEntry& r) {
  boost::json::array fields;
  for (const auto& f : r.fields) {
    fields.push_back(boost::json::object{{"name", f.name}, {"description", f.description}});
  }
  return {{"id", r.core.id},
          {"name", r.name},
          {"description", r.description},
          {"owner", {{"city", r.core.owner.city}, {"department", r.core.owner.department}}},
          {"sharing_class", to_string(r.core.sharing)},
          {"update_frequency", to_string(r.update_frequency)},
          {"fields", std::move(fields)},
          {"registered_at", to_rfc3339(r.registered_at)}};
}

Result<ResourceEntry> resource_from_json(const boost::json::object& o) {
  const auto* owner = o.if_contains("owner");
  if (!owner || !owner->is_object()) return fail(Error::internal("stored resource has no owner"));
  const json::Reader ow(owner->get_object(), "owner");
  auto city = ow.string("city");
  auto dept = ow.string("department");
  if (!city || !dept) return fail(Error::internal("stored resource owner is corrupt"));
  auto when = required_time(json::Reader(o), "registered_at");
  if (!when) return fail(Error::internal("stored resource time is corrupt"));
  auto e = read_resource(o, Department{*city, *dept}, *when);
  if (!e) return fail(Error::internal("stored resource is corrupt: " + e.error().message));
  return e;
}

Result<boost::json::object> read_record(const boost::json::object& body, const Resource& r) {
  const auto* values = body.if_contains("values");
  if (!values || !values->is_object()) {
    return fail(Error::invalid("values", "required", "values must be an object"));
  }
  for (const auto& [k, v] : values->get_object()) {
    const std::string path = "values/" + std::string(k);
    if (std::find(r.fields.begin(), r.fields.end(), std::string_view(k)) == r.fields.end()) {
      return fail(Error::invalid(path, "unknown_field",
                                 "resource " + r.id + " has no field " + std::string(k)));
    }
    const bool scalar = v.is_string() || v.is_number() || v.is_bool() || v.is_null();
    if (!scalar) {
      return fail(
          Error::invalid(path, "value_type", path + " must be a string, number, boolean or null"));
    }
    if (v.is_string() && v.get_string().size() > 4096) {
      return fail(Error::invalid(path, "max_length", path + " is longer than 4096 bytes"));
    }
  }
  return values->get_object();
}

boost::json::object filter_record(const boost::json::object& values,
                                  std::span<const std::string> fields) {
  boost::json::object out;
  for (const auto& f : fields) {
    const auto* v = values.if_contains(f);
    out[f] = v ? *v : boost::json::value(nullptr);
  }
  return out;
}

bool is_licence_type(std::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  return std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
           c == '-';
  });
}

Result<ELicence> read_licence(const boost::json::object& body, const Department& issuer,
                              Clock::time_point now) {
  const json::Reader r(body);
  ELicence l;
  auto subject = r.string("subject", 1, 64);
  if (!subject) return fail(std::move(subject.error()));
  auto type = r.string("type", 1, 64);
  if (!type) return fail(std::move(type.error()));
  if (!is_licence_type(*type)) {
    return fail(Error::invalid("type", "licence_type",
                               "type must be 1 to 64 of a-z, 0-9, '_', '.', ':' or '-'"));
  }
  auto title = r.string("title", 1, 200);
  if (!title) return fail(std::move(title.error()));
  auto number = r.string("number", 1, 64);
  if (!number) return fail(std::move(number.error()));
  auto until = optional_time(r, "valid_until");
  if (!until) return fail(std::move(until.error()));
  if (*until && **until <= now) {
    return fail(
        Error::invalid("valid_until", "already_expired", "valid_until must be in the future"));
  }
  l.subject = std::move(*subject);
  l.type = std::move(*type);
  l.title = std::move(*title);
  l.number = std::move(*number);
  l.issuer = issuer;
  l.issued_at = now;
  l.valid_until = *until;
  return l;
}

boost::json::object to_json(const ELicence& l) {
  boost::json::object o{{"id", l.id},
                        {"subject", l.subject},
                        {"type", l.type},
                        {"title", l.title},
                        {"number", l.number},
                        {"issuer", {{"city", l.issuer.city}, {"department", l.issuer.department}}},
                        {"issued_at", to_rfc3339(l.issued_at)},
                        {"valid_until", nullptr},
                        {"status", l.status == LicenceStatus::valid ? "valid" : "revoked"},
                        {"case_id", nullptr},
                        {"item_code", nullptr}};
  if (l.valid_until) o["valid_until"] = to_rfc3339(*l.valid_until);
  if (!l.case_id.empty()) o["case_id"] = l.case_id;
  if (!l.item_code.empty()) o["item_code"] = l.item_code;
  return o;
}

Result<ELicence> licence_from_json(const boost::json::object& o) {
  const json::Reader r(o);
  ELicence l;
  auto corrupt = [](const Error& e) {
    return fail(Error::internal("stored licence is corrupt: " + e.message));
  };
  for (auto [key, out] : {std::pair{"id", &l.id},
                          {"subject", &l.subject},
                          {"type", &l.type},
                          {"title", &l.title},
                          {"number", &l.number}}) {
    auto v = r.string(key);
    if (!v) return corrupt(v.error());
    *out = std::move(*v);
  }
  const auto* issuer = o.if_contains("issuer");
  if (!issuer || !issuer->is_object()) return fail(Error::internal("stored licence has no issuer"));
  const json::Reader ir(issuer->get_object());
  auto city = ir.string("city");
  auto dept = ir.string("department");
  if (!city) return corrupt(city.error());
  if (!dept) return corrupt(dept.error());
  l.issuer = Department{*city, *dept};
  auto issued = required_time(r, "issued_at");
  if (!issued) return corrupt(issued.error());
  l.issued_at = *issued;
  auto until = optional_time(r, "valid_until");
  if (!until) return corrupt(until.error());
  l.valid_until = *until;
  auto status = r.one_of("status", {"valid", "revoked"});
  if (!status) return corrupt(status.error());
  l.status = *status == "valid" ? LicenceStatus::valid : LicenceStatus::revoked;
  auto case_id = r.optional_string("case_id");
  auto item = r.optional_string("item_code");
  if (!case_id) return corrupt(case_id.error());
  if (!item) return corrupt(item.error());
  l.case_id = case_id->value_or("");
  l.item_code = item->value_or("");
  return l;
}

bool in_force(const ELicence& l, Clock::time_point now) {
  return l.status == LicenceStatus::valid && (!l.valid_until || *l.valid_until > now);
}

std::string result_licence_type(std::string_view named, std::string_view item_code) {
  if (is_licence_type(named)) return std::string(named);
  std::string t = "result:";
  for (char c : item_code) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t.push_back(is_licence_type(std::string_view(&lower, 1)) ? lower : '_');
  }
  return t.substr(0, 64);
}

std::vector<MaterialStatus> check_materials(std::span<const RequiredMaterial> required,
                                            std::span<const ELicence> held, Clock::time_point now) {
  std::vector<MaterialStatus> out;
  out.reserve(required.size());
  for (std::size_t i = 0; i < required.size(); ++i) {
    MaterialStatus s{i, &required[i], std::nullopt};
    if (!required[i].e_licence_type.empty()) {
      for (const auto& l : held) {
        if (l.type == required[i].e_licence_type && in_force(l, now)) {
          s.held_licence = l.id;
          break;
        }
      }
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace tongban::datahub

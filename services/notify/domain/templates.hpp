// Message templates: one per (event, audience, channel, language), read from data files
// (templates/<language>.txt, embedded; TONGBAN_NOTIFY_TEMPLATES may replace them) and
// checked whole at start-up: a section notify never sends, a missing one or an unknown
// {{placeholder}} stops the service with the file and line.
//
// File format (services/notify/README.md#templates):
//   # a comment line (anywhere)
//   == <event> <audience> <channel>       e.g. "== case_forwarded applicant email"
//   Subject: <one line>
//   <body lines, up to the next "==" line; blank lines around it are dropped>
#pragma once

#include <compare>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/model.hpp"

namespace tongban::notify {

struct TemplateKey {
  std::string kind;  // "case_forwarded"
  Audience audience = Audience::applicant;
  Channel channel = Channel::email;
  Language language = Language::zh;
  auto operator<=>(const TemplateKey&) const = default;
};

std::string to_string(const TemplateKey& k);  // "case_forwarded applicant email zh"

struct Template {
  std::string subject;
  std::string body;
  std::string origin;  // "zh.txt:12", for errors and logs
};

// The {{names}} a template may use; each is filled from the case event (or "" when the
// event does not carry it, e.g. reason).
std::span<const std::string_view> placeholders();

using Values = std::map<std::string, std::string, std::less<>>;

class Templates {
 public:
  struct File {
    Language language = Language::zh;
    std::string name;  // for errors: "zh.txt" or the override path
    std::string text;
  };
  // Parses every file and checks the set against `required` (per language): each required
  // key present, nothing else, every placeholder known. Errors: Errc::invalid_argument
  // naming "file:line" in `field` and the rule (unknown_placeholder, unclosed_placeholder,
  // missing_template, unexpected_template, duplicate_template, syntax).
  static Result<Templates> load(const std::vector<File>& files,
                                const std::vector<TemplateKey>& required);

  const Template* find(const TemplateKey& key) const;
  std::size_t size() const { return map_.size(); }

 private:
  std::map<TemplateKey, Template> map_;
};

// Replaces each {{name}} by values[name] ("" when absent). Placeholders were checked at
// load, so every name here is known.
std::string render(std::string_view text, const Values& values);

// The {{names}} used in `text`, in order; an error for "{{" without "}}" or a name that
// is not [a-z_]+. Exposed for the unit tests.
Result<std::vector<std::string>> placeholders_in(std::string_view text);

}  // namespace tongban::notify

#include "domain/templates.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace tongban::notify {
namespace {

constexpr std::array<std::string_view, 13> kPlaceholders = {
    "case_id", "item_code", "item_name", "receiving_city", "accepting_city", "state", "reason",
    "at",      "stage",     "due",       "result_title",   "applicant",      "event"};

bool is_known(std::string_view name) {
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), name) != kPlaceholders.end();
}

Error at_line(const std::string& origin, std::string rule, std::string message) {
  return Error::invalid(origin, std::move(rule), origin + ": " + message);
}

std::string trim_blank_lines(std::string s) {
  while (!s.empty() && (s.front() == '\n')) s.erase(s.begin());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::string to_string(const TemplateKey& k) {
  return k.kind + " " + std::string(to_string(k.audience)) + " " +
         std::string(to_string(k.channel)) + " " + std::string(to_string(k.language));
}

std::span<const std::string_view> placeholders() { return kPlaceholders; }

Result<std::vector<std::string>> placeholders_in(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    const auto end = text.find("}}", pos + 2);
    if (end == std::string_view::npos) {
      return fail(Error::invalid("template", "unclosed_placeholder", "\"{{\" without \"}}\""));
    }
    const auto name = text.substr(pos + 2, end - pos - 2);
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '_';
    });
    if (!ok) {
      return fail(Error::invalid("template", "placeholder_name",
                                 "placeholder {{" + std::string(name) + "}} is not [a-z_]+"));
    }
    out.emplace_back(name);
    pos = end + 2;
  }
  return out;
}

Result<Templates> Templates::load(const std::vector<File>& files,
                                  const std::vector<TemplateKey>& required) {
  Templates t;
  for (const auto& file : files) {
    std::optional<TemplateKey> key;
    Template current;
    bool have_subject = false;
    std::string section_origin;
    auto finish = [&]() -> Result<void> {
      if (!key) return {};
      if (!have_subject) {
        return fail(at_line(section_origin, "syntax", "a section starts with \"Subject: \""));
      }
      current.body = trim_blank_lines(std::move(current.body));
      if (current.body.empty()) return fail(at_line(section_origin, "syntax", "empty body"));
      for (const auto* text : {&current.subject, &current.body}) {
        auto names = placeholders_in(*text);
        if (!names) return fail(at_line(section_origin, names.error().rule, names.error().message));
        for (const auto& n : *names) {
          if (!is_known(n)) {
            std::string known;
            for (auto p : kPlaceholders) known += (known.empty() ? "" : ", ") + std::string(p);
            return fail(at_line(section_origin, "unknown_placeholder",
                                "unknown placeholder {{" + n + "}} (known: " + known + ")"));
          }
        }
      }
      current.origin = section_origin;
      if (!t.map_.emplace(*key, current).second) {
        return fail(at_line(section_origin, "duplicate_template",
                            "a second section for " + to_string(*key)));
      }
      key.reset();
      current = Template{};
      have_subject = false;
      return {};
    };
    std::size_t line_no = 0;
    std::size_t pos = 0;
    const std::string_view text = file.text;
    while (pos <= text.size()) {
      auto nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      auto line = text.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = nl + 1;
      ++line_no;
      const auto origin = file.name + ":" + std::to_string(line_no);
      if (line.starts_with("#")) continue;
      if (line.starts_with("==")) {
        if (auto ok = finish(); !ok) return fail(ok.error());
        const auto w = words(line.substr(2));
        auto audience = w.size() == 3 ? parse_audience(w[1]) : std::nullopt;
        auto channel = w.size() == 3 ? parse_channel(w[2]) : std::nullopt;
        if (!audience || !channel) {
          return fail(at_line(origin, "syntax",
                              "a section header is \"== <event> applicant|staff email|webhook\""));
        }
        key = TemplateKey{std::string(w[0]), *audience, *channel, file.language};
        section_origin = origin;
        continue;
      }
      if (!key) {
        if (!words(line).empty()) {
          return fail(at_line(origin, "syntax", "text before the first \"==\" section"));
        }
        continue;
      }
      if (!have_subject) {
        if (words(line).empty()) continue;
        if (!line.starts_with("Subject: ")) {
          return fail(at_line(origin, "syntax", "a section starts with \"Subject: \""));
        }
        current.subject = std::string(line.substr(9));
        have_subject = true;
        continue;
      }
      current.body.append(line).append("\n");
    }
    if (auto ok = finish(); !ok) return fail(ok.error());
  }
  const std::set<TemplateKey> wanted(required.begin(), required.end());
  for (const auto& [key, tmpl] : t.map_) {
    if (!wanted.contains(key)) {
      return fail(at_line(tmpl.origin, "unexpected_template",
                          to_string(key) + " is not a message notify sends (a typo?)"));
    }
  }
  for (const auto& key : required) {
    if (!t.map_.contains(key)) {
      return fail(
          Error::invalid("templates", "missing_template", "no template for " + to_string(key)));
    }
  }
  return t;
}

const Template* Templates::find(const TemplateKey& key) const {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

std::string render(std::string_view text, const Values& values) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("{{", pos);
    const auto close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out.append(text.substr(pos));
      return out;
    }
    out.append(text.substr(pos, open - pos));
    if (auto it = values.find(text.substr(open + 2, close - open - 2)); it != values.end()) {
      out.append(it->second);
    }
    pos = close + 2;
  }
}

}  // namespace tongban::notify

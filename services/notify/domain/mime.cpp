#include "domain/mime.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <vector>

namespace tongban::notify {
namespace {

// An encoded-word is "=?UTF-8?B?" + base64 + "?=" <= 75 characters: 63 base64 characters,
// so at most 45 bytes of text per word (60 characters of base64).
constexpr std::size_t kWordBytes = 45;

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return s.find("=?") == std::string_view::npos;
}

// Length of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte, so
// malformed input still advances).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string header_text(std::string_view utf8) {
  if (plain_ascii(utf8)) return std::string(utf8);
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < utf8.size()) {
    std::size_t end = start;
    while (end < utf8.size()) {
      const auto len = utf8_length(static_cast<unsigned char>(utf8[end]));
      if (end + len - start > kWordBytes) break;
      end += len;
    }
    if (end == start) end = std::min(utf8.size(), start + utf8_length(utf8[start]));
    words.push_back("=?UTF-8?B?" + base64(utf8.substr(start, end - start)) + "?=");
    start = end;
  }
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) out += "\r\n ";  // folding white space between encoded-words is not displayed
    out += words[i];
  }
  return out;
}

std::string mailbox(std::string_view display_name, std::string_view address) {
  if (display_name.empty()) return std::string(address);
  std::string name;
  if (plain_ascii(display_name)) {
    name = "\"";
    for (char c : display_name) {
      if (c == '"' || c == '\\') name += '\\';
      name += c;
    }
    name += "\"";
  } else {
    name = header_text(display_name);
  }
  return name + " <" + std::string(address) + ">";
}

std::string dot_stuff(std::string_view data) {
  std::string out;
  out.reserve(data.size() + data.size() / 32 + 2);
  bool line_start = true;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
      out += "\r\n";
      line_start = true;
      continue;
    }
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = false;
  }
  if (!line_start || out.empty()) out += "\r\n";
  return out;
}

bool fits_8bit(std::string_view body) {
  std::size_t line = 0;
  for (char c : body) {
    if (c == '\0') return false;
    if (c == '\n' || c == '\r') {
      line = 0;
    } else if (++line > 998) {
      return false;
    }
  }
  return true;
}

std::string rfc5322_date(std::chrono::system_clock::time_point t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::weekday wd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000", kDays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()));
  return buf;
}

std::string format_email(const EmailMessage& m, bool eight_bit) {
  std::string out;
  auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  header("Date", rfc5322_date(m.date));
  header("From", mailbox(m.from_name, m.from_address));
  header("To", m.to);
  header("Subject", header_text(m.subject));
  header("Message-ID", "<" + m.message_id + ">");
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=UTF-8");
  header("Content-Transfer-Encoding", eight_bit ? "8bit" : "base64");
  // RFC 3834: no vacation auto-replies to a machine.
  header("Auto-Submitted", "auto-generated");
  if (!m.case_id.empty()) header("X-Tongban-Case", m.case_id);
  if (!m.event.empty()) header("X-Tongban-Event", m.event);
  out += "\r\n";
  if (eight_bit) {
    // CRLF line ends; dot_stuff (at send time) keeps them.
    for (std::size_t i = 0; i < m.body.size(); ++i) {
      const char c = m.body[i];
      if (c == '\r' && i + 1 < m.body.size() && m.body[i + 1] == '\n') continue;
      if (c == '\n' || c == '\r') {
        out += "\r\n";
      } else {
        out += c;
      }
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
  } else {
    const auto encoded = base64(m.body);
    for (std::size_t i = 0; i < encoded.size(); i += 76) {
      out.append(encoded.substr(i, 76)).append("\r\n");
    }
  }
  return out;
}

}  // namespace tongban::notify

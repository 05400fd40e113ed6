// An email as SMTP carries it: RFC 5322 headers with RFC 2047 encoded-words for the
// Chinese (or any non-ASCII) text, a UTF-8 text/plain body, and the SMTP DATA
// transparency rule (RFC 5321 §4.5.2: a line starting with "." gets a second one).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace tongban::notify {

// RFC 2047 "B" encoded-words (=?UTF-8?B?...?=) for `utf8`, each at most 75 characters and
// cut only between whole UTF-8 characters, joined by CRLF SP (folded header lines).
// Printable ASCII without "=?" is returned as it is.
std::string header_text(std::string_view utf8);

// "name <address>" with the name encoded (or quoted) as needed; the address alone when
// the name is empty.
std::string mailbox(std::string_view display_name, std::string_view address);

// Line ends normalised to CRLF (LF, CRLF and lone CR all count), a "." doubled at the start
// of every line, and a final CRLF: ready for DATA, before the terminating ".\r\n".
std::string dot_stuff(std::string_view data);

// True when the body can travel as 8bit (RFC 6152): no line longer than 998 octets and no
// NUL. Otherwise (or when the server lacks 8BITMIME) the body goes base64.
bool fits_8bit(std::string_view body);

struct EmailMessage {
  std::string from_name;
  std::string from_address;
  std::string to;
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8
  std::string message_id;  // without <>: "<delivery id>@<from domain>"
  std::chrono::system_clock::time_point date;
  std::string case_id;
  std::string event;
};

// The RFC 5322 message (CRLF line ends, not yet dot-stuffed). `eight_bit`: the body as
// UTF-8 text (Content-Transfer-Encoding: 8bit), else base64.
std::string format_email(const EmailMessage& m, bool eight_bit);

// "Sun, 01 Mar 2026 10:15:00 +0000" (RFC 5322 §3.3).
std::string rfc5322_date(std::chrono::system_clock::time_point t);

std::string base64(std::string_view bytes);

}  // namespace tongban::notify

#include "domain/mime.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <vector>

namespace tongban::notify {
namespace {

std::string unbase64(std::string_view b64) {
  std::string out(b64.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(b64.data()),
                                static_cast<int>(b64.size()));
  if (n < 0) return "<bad base64>";
  std::size_t pad = 0;
  if (b64.ends_with("==")) {
    pad = 2;
  } else if (b64.ends_with("=")) {
    pad = 1;
  }
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

// The encoded-words of a header value, split on the folding.
std::vector<std::string> words(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto fold = v.find("\r\n ", start);
    out.push_back(v.substr(start, fold - start));
    if (fold == std::string::npos) return out;
    start = fold + 3;
  }
}

TEST(Mime, a_chinese_subject_becomes_encoded_words_that_decode_back_whole) {
  const std::string subject = "【跨城通办】已转交上海市：户口迁移（跨省）— 办件编号 0190a1b2-c3d4";
  const auto encoded = header_text(subject);
  std::string decoded;
  for (const auto& w : words(encoded)) {
    ASSERT_LE(w.size(), 75U) << w;  // RFC 2047 §2
    ASSERT_TRUE(w.starts_with("=?UTF-8?B?") && w.ends_with("?=")) << w;
    const auto text = unbase64(w.substr(10, w.size() - 12));
    EXPECT_TRUE(valid_utf8(text)) << "a word splits a character: " << w;
    decoded += text;
  }
  EXPECT_EQ(decoded, subject);
  EXPECT_GT(words(encoded).size(), 1U);
  EXPECT_EQ(encoded.find('\n', 0) == std::string::npos, false);
}

TEST(Mime, plain_ascii_headers_stay_as_they_are) {
  EXPECT_EQ(header_text("Case forwarded"), "Case forwarded");
  // "=?" would read as the start of an encoded-word: encode it.
  EXPECT_TRUE(header_text("a =?b").starts_with("=?UTF-8?B?"));
  // A control character never reaches a header as is.
  EXPECT_TRUE(header_text("a\tb").starts_with("=?UTF-8?B?"));
}

TEST(Mime, mailbox_encodes_or_quotes_the_display_name) {
  EXPECT_EQ(mailbox("", "a@b.cn"), "a@b.cn");
  EXPECT_EQ(mailbox("tong \"ban\"", "a@b.cn"), "\"tong \\\"ban\\\"\" <a@b.cn>");
  EXPECT_EQ(mailbox("通办", "a@b.cn"), "=?UTF-8?B?" + base64("通办") + "?= <a@b.cn>");
}

TEST(Mime, dot_stuffing_doubles_a_leading_dot_on_every_line) {
  EXPECT_EQ(dot_stuff("a\n.\nb"), "a\r\n..\r\nb\r\n");
  EXPECT_EQ(dot_stuff(".start"), "..start\r\n");
  EXPECT_EQ(dot_stuff("x\r\n..y\r\n"), "x\r\n...y\r\n");
  EXPECT_EQ(dot_stuff("no.dot.at.start"), "no.dot.at.start\r\n");
  // Lone CR and LF are line ends too: a bare "\r.\r" cannot end DATA early.
  EXPECT_EQ(dot_stuff("a\r.\rb"), "a\r\n..\r\nb\r\n");
  EXPECT_EQ(dot_stuff(""), "\r\n");
  // The terminator sequence never appears inside stuffed data.
  EXPECT_EQ(dot_stuff("x\r\n.\r\ny").find("\r\n.\r\n"), std::string::npos);
}

TEST(Mime, long_lines_and_nul_do_not_fit_8bit) {
  EXPECT_TRUE(fits_8bit("短信\n" + std::string(998, 'a')));
  EXPECT_FALSE(fits_8bit(std::string(999, 'a')));
  EXPECT_FALSE(fits_8bit(std::string("a\0b", 3)));
}

TEST(Mime, the_message_has_the_headers_a_mail_reader_needs) {
  EmailMessage m;
  m.from_name = "通办 tongban";
  m.from_address = "noreply@tongban.example.org";
  m.to = "li.hua@example.cn";
  m.subject = "已转交";
  m.body = "第一行\n.\n第三行";
  m.message_id = "abc@tongban.example.org";
  m.date = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + std::chrono::hours(10);
  m.case_id = "case-1";
  m.event = "case_forwarded";
  const auto eight = format_email(m, true);
  EXPECT_NE(eight.find("Date: Sun, 01 Mar 2026 10:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(eight.find("From: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(eight.find("To: li.hua@example.cn\r\n"), std::string::npos);
  EXPECT_NE(eight.find("Subject: =?UTF-8?B?" + base64("已转交") + "?=\r\n"), std::string::npos);
  EXPECT_NE(eight.find("Message-ID: <abc@tongban.example.org>\r\n"), std::string::npos);
  EXPECT_NE(eight.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(eight.find("Content-Transfer-Encoding: 8bit\r\n"), std::string::npos);
  EXPECT_NE(eight.find("X-Tongban-Case: case-1\r\n"), std::string::npos);
  EXPECT_TRUE(eight.ends_with("\r\n\r\n第一行\r\n.\r\n第三行\r\n"));
  const auto b64 = format_email(m, false);
  EXPECT_NE(b64.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  EXPECT_TRUE(b64.ends_with("\r\n\r\n" + base64(m.body) + "\r\n"));
}

}  // namespace
}  // namespace tongban::notify

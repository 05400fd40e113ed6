#include "tongban/auth/base64url.hpp"

#include <gtest/gtest.h>

namespace tongban::auth {
namespace {

TEST(Base64url, round_trips_every_tail_length) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto encoded = base64url::encode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    auto decoded = base64url::decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37 + 200));
  }
}

TEST(Base64url, uses_the_url_alphabet) {
  EXPECT_EQ(base64url::encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url::decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64url, rejects_padding_and_the_standard_alphabet) {
  EXPECT_FALSE(base64url::decode("QQ=="));
  EXPECT_FALSE(base64url::decode("+/8"));
  EXPECT_FALSE(base64url::decode("QQ Q"));
  EXPECT_FALSE(base64url::is_alphabet("ab+c"));
  EXPECT_TRUE(base64url::is_alphabet("ab-_c"));
}

TEST(Base64url, rejects_lengths_no_encoder_produces) {
  EXPECT_FALSE(base64url::decode("Q"));
  EXPECT_FALSE(base64url::decode("QUJDR"));
}

TEST(Base64url, rejects_a_second_spelling_with_nonzero_unused_bits) {
  EXPECT_EQ(base64url::decode("QQ"), std::string("A"));
  EXPECT_FALSE(base64url::decode("QR"));   // same byte 'A', low bits set
  EXPECT_FALSE(base64url::decode("QUJ"));  // "AB" is "QUI"
}

}  // namespace
}  // namespace tongban::auth

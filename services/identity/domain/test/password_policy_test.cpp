#include "domain/password_policy.hpp"

#include <gtest/gtest.h>

namespace tongban::identity {
namespace {

std::string rule_of(std::string_view password,
                    std::initializer_list<std::string_view> identities = {}) {
  auto r = check_password(password, identities);
  if (r) return "ok";
  EXPECT_EQ(r.error().field, "password");
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().rule;
}

TEST(PasswordPolicy, accepts_three_classes_from_ten_bytes) {
  EXPECT_EQ(rule_of("abcdefG123"), "ok");
  EXPECT_EQ(rule_of("abcdefgh1!"), "ok");
  EXPECT_EQ(rule_of("ABCDEFGH1!"), "ok");
  EXPECT_EQ(rule_of("abcdefgH!!"), "ok");
  EXPECT_EQ(rule_of("aB3!aB3!aB"), "ok");
}

TEST(PasswordPolicy, rejects_fewer_than_three_classes_below_passphrase_length) {
  EXPECT_EQ(rule_of("abcdefghij"), "password_classes");
  EXPECT_EQ(rule_of("abcdefgh12"), "password_classes");
  EXPECT_EQ(rule_of("ABCDEFGH!!"), "password_classes");
  EXPECT_EQ(rule_of("1234567890"), "password_classes");
  EXPECT_EQ(rule_of("abcdefghijklmn1"), "password_classes");  // 15 bytes
}

TEST(PasswordPolicy, accepts_a_long_passphrase_of_one_class) {
  EXPECT_EQ(rule_of("correcthorsebatt"), "ok");  // 16 bytes
  EXPECT_EQ(rule_of("correct horse battery staple"), "ok");
}

TEST(PasswordPolicy, counts_non_ascii_as_other_and_length_in_bytes) {
  // "密码" is 6 bytes of UTF-8: 6 + 4 = 10 bytes, classes lower + digit + other.
  EXPECT_EQ(rule_of("密码ab12"), "ok");
  EXPECT_EQ(rule_of("密码a1"), "password_length");  // 8 bytes
  // Six CJK characters are 18 bytes: a passphrase by length.
  EXPECT_EQ(rule_of("我的通办密码"), "ok");
}

TEST(PasswordPolicy, enforces_length_bounds) {
  EXPECT_EQ(rule_of(""), "password_length");
  EXPECT_EQ(rule_of("aB3!aB3!a"), "password_length");  // 9
  EXPECT_EQ(rule_of(std::string(128, 'a')), "ok");
  EXPECT_EQ(rule_of(std::string(129, 'a')), "password_length");
}

TEST(PasswordPolicy, rejects_a_password_containing_an_identity) {
  EXPECT_EQ(rule_of("Zhang.Wei-2024", {"zhang.wei"}), "password_contains_identity");
  EXPECT_EQ(rule_of("x11010519491231002x!", {"11010519491231002X"}), "password_contains_identity");
  EXPECT_EQ(rule_of("My13812345678!", {"", "13812345678"}), "password_contains_identity");
  EXPECT_EQ(rule_of("Zhang.Wei-2024", {"li.na", "11010519491231002X"}), "ok");
}

TEST(PasswordPolicy, skips_empty_and_very_short_identities) {
  EXPECT_EQ(rule_of("abcdefG123", {"", "ab"}), "ok");
  EXPECT_EQ(rule_of("abcdefG123", {"abc"}), "password_contains_identity");
}

TEST(PasswordPolicy, a_custom_policy_and_field) {
  PasswordPolicy strict;
  strict.min_length = 12;
  strict.min_classes = 4;
  strict.passphrase_length = 20;
  auto r = check_password("abcdefG123xy", {}, strict, "new_password");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "password_classes");
  EXPECT_EQ(r.error().field, "new_password");
  EXPECT_TRUE(check_password("abcdefG123x!", {}, strict));
}

}  // namespace
}  // namespace tongban::identity

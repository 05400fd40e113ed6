// What a password must be before it is hashed: long enough, varied enough, and not the
// subject's own login name or ID number.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::identity {

struct PasswordPolicy {
  std::size_t min_length = 10;   // bytes of UTF-8
  std::size_t max_length = 128;  // bytes; argon2id input stays bounded
  std::size_t min_classes = 3;   // of lower, upper, digit, other
  // A passphrase this long needs no mix of classes.
  std::size_t passphrase_length = 16;
  // Identities shorter than this are not searched for (a 2-letter login would forbid too
  // much); the login format requires 3, so every login is searched.
  std::size_t min_identity_length = 3;
};

// Rules: password_length, password_classes, password_contains_identity (each naming
// `field`). `identities` are the login name, ID number, credit code, phone... compared
// ignoring ASCII case; empty ones are skipped.
Result<void> check_password(std::string_view password,
                            std::initializer_list<std::string_view> identities,
                            const PasswordPolicy& policy = {}, std::string_view field = "password");

}  // namespace tongban::identity

#include "domain/password_policy.hpp"

#include <string>

#include "domain/text.hpp"

namespace tongban::identity {

Result<void> check_password(std::string_view password,
                            std::initializer_list<std::string_view> identities,
                            const PasswordPolicy& policy, std::string_view field) {
  const std::string name(field);
  if (password.size() < policy.min_length || password.size() > policy.max_length) {
    return fail(Error::invalid(name, "password_length",
                               name + " must be " + std::to_string(policy.min_length) + " to " +
                                   std::to_string(policy.max_length) + " bytes long, got " +
                                   std::to_string(password.size())));
  }
  if (password.size() < policy.passphrase_length) {
    bool lower = false, upper = false, digit = false, other = false;
    for (char c : password) {
      if (c >= 'a' && c <= 'z') {
        lower = true;
      } else if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else if (c >= '0' && c <= '9') {
        digit = true;
      } else {
        other = true;  // punctuation, space, and every non-ASCII character
      }
    }
    const std::size_t classes = std::size_t{lower} + upper + digit + other;
    if (classes < policy.min_classes) {
      return fail(Error::invalid(
          name, "password_classes",
          name + " must mix at least " + std::to_string(policy.min_classes) +
              " of lower-case letters, upper-case letters, digits and other characters, or be "
              "a passphrase of at least " +
              std::to_string(policy.passphrase_length) + " bytes"));
    }
  }
  for (auto identity : identities) {
    if (identity.size() < policy.min_identity_length) continue;
    if (contains_ignoring_case(password, identity)) {
      return fail(Error::invalid(name, "password_contains_identity",
                                 name + " must not contain your login name, ID number, credit "
                                        "code or phone number"));
    }
  }
  return {};
}

}  // namespace tongban::identity

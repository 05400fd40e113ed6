// Password and client-secret hashing with argon2id (libsodium), bounded so a burst of
// logins cannot take more memory than the pod has.
#pragma once

#include <string>
#include <string_view>

#include "tongban/core/result.hpp"

namespace tongban::identity {

struct PasswordHashing {
  // OWASP's argon2id minimum (2024): m = 19 MiB, t = 2, p = 1. libsodium fixes p = 1.
  unsigned long long ops_limit = 2;
  std::size_t mem_limit = 19 * 1024 * 1024;
  int max_concurrent = 2;  // hashes at once: each holds mem_limit bytes
};

void configure_password_hashing(const PasswordHashing& p);
Result<std::string> hash_secret(std::string_view secret);
bool verify_secret(std::string_view hash, std::string_view secret);
// Spends the time of a verification without a stored hash, so unknown logins take as
// long as wrong passwords (no account enumeration by timing).
void burn_verification_time();

}  // namespace tongban::identity

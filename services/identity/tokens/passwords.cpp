#include "tokens/passwords.hpp"

#include <sodium.h>

#include <condition_variable>
#include <mutex>

namespace tongban::identity {
namespace {

struct Gate {
  std::mutex m;
  std::condition_variable cv;
  int free = 2;
};

PasswordHashing g_params;
Gate g_gate;

class Slot {
 public:
  Slot() {
    std::unique_lock lock(g_gate.m);
    g_gate.cv.wait(lock, [] { return g_gate.free > 0; });
    --g_gate.free;
  }
  ~Slot() {
    {
      std::lock_guard lock(g_gate.m);
      ++g_gate.free;
    }
    g_gate.cv.notify_one();
  }
};

const std::string& dummy_hash() {
  static const std::string h = [] {
    char out[crypto_pwhash_STRBYTES];
    const char pw[] = "tongban-timing-equaliser";
    if (crypto_pwhash_str_alg(out, pw, sizeof pw - 1, g_params.ops_limit, g_params.mem_limit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return std::string();
    }
    return std::string(out);
  }();
  return h;
}

}  // namespace

void configure_password_hashing(const PasswordHashing& p) {
  if (sodium_init() < 0) std::abort();
  g_params = p;
  std::lock_guard lock(g_gate.m);
  g_gate.free = p.max_concurrent;
}

Result<std::string> hash_secret(std::string_view secret) {
  Slot slot;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), g_params.ops_limit,
                            g_params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(Error::unavailable("out of memory while hashing; retry"));
  }
  return std::string(out);
}

bool verify_secret(std::string_view hash, std::string_view secret) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char stored[crypto_pwhash_STRBYTES] = {};
  hash.copy(stored, hash.size());
  Slot slot;
  return crypto_pwhash_str_verify(stored, secret.data(), secret.size()) == 0;
}

void burn_verification_time() { (void)verify_secret(dummy_hash(), "not the password"); }

}  // namespace tongban::identity

#include "tongban/core/ids.hpp"

#include <chrono>
#include <cstdint>
#include <random>

namespace tongban::ids {
namespace {

// xoshiro256** (Blackman & Vigna): ids need uniqueness, not secrecy, and this sits on
// every request's path, where mt19937_64 cost more than the routing.
class Xoshiro256 {
 public:
  Xoshiro256() {
    std::random_device rd;
    for (auto& word : s_) word = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  }
  std::uint64_t operator()() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

Xoshiro256& rng() {
  thread_local Xoshiro256 gen;
  return gen;
}

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
}

}  // namespace

std::string uuid_v7() {
  std::uint8_t b[16];
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  const std::uint64_t r1 = rng()();
  const std::uint64_t r2 = rng()();
  for (int i = 0; i < 2; ++i) b[6 + i] = static_cast<std::uint8_t>(r1 >> (8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<std::uint8_t>(r2 >> (8 * i));
  b[6] = static_cast<std::uint8_t>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<std::uint8_t>(0x80 | (b[8] & 0x3f));  // RFC 9562 variant
  std::string out;
  out.reserve(36);
  append_hex(out, b, 4);
  out.push_back('-');
  append_hex(out, b + 4, 2);
  out.push_back('-');
  append_hex(out, b + 6, 2);
  out.push_back('-');
  append_hex(out, b + 8, 2);
  out.push_back('-');
  append_hex(out, b + 10, 6);
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::string out(bytes * 2, '0');
  char* p = out.data();
  auto& gen = rng();
  while (bytes > 0) {
    std::uint64_t r = gen();
    const std::size_t n = bytes < 8 ? bytes : 8;
    for (std::size_t i = 0; i < n; ++i, r >>= 8) {
      *p++ = kHex[(r >> 4) & 0x0f];
      *p++ = kHex[r & 0x0f];
    }
    bytes -= n;
  }
  return out;
}

}  // namespace tongban::ids

#include "tongban/core/ids.hpp"

#include <chrono>
#include <cstdint>
#include <random>

namespace tongban::ids {
namespace {

std::mt19937_64& rng() {
  // Per thread, seeded from the OS: ids need uniqueness, not secrecy.
  thread_local std::mt19937_64 gen = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
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
  std::string out;
  out.reserve(bytes * 2);
  while (bytes > 0) {
    std::uint64_t r = rng()();
    const std::size_t n = bytes < 8 ? bytes : 8;
    std::uint8_t chunk[8];
    for (std::size_t i = 0; i < n; ++i) chunk[i] = static_cast<std::uint8_t>(r >> (8 * i));
    append_hex(out, chunk, n);
    bytes -= n;
  }
  return out;
}

}  // namespace tongban::ids

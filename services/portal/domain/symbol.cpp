#include "domain/symbol.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace tongban::portal {
namespace {

// Texts by number in chunks that are allocated once and never move, so a reader indexes
// them without the lock: a Symbol's number was handed out after its chunk was published.
constexpr std::uint32_t kChunkBits = 12;
constexpr std::uint32_t kChunkSize = 1U << kChunkBits;  // 4,096 texts, 128 KB of strings
constexpr std::uint32_t kMaxChunks = 1U << 14;          // 67 million texts; 128 KB of slots

// Looks texts up by string_view: no string is built for a text already interned.
struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Pool {
  std::mutex mutex;
  std::uint32_t size = 0;  // texts interned
  // The keys view the texts in `chunks`, which never move.
  std::unordered_map<std::string_view, std::uint32_t, Hash, std::equal_to<>> numbers;
};

// Outside the pool, set up before any code runs and never torn down: reading a text is an
// index and a load, without the guard of a function's static.
constinit std::array<std::atomic<std::string*>, kMaxChunks> chunks{};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: symbols may be read during static teardown
  return *p;
}

}  // namespace

Symbol::Symbol(std::string_view text) {
  if (text.empty()) return;
  auto& p = pool();
  const std::lock_guard lock(p.mutex);
  if (const auto it = p.numbers.find(text); it != p.numbers.end()) {
    number_ = it->second;
    return;
  }
  const auto place = p.size;
  if (place >> kChunkBits >= kMaxChunks) throw std::length_error("portal: too many symbols");
  auto& chunk = chunks[place >> kChunkBits];
  if (place % kChunkSize == 0) {
    chunk.store(new std::string[kChunkSize], std::memory_order_release);
  }
  auto& stored = chunk.load(std::memory_order_relaxed)[place % kChunkSize];
  stored = text;
  ++p.size;
  number_ = place + 1;
  p.numbers.emplace(stored, number_);
}

const std::string& Symbol::str() const {
  static const std::string none;
  if (number_ == 0) return none;
  const auto place = number_ - 1;
  return chunks[place >> kChunkBits].load(std::memory_order_acquire)[place % kChunkSize];
}

std::size_t interned_symbols() {
  auto& p = pool();
  const std::lock_guard lock(p.mutex);
  return p.size;
}

}  // namespace tongban::portal

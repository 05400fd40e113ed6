#include "domain/symbol.hpp"

#include <mutex>
#include <unordered_set>

namespace tongban::portal {
namespace {

// Looks texts up by string_view: no string is built for a text already interned.
struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Pool {
  std::mutex mutex;
  // Node-based: an element's address survives rehashing, so a Symbol may keep it.
  std::unordered_set<std::string, Hash, std::equal_to<>> texts;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: symbols may be read during static teardown
  return *p;
}

}  // namespace

Symbol::Symbol(std::string_view text) {
  if (text.empty()) return;
  auto& p = pool();
  const std::lock_guard lock(p.mutex);
  auto it = p.texts.find(text);
  if (it == p.texts.end()) it = p.texts.emplace(text).first;
  text_ = &*it;
}

const std::string& Symbol::none() {
  static const std::string none;
  return none;
}

std::size_t interned_symbols() {
  auto& p = pool();
  const std::lock_guard lock(p.mutex);
  return p.texts.size();
}

}  // namespace tongban::portal

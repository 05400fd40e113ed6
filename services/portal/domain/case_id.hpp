// A case's id as the key of the portal's case map, kept inside the map's node. Delegation's
// ids are UUIDs, 36 characters: a std::string keeps those on the heap, 48 bytes more for
// every case the portal holds (it holds every case it folded). Longer ids, which no producer
// makes today, are kept on the heap.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace tongban::portal {

class CaseId {
 public:
  CaseId() = default;
  CaseId(std::string_view id);                                     // NOLINT
  CaseId(const std::string& id) : CaseId(std::string_view(id)) {}  // NOLINT
  CaseId(const char* id) : CaseId(std::string_view(id)) {}         // NOLINT
  CaseId(const CaseId& other) : CaseId(other.view()) {}
  CaseId(CaseId&& other) noexcept;
  CaseId& operator=(const CaseId& other);
  CaseId& operator=(CaseId&& other) noexcept;
  ~CaseId();

  std::string_view view() const {
    return size() == kOnHeap ? std::string_view(*heap()) : std::string_view(bytes_, size());
  }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  std::string str() const { return std::string(view()); }

  friend bool operator==(const CaseId& a, const CaseId& b) { return a.view() == b.view(); }
  friend std::strong_ordering operator<=>(const CaseId& a, const CaseId& b) {
    return a.view() <=> b.view();
  }

 private:
  static constexpr std::size_t kBytes = 40;
  static constexpr std::uint8_t kInline = kBytes - 1;
  static constexpr std::uint8_t kOnHeap = 0xff;
  std::uint8_t size() const { return static_cast<std::uint8_t>(bytes_[kBytes - 1]); }
  std::string* heap() const;
  void release();
  // The text, or a pointer to a heap string holding it; the last byte is the text's size, or
  // kOnHeap. Bytes, not a union with the pointer: that would align the key to 8 and make it 48.
  char bytes_[kBytes]{};
};

}  // namespace tongban::portal

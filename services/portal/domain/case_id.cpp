#include "domain/case_id.hpp"

#include <cstring>

namespace tongban::portal {

CaseId::CaseId(std::string_view id) {
  if (id.size() <= kInline) {
    std::memcpy(bytes_, id.data(), id.size());
    bytes_[kBytes - 1] = static_cast<char>(id.size());
  } else {
    auto* text = new std::string(id);
    std::memcpy(bytes_, &text, sizeof text);
    bytes_[kBytes - 1] = static_cast<char>(kOnHeap);
  }
}

// A move takes the bytes as they are, the text or the pointer, and leaves the source empty.
CaseId::CaseId(CaseId&& other) noexcept {
  std::memcpy(bytes_, other.bytes_, kBytes);
  other.bytes_[kBytes - 1] = 0;
}

CaseId& CaseId::operator=(const CaseId& other) {
  if (this != &other) *this = CaseId(other);
  return *this;
}

CaseId& CaseId::operator=(CaseId&& other) noexcept {
  if (this != &other) {
    release();
    std::memcpy(bytes_, other.bytes_, kBytes);
    other.bytes_[kBytes - 1] = 0;
  }
  return *this;
}

CaseId::~CaseId() { release(); }

std::string* CaseId::heap() const {
  std::string* text = nullptr;
  std::memcpy(&text, bytes_, sizeof text);
  return text;
}

void CaseId::release() {
  if (size() == kOnHeap) delete heap();
  bytes_[kBytes - 1] = 0;
}

}  // namespace tongban::portal

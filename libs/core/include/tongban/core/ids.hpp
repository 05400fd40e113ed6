// Identifiers: time-ordered UUIDv7 for events and aggregates, random hex for request ids.
#pragma once

#include <string>

namespace tongban::ids {

// RFC 9562 UUIDv7, lower-case canonical text: sorts by creation time.
std::string uuid_v7();
// `bytes` random bytes as lower-case hex.
std::string random_hex(std::size_t bytes);

}  // namespace tongban::ids

// base64url without padding (RFC 4648 §5, RFC 7515 §2): the encoding of every JWS segment
// and JWK member. Decoding is strict so one token has exactly one spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tongban::auth::base64url {

std::string encode(std::string_view bytes);

// nullopt on any character outside [A-Za-z0-9_-], on padding, on a length that no
// encoding produces (n % 4 == 1), and on non-zero unused bits in the last character (a
// second spelling of the same bytes, which would let a token be altered without
// changing its meaning — and defeat caches keyed by the token text).
std::optional<std::string> decode(std::string_view text);

// True when `text` uses only the alphabet; cheap pre-check before any decoding.
bool is_alphabet(std::string_view text);

}  // namespace tongban::auth::base64url

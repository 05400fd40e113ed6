#include "tongban/core/result.hpp"

namespace tongban {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::malformed:
      return "malformed";
    case Errc::unauthenticated:
      return "unauthenticated";
    case Errc::forbidden:
      return "forbidden";
    case Errc::not_found:
      return "not_found";
    case Errc::conflict:
      return "conflict";
    case Errc::payload_too_large:
      return "payload_too_large";
    case Errc::unsupported_media:
      return "unsupported_media";
    case Errc::too_many_requests:
      return "too_many_requests";
    case Errc::unavailable:
      return "unavailable";
    case Errc::timeout:
      return "timeout";
    case Errc::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace tongban

// Expected failures as values: an Error with a code, a message, the field and rule it
// concerns, and whether a retry can help. Mapped to HTTP problems in one place
// (tongban/http/problem.hpp).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace tongban {

enum class Errc {
  invalid_argument,   // 400/422: the request names a field that breaks a rule
  malformed,          // 400: the body is not parseable at all
  unauthenticated,    // 401
  forbidden,          // 403
  not_found,          // 404
  conflict,           // 409: state does not allow this, or a duplicate
  payload_too_large,  // 413
  unsupported_media,  // 415
  too_many_requests,  // 429
  unavailable,        // 503: a dependency is down; retryable
  timeout,            // 504: a deadline passed; retryable
  internal,           // 500: a broken invariant
};

std::string_view to_string(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;
  std::string field;  // JSON pointer-ish name of the offending field, when one is to blame
  std::string rule;   // machine-readable rule name, e.g. "gb11643_check_digit"
  bool retryable = false;

  static Error invalid(std::string field, std::string rule, std::string message) {
    return Error{Errc::invalid_argument, std::move(message), std::move(field), std::move(rule),
                 false};
  }
  static Error not_found(std::string message) {
    return Error{Errc::not_found, std::move(message), {}, {}, false};
  }
  static Error conflict(std::string message) {
    return Error{Errc::conflict, std::move(message), {}, {}, false};
  }
  static Error forbidden(std::string message) {
    return Error{Errc::forbidden, std::move(message), {}, {}, false};
  }
  static Error unauthenticated(std::string message) {
    return Error{Errc::unauthenticated, std::move(message), {}, {}, false};
  }
  static Error unavailable(std::string message) {
    return Error{Errc::unavailable, std::move(message), {}, {}, true};
  }
  static Error timeout(std::string message) {
    return Error{Errc::timeout, std::move(message), {}, {}, true};
  }
  static Error internal(std::string message) {
    return Error{Errc::internal, std::move(message), {}, {}, false};
  }
};

template <class T = void>
using Result = std::expected<T, Error>;

// `return fail(Error::...)` reads better than std::unexpected at call sites.
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

}  // namespace tongban

// A way to deliver a message: the dispatcher hands each due delivery to the channel it
// names. Two real implementations (email over SMTP, webhook over HTTP); a new one (SMS, an
// app's push service) is a class here, a Channel value in domain/model.hpp, its templates
// and its switch in the preferences.
#pragma once

#include "domain/model.hpp"
#include "tongban/core/result.hpp"

namespace tongban::notify {

class MessageChannel {
 public:
  virtual ~MessageChannel() = default;
  // Sends one delivery within the channel's deadline. An error with retryable=true (the
  // receiver is down, busy or slow) is tried again later; retryable=false (the receiver
  // refused the message for good: an SMTP 5xx, an HTTP 4xx) makes the delivery dead at once.
  virtual Result<void> send(const Delivery& d) = 0;
};

}  // namespace tongban::notify

// notify: what its route and its consumer share.
#pragma once

#include <optional>
#include <string>

#include "tongban/bus/envelope.hpp"
#include "tongban/service/service.hpp"

namespace tongban::notify {

inline constexpr std::string_view kCasesTopic = "tongban.delegation.cases.v1";

// The state a case event reports, or nullopt for an event that is not a case transition.
// Pure, so the unit test covers it without servers.
std::optional<std::string> case_state_of(const bus::Envelope& e);

class App {
 public:
  explicit App(service::Service& svc) : svc_(svc) {}
  void add_routes();
  void add_consumers();

 private:
  Result<void> on_case_event(const bus::Envelope& e);
  service::Service& svc_;
};

}  // namespace tongban::notify

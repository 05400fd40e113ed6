// The key namespace of one service, "tb:<service>:...": a service reads and writes only
// keys its own Keyspace makes.
#pragma once

#include <string>
#include <string_view>

namespace tongban::store {

class Keyspace {
 public:
  explicit Keyspace(std::string service);

  const std::string& service() const { return service_; }
  // "tb:<service>"
  const std::string& prefix() const { return prefix_; }

  // key("subject", id) == "tb:<service>:subject:<id>"; parts are joined with ':'.
  template <class... Parts>
  std::string key(const Parts&... parts) const {
    std::string out = prefix_;
    ((out += ':', out += std::string_view(parts)), ...);
    return out;
  }

  // The transactional outbox stream of the service, "tb:<service>:outbox".
  std::string outbox() const { return key("outbox"); }

 private:
  std::string service_;
  std::string prefix_;
};

}  // namespace tongban::store

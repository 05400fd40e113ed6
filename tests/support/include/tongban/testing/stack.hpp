// The platform as processes for end-to-end tests and benchmarks: identity, catalog
// (seeded), datahub and delegation nodes, each on a private Redis (delegation nodes on one
// each, so a hand-off can only cross Kafka), all on the test Kafka; plus the accounts a
// scenario needs (staff of a city with a role, registered citizens).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tongban/testing/process.hpp"

namespace tongban::testing {

struct StackBinaries {
  std::string identity, catalog, datahub, delegation;
  std::string portal;  // optional
};

struct DelegationNodeSpec {
  std::string name;    // made unique per stack (a suffix is added)
  std::string cities;  // TONGBAN_DELEGATION_CITIES
};

struct StackOptions {
  std::string kafka;  // bootstrap servers
  StackBinaries binaries;
  int catalog_seed_cities = 3;  // the first N cities of data/cities (Nanjing, Wuxi, Xuzhou, ...)
  std::vector<DelegationNodeSpec> nodes;
  std::map<std::string, std::string> node_env;  // extra environment for every node
};

class Stack {
 public:
  static constexpr const char* kAdminPassword = "Admin-Passw0rd-2026";
  static constexpr const char* kPassword = "Correct-Horse-42";

  explicit Stack(StackOptions options);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Empty when everything started; else what did not.
  const std::string& error() const { return error_; }

  const std::string& identity_url() const { return identity_url_; }
  const std::string& catalog_url() const { return catalog_url_; }
  const std::string& datahub_url() const { return datahub_url_; }
  const std::string& node_url(std::size_t i) const { return node_urls_.at(i); }
  const std::string& portal_url() const { return portal_url_; }
  // The environment the stack gives a portal (its own namespace and consumer group), for a
  // second one started by a test (a rebuild).
  std::map<std::string, std::string> portal_env() const;
  // The environment node `i` runs with: another process started with it is a replica of that
  // node (the same node name, Redis and consumer groups).
  const std::map<std::string, std::string>& node_env(std::size_t i) const {
    return node_envs_.at(i);
  }

  std::string admin_token();
  // A new staff member of `city` with `role`; returns their access token ("" on failure).
  std::string staff(const std::string& city, const std::string& role,
                    const std::string& department = "政务服务中心");
  // A new citizen registered in `city`: {subject id, access token}.
  std::pair<std::string, std::string> citizen(const std::string& city);

  // Stops a peer service (SIGTERM), for degraded-mode scenarios.
  void stop_catalog();
  void stop_datahub();

  // The output of every process still running, for a failing test's log.
  std::string outputs(std::size_t max_bytes_each = 20000) const;

 private:
  StackOptions options_;
  std::string error_;
  std::vector<std::unique_ptr<PrivateRedis>> redis_;
  std::unique_ptr<ChildProcess> identity_, catalog_, datahub_, portal_;
  std::vector<std::unique_ptr<ChildProcess>> nodes_;
  std::string identity_url_, catalog_url_, datahub_url_, portal_url_, admin_token_;
  std::string suffix_;
  std::vector<std::string> node_urls_;
  std::vector<std::map<std::string, std::string>> node_envs_;
};

// An access token from identity at `identity_url` for `login` ("staff" or "citizen" as
// `subject_type`); "" when the login fails.
std::string access_token(const std::string& identity_url, const std::string& subject_type,
                         const std::string& login, const std::string& password);

// A valid 18-character resident ID number (GB 11643 check character) registered in
// `region` (a 6-digit division code), random enough never to repeat across runs.
std::string fresh_id_number(const std::string& region);

}  // namespace tongban::testing

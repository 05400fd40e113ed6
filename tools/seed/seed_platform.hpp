// The demo data beyond staff: signed agreements between the cities with the largest
// migrant flows (delegation) and a resource directory for the largest cities (datahub),
// all through the services' public APIs.
#pragma once

#include <string>

#include "tongban/http/client.hpp"

namespace tongban::seed {

struct PlatformSeed {
  std::string identity, catalog, delegation, datahub;
  std::string staff_password;
  std::size_t pairs = 200;  // agreements for the pairs with the largest flows
  std::size_t items = 8;    // the most frequent cross-city items each covers
  std::size_t directory_cities = 10;
};

struct SeedCounts {
  int agreements_signed = 0, agreements_existing = 0, resources = 0, failed = 0;
};

SeedCounts seed_platform(const http::Client& client, const PlatformSeed& s);

}  // namespace tongban::seed

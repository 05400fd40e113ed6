// Two cities that can hand cases to each other, for tests that need cases between them (load
// and fault tests): the demo staff scripts/seed makes, and an agreement signed through
// delegation's API the way dept_admins sign one.
#pragma once

#include <string>

namespace tongban::testing {

// The password of the demo staff (tongban-seed's default, which the load generator's
// delegation scenarios log in with).
inline constexpr const char* kDemoStaffPassword = "Demo-Staff-2026";

// Runs `seed_binary` (tongban-seed) against identity at `identity_url`, as the admin of
// Stack::kAdminPassword: the demo staff (<role>-<city code>, kDemoStaffPassword) of the first
// `cities` cities, of every city when 0. Returns "" when it did, else its output.
std::string seed_demo_staff(const std::string& seed_binary, const std::string& identity_url,
                            int cities = 0);

struct AgreementParties {
  std::string catalog_url;       // where the cities' implementations are listed
  std::string node_url;          // the node serving the lower city code (it writes the agreement)
  std::string city_a, token_a;   // dept_admin of city_a proposes
  std::string city_b, token_b;   // dept_admin of city_b countersigns
  std::string partner_node_url;  // the node serving city_b, when another one ("" if not)
};

// Proposes and countersigns an agreement covering two cross-city items both cities
// implement — the first delegating pre-examination, the second receipt only — valid for a
// year. Retries for up to 3 minutes while the node has not read the catalog yet, and first
// ends an agreement an earlier run left for the pair (on a long-lived broker). With a partner
// node, waits up to 2 minutes more until that node has read it from Kafka (ACTIVE there too).
// Returns the agreement id, or "" with `error` saying why.
std::string sign_agreement(const AgreementParties& p, std::string& error);

}  // namespace tongban::testing

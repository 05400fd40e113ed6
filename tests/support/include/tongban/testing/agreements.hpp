// An agreement between two cities, signed through delegation's API the way dept_admins
// sign one, for tests that need cases between them (load and fault tests).
#pragma once

#include <string>

namespace tongban::testing {

struct AgreementParties {
  std::string catalog_url;      // where the cities' implementations are listed
  std::string node_url;         // the node serving the lower city code (it writes the agreement)
  std::string city_a, token_a;  // dept_admin of city_a proposes
  std::string city_b, token_b;  // dept_admin of city_b countersigns
};

// Proposes and countersigns an agreement covering two cross-city items both cities
// implement — the first delegating pre-examination, the second receipt only — valid for a
// year. Retries for up to 3 minutes while the node has not read the catalog yet, and first
// ends an agreement an earlier run left for the pair (on a long-lived broker). Returns the
// agreement id, or "" with `error` saying why.
std::string sign_agreement(const AgreementParties& p, std::string& error);

}  // namespace tongban::testing

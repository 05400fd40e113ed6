// Names the calling thread, so top -H, perf and /proc/<pid>/task/*/comm tell a service's
// threads apart (scripts/bench cpu sums each service's CPU by thread name). Without a name
// a thread shows its process's, and every thread of a service looks the same.
#pragma once

#include <string_view>

namespace tongban {

// Linux keeps 15 bytes of a thread's name: `name` is cut there. Failure is ignored (a name
// is for people reading a profile, nothing depends on it).
void name_this_thread(std::string_view name);

}  // namespace tongban

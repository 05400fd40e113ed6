#include "tongban/core/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace tongban {

void name_this_thread(std::string_view name) {
  constexpr std::size_t kMax = 15;  // without the terminating NUL
  const std::string cut(name.substr(0, kMax));
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace tongban

// A named thread shows its name where profilers and scripts/bench cpu read it.
#include "tongban/core/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <string_view>
#include <thread>

namespace tongban {
namespace {

std::string comm_of_this_thread() {
  std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// The name a new thread reads back after naming itself `name`.
std::string named_in_a_thread(std::string_view name) {
  std::string seen;
  std::thread t([&] {
    name_this_thread(name);
    seen = comm_of_this_thread();
  });
  t.join();
  return seen;
}

TEST(ThreadName, names_the_calling_thread_only) {
  const auto before = comm_of_this_thread();
  EXPECT_EQ(named_in_a_thread("redis-io"), "redis-io");
  EXPECT_EQ(comm_of_this_thread(), before);
}

TEST(ThreadName, cuts_a_long_name_at_fifteen_bytes) {
  EXPECT_EQ(named_in_a_thread("a-name-longer-than-fifteen"), "a-name-longer-t");
}

}  // namespace
}  // namespace tongban

// A named thread shows its name where profilers and scripts/bench cpu read it.
#include "tongban/core/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace tongban {
namespace {

std::string comm_of_this_thread() {
  std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

TEST(ThreadName, names_the_calling_thread_only) {
  const auto before = comm_of_this_thread();
  std::string inside;
  std::thread t([&] {
    name_this_thread("redis-io");
    inside = comm_of_this_thread();
  });
  t.join();
  EXPECT_EQ(inside, "redis-io");
  EXPECT_EQ(comm_of_this_thread(), before);
}

TEST(ThreadName, cuts_a_long_name_at_fifteen_bytes) {
  std::string inside;
  std::thread t([&] {
    name_this_thread("a-name-longer-than-fifteen");
    inside = comm_of_this_thread();
  });
  t.join();
  EXPECT_EQ(inside, "a-name-longer-t");
}

}  // namespace
}  // namespace tongban

#include "tongban/core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tongban::ids {
namespace {

TEST(Ids, uuid_v7_has_version_variant_and_sorts_by_time) {
  const auto a = uuid_v7();
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '7');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(uuid_v7()).second);
}

TEST(Ids, random_hex_has_the_asked_length) {
  EXPECT_EQ(random_hex(16).size(), 32u);
  EXPECT_EQ(random_hex(3).size(), 6u);
  EXPECT_NE(random_hex(16), random_hex(16));
}

}  // namespace
}  // namespace tongban::ids

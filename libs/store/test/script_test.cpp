#include "tongban/store/script.hpp"

#include <gtest/gtest.h>

namespace tongban::store {
namespace {

TEST(Script, the_sha_is_the_sha1_redis_names_the_script_by) {
  // Known SHA-1 values; Redis's SCRIPT LOAD returns the same lower-case hex.
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Script("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST(Script, evalsha_and_eval_commands_count_the_keys) {
  Script s("return redis.call('GET', KEYS[1])");
  EXPECT_EQ(s.evalsha_command({"k1", "k2"}, {"a"}),
            (Command{"EVALSHA", s.sha(), "2", "k1", "k2", "a"}));
  EXPECT_EQ(s.eval_command({}, {}), (Command{"EVAL", s.source(), "0"}));
}

}  // namespace
}  // namespace tongban::store

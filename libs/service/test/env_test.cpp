#include "tongban/service/env.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "tongban/service/config.hpp"

namespace tongban::service {
namespace {

class EnvTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& n : set_) unsetenv(n.c_str());
  }
  void set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }
  std::vector<std::string> set_;
  Env env_;
};

TEST_F(EnvTest, defaults_apply_and_are_recorded) {
  EXPECT_EQ(*env_.integer("TONGBAN_T_N", 7, 0, 10, "doc"), 7);
  EXPECT_EQ(env_.string("TONGBAN_T_S", "x", "doc"), "x");
  ASSERT_EQ(env_.knobs().size(), 2u);
  EXPECT_EQ(env_.knobs()[0].name, "TONGBAN_T_N");
  EXPECT_EQ(env_.knobs()[0].default_value, "7");
}

TEST_F(EnvTest, a_non_integer_names_the_variable) {
  set("TONGBAN_T_N", "12abc");
  auto r = env_.integer("TONGBAN_T_N", 7, 0, 100, "doc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "TONGBAN_T_N");
  EXPECT_EQ(r.error().rule, "integer");
}

TEST_F(EnvTest, out_of_range_is_refused) {
  set("TONGBAN_T_N", "101");
  EXPECT_EQ(env_.integer("TONGBAN_T_N", 7, 0, 100, "doc").error().rule, "range");
}

TEST_F(EnvTest, booleans_accept_the_usual_spellings) {
  set("TONGBAN_T_B", "yes");
  EXPECT_TRUE(*env_.boolean("TONGBAN_T_B", false, "doc"));
  set("TONGBAN_T_B", "maybe");
  EXPECT_EQ(env_.boolean("TONGBAN_T_B", false, "doc").error().rule, "boolean");
}

TEST_F(EnvTest, secrets_come_from_the_variable_or_a_mounted_file) {
  const std::string path = testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "s3cret\n";
  set("TONGBAN_T_PW_FILE", path);
  EXPECT_EQ(*env_.secret("TONGBAN_T_PW", "doc"), "s3cret");
  set("TONGBAN_T_PW", "direct");
  EXPECT_EQ(*env_.secret("TONGBAN_T_PW", "doc"), "direct");
  EXPECT_TRUE(env_.knobs()[0].secret);
}

TEST_F(EnvTest, config_reports_the_bad_variable) {
  set("TONGBAN_HTTP_PORT", "http");
  auto c = load_config("test", env_);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "TONGBAN_HTTP_PORT");
}

TEST_F(EnvTest, config_reads_redis_and_kafka_settings) {
  set("TONGBAN_REDIS_ADDR", "10.0.0.5:6380");
  set("TONGBAN_KAFKA_BOOTSTRAP", "k1:9092,k2:9092");
  set("TONGBAN_KAFKA_PROP_SECURITY_PROTOCOL", "SASL_SSL");
  set("TONGBAN_KAFKA_SASL_PASSWORD", "pw");
  auto c = load_config("delegation", env_);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->redis.host, "10.0.0.5");
  EXPECT_EQ(c->redis.port, 6380);
  EXPECT_EQ(c->kafka.bootstrap_servers, "k1:9092,k2:9092");
  EXPECT_EQ(c->kafka.extra.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(c->kafka.extra.at("sasl.password"), "pw");
  EXPECT_EQ(c->http.port, 8080);
}

TEST_F(EnvTest, the_outbox_gather_defaults_to_5_ms_and_is_read_and_checked) {
  auto c = load_config("x", env_);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->outbox_gather, std::chrono::milliseconds(5));
  set("TONGBAN_OUTBOX_GATHER_MS", "0");
  Env off;
  EXPECT_EQ(load_config("x", off)->outbox_gather, std::chrono::milliseconds(0));
  set("TONGBAN_OUTBOX_GATHER_MS", "-1");
  Env bad;
  auto refused = load_config("x", bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "TONGBAN_OUTBOX_GATHER_MS");
  EXPECT_EQ(refused.error().rule, "range");
}

TEST_F(EnvTest, a_bad_redis_address_is_named) {
  set("TONGBAN_REDIS_ADDR", "no-port");
  auto c = load_config("x", env_);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().field, "TONGBAN_REDIS_ADDR");
}

}  // namespace
}  // namespace tongban::service

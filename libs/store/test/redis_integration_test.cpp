// The Redis client against real servers: the shared test Redis for ordinary commands,
// private redis-server processes for restarts, DEBUG SLEEP and SCRIPT FLUSH.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "test_redis.hpp"
#include "tongban/store/keyspace.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/store/script.hpp"
#include "tongban/store/transaction.hpp"

namespace tongban::store {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::LocalRedisServer;

std::unique_ptr<Redis> connect_or_die(const RedisOptions& options) {
  auto redis = Redis::connect(options);
  EXPECT_TRUE(redis.has_value());
  return std::move(*redis);
}

TEST(Redis, set_get_del_and_nil_for_a_missing_key) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":k";
  auto set = redis->command({"SET", key, "v1"});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_TRUE(set->is_status("OK"));
  EXPECT_EQ(redis->command({"GET", key})->str(), "v1");
  EXPECT_EQ(redis->command({"DEL", key})->integer(), 1);
  EXPECT_TRUE(redis->command({"GET", key})->is_nil());
}

TEST(Redis, values_are_binary_safe_and_large_values_arrive_whole) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":bin";
  std::string binary("a\0b\r\n$3\r\n*\xff", 11);
  ASSERT_TRUE(redis->command(Command{"SET", key, binary}).has_value());
  EXPECT_EQ(redis->command({"GET", key})->str(), binary);

  // Larger than the adapter's 64 KiB read buffer and hiredis's 16 KiB read size.
  std::string big(3 * 1024 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  ASSERT_TRUE(redis->command(Command{"SET", key, big})->is_status("OK"));
  auto got = redis->command({"GET", key});
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->str(), big);
  redis->command({"DEL", key});
}

TEST(Redis, a_redis_error_is_an_error_reply_not_a_transport_error) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":str";
  redis->command({"SET", key, "x"});
  auto r = redis->command({"LPUSH", key, "y"});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->is_error());
  EXPECT_TRUE(r->str().starts_with("WRONGTYPE")) << r->str();
  redis->command({"DEL", key});
}

TEST(Redis, a_pipeline_returns_every_reply_in_order) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":counter";
  std::vector<Command> commands;
  for (int i = 0; i < 1000; ++i) commands.push_back({"INCR", key});
  commands.push_back({"GET", key});
  commands.push_back({"DEL", key});
  auto replies = redis->pipeline(commands);
  ASSERT_TRUE(replies.has_value()) << replies.error().message;
  ASSERT_EQ(replies->size(), 1002u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ((*replies)[i].integer(), i + 1);
  EXPECT_EQ((*replies)[1000].str(), "1000");
}

TEST(Redis, many_threads_share_the_connections_and_each_gets_its_own_replies) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string prefix = test::unique_prefix();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        std::string key = prefix + ":" + std::to_string(t);
        std::string value = std::to_string(t * 100000 + i);
        auto set = redis->command({"SET", key, value});
        auto get = redis->command({"GET", key});
        if (!set || !get || get->str() != value) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  for (int t = 0; t < 16; ++t) redis->command({"DEL", prefix + ":" + std::to_string(t)});
}

TEST(Redis, async_commands_call_back_with_their_replies) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":async";
  constexpr int kCount = 2000;
  std::latch done(kCount);
  std::atomic<long long> sum{0};
  for (int i = 0; i < kCount; ++i) {
    redis->async_command({"INCR", key}, [&](Result<Reply> r) {
      if (r && r->is_integer()) sum += r->integer();
      done.count_down();
    });
  }
  done.wait();
  EXPECT_EQ(sum.load(), static_cast<long long>(kCount) * (kCount + 1) / 2);
  redis->command({"DEL", key});
}

// Compare-and-set: set the state to ARGV[2] only if it is ARGV[1].
const Script kCas(R"lua(
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua");

TEST(Redis, a_lua_compare_and_set_lets_exactly_one_of_two_racers_win) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string prefix = test::unique_prefix();
  for (int round = 0; round < 50; ++round) {
    const std::string key = prefix + ":case:" + std::to_string(round);
    redis->command({"SET", key, "submitted"});
    std::atomic<int> wins{0};
    std::latch go(2);
    auto racer = [&](std::string to) {
      go.arrive_and_wait();
      auto r = kCas.run(*redis, {key}, {"submitted", to});
      if (r && r->integer() == 1) ++wins;
    };
    std::thread a(racer, "accepted"), b(racer, "rejected");
    a.join();
    b.join();
    EXPECT_EQ(wins.load(), 1) << "round " << round;
    auto final_state = redis->command({"GET", key})->str();
    EXPECT_TRUE(final_state == "accepted" || final_state == "rejected");
    redis->command({"DEL", key});
  }
}

TEST(Redis, a_transaction_writes_state_and_outbox_entry_together) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  Keyspace ks(test::unique_prefix().substr(3));  // "tb:" is added back by the Keyspace
  Transaction tx;
  tx.add({"HSET", ks.key("case", "c1"), "state", "forwarded"})
      .add_outbox(ks.outbox(), {"tongban.test.case.v1", "c1", R"({"id":"e1"})", ""});
  auto replies = tx.exec(*redis);
  ASSERT_TRUE(replies.has_value()) << replies.error().message;
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ(redis->command({"HGET", ks.key("case", "c1"), "state"})->str(), "forwarded");
  EXPECT_EQ(redis->command({"XLEN", ks.outbox()})->integer(), 1);
  redis->command({"DEL", ks.key("case", "c1"), ks.outbox()});
}

TEST(Redis, a_transaction_with_a_rejected_command_writes_nothing) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  Keyspace ks(test::unique_prefix().substr(3));
  Transaction tx;
  tx.add({"HSET", ks.key("case", "c1"), "state", "forwarded"})
      .add_outbox(ks.outbox(), {"tongban.test.case.v1", "c1", "{}", ""})
      .add({"HSET", ks.key("case", "c1")});  // wrong arity: rejected while queueing
  auto replies = tx.exec(*redis);
  ASSERT_FALSE(replies.has_value());
  EXPECT_EQ(redis->command({"EXISTS", ks.key("case", "c1")})->integer(), 0);
  EXPECT_EQ(redis->command({"XLEN", ks.outbox()})->integer(), 0);
}

TEST(Redis, exec_after_a_watched_key_changed_writes_neither_state_nor_outbox) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  Keyspace ks(test::unique_prefix().substr(3));
  const std::string state_key = ks.key("case", "c1");
  redis->command({"SET", state_key, "submitted"});

  auto session = redis->session();
  ASSERT_TRUE(session.has_value()) << session.error().message;
  ASSERT_TRUE((*session)->command({"WATCH", state_key})->is_status("OK"));
  EXPECT_EQ((*session)->command({"GET", state_key})->str(), "submitted");
  // Someone else moves the case on between our read and our write.
  redis->command({"SET", state_key, "withdrawn"});

  Transaction tx;
  tx.add({"SET", state_key, "accepted"})
      .add_outbox(ks.outbox(), {"tongban.test.case.v1", "c1", "{}", ""});
  auto replies = tx.exec(**session);
  ASSERT_FALSE(replies.has_value());
  EXPECT_EQ(replies.error().code, Errc::conflict);
  EXPECT_TRUE(replies.error().retryable);
  EXPECT_EQ(redis->command({"GET", state_key})->str(), "withdrawn");
  EXPECT_EQ(redis->command({"XLEN", ks.outbox()})->integer(), 0);

  // Retried after reading again, it goes through.
  ASSERT_TRUE((*session)->command({"WATCH", state_key})->is_status("OK"));
  auto again = tx.exec(**session);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(redis->command({"XLEN", ks.outbox()})->integer(), 1);
  redis->command({"DEL", state_key, ks.outbox()});
}

// What a server sharing the client's loop does: run on the I/O thread and send from there.
TEST(Redis, commands_sent_from_its_io_thread_go_out_in_order_and_sync_ones_are_refused) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  const std::string key = test::unique_prefix() + ":chain";
  constexpr int kCount = 200;
  struct Chain {
    Redis* redis;
    std::string key;
    std::thread::id io_thread;
    std::vector<long long> seen;
    bool off_thread = false;
    std::promise<void> done;
    void next() {
      redis->async_command({"INCR", key}, [this](Result<Reply> r) {
        off_thread = off_thread || std::this_thread::get_id() != io_thread;
        seen.push_back(r && r->is_integer() ? r->integer() : -1);
        if (seen.size() == kCount) {
          done.set_value();
        } else {
          next();  // from inside a reply's callback, on the I/O thread
        }
      });
    }
  } chain{redis.get(), key, {}, {}, false, {}};
  std::promise<Result<Reply>> sync_from_loop;
  boost::asio::post(*redis->io_context(), [&] {
    chain.io_thread = std::this_thread::get_id();
    sync_from_loop.set_value(redis->command({"PING"}));
    chain.next();
  });
  auto finished = chain.done.get_future();
  ASSERT_EQ(finished.wait_for(10s), std::future_status::ready);
  std::vector<long long> expected(kCount);
  for (int i = 0; i < kCount; ++i) expected[static_cast<std::size_t>(i)] = i + 1;
  EXPECT_EQ(chain.seen, expected);
  EXPECT_FALSE(chain.off_thread) << "every reply is handled on the client's loop";
  auto refused = sync_from_loop.get_future().get();
  ASSERT_FALSE(refused.has_value()) << "a blocking call on the loop would wait on itself";
  EXPECT_EQ(refused.error().code, Errc::internal);
  redis->command({"DEL", key});
}

TEST(Redis, ping_answers_when_the_server_is_up) {
  TB_REQUIRE_REDIS(options);
  auto redis = connect_or_die(options);
  EXPECT_TRUE(redis->ping(500ms).has_value());
  EXPECT_EQ(redis->connected(), options.pool_size);
}

TEST(RedisFaults, a_client_started_before_its_server_reports_unavailable_then_connects) {
  LocalRedisServer server;  // not started yet
  RedisOptions options = server.options();
  options.connect_timeout = 200ms;
  auto redis = connect_or_die(options);
  auto r = redis->command({"PING"});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().code == Errc::unavailable || r.error().code == Errc::timeout)
      << r.error().message;
  EXPECT_TRUE(r.error().retryable);
  EXPECT_FALSE(redis->ping(200ms).has_value());

  ASSERT_TRUE(server.start());
  EXPECT_TRUE(eventually([&] { return redis->ping(200ms).has_value(); }));
}

TEST(RedisFaults, a_slow_server_makes_commands_time_out_and_late_replies_are_dropped) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  RedisOptions options = server.options();
  options.command_timeout = 200ms;
  auto redis = connect_or_die(options);
  auto sleeper = connect_or_die(server.options());

  std::thread sleeping([&] { sleeper->command(Command{"DEBUG", "SLEEP", "3"}, 5000ms); });
  std::this_thread::sleep_for(100ms);  // the server is now asleep for 3 s
  auto started = std::chrono::steady_clock::now();
  auto r = redis->command({"SET", "k", "late"});
  auto waited = std::chrono::steady_clock::now() - started;
  sleeping.join();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::timeout);
  EXPECT_TRUE(r.error().retryable);
  // Not a speed check: a caller that waited for the server would have waited ~3 s.
  EXPECT_LT(waited, 2500ms) << "the caller waited for the server instead of its deadline";

  // The late reply to SET was dropped; the next command gets its own reply.
  auto get = redis->command({"GET", "k"});
  ASSERT_TRUE(get.has_value()) << get.error().message;
  EXPECT_EQ(get->str(), "late");  // a timed-out command may still have been applied
  EXPECT_TRUE(redis->command({"PING"})->is_status("PONG"));
}

TEST(RedisFaults, a_command_that_timed_out_may_send_another_from_its_callback) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  RedisOptions options = server.options();
  options.command_timeout = 200ms;
  options.pool_size = 1;
  auto redis = connect_or_die(options);
  auto sleeper = connect_or_die(server.options());
  std::thread sleeping([&] { sleeper->command(Command{"DEBUG", "SLEEP", "1"}, 5000ms); });
  std::this_thread::sleep_for(100ms);
  // Fifty commands time out in one sweep; each callback sends another command while the
  // sweep is still going through the ones in flight.
  constexpr int kCount = 50;
  std::latch answered(kCount);
  std::atomic<int> timed_out{0};
  for (int i = 0; i < kCount; ++i) {
    redis->async_command({"SET", "k" + std::to_string(i), "v"}, [&](Result<Reply> r) {
      if (!r && r.error().code == Errc::timeout) ++timed_out;
      redis->async_command({"PING"}, [&](Result<Reply>) { answered.count_down(); });
    });
  }
  sleeping.join();
  EXPECT_TRUE(eventually([&] { return answered.try_wait(); }));
  EXPECT_EQ(timed_out.load(), kCount);
  EXPECT_TRUE(redis->command({"PING"})->is_status("PONG"));
}

TEST(RedisFaults, a_failure_on_the_io_thread_is_told_on_a_later_turn_not_inside_the_call) {
  LocalRedisServer server;  // never started: no connection
  RedisOptions options = server.options();
  options.connect_timeout = 100ms;
  auto redis = connect_or_die(options);
  std::promise<bool> called_inside;
  std::promise<Errc> told;
  std::atomic<bool> called{false};
  boost::asio::post(*redis->io_context(), [&] {
    redis->async_command({"PING"}, [&](Result<Reply> r) {
      called = true;
      told.set_value(r ? Errc::internal : r.error().code);
    });
    called_inside.set_value(called.load());
  });
  EXPECT_FALSE(called_inside.get_future().get()) << "the caller may still hold its locks";
  auto code = told.get_future();
  ASSERT_EQ(code.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(code.get(), Errc::unavailable);
}

TEST(RedisFaults, the_client_reconnects_after_the_server_restarts) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  RedisOptions options = server.options();
  options.command_timeout = 500ms;
  auto redis = connect_or_die(options);
  ASSERT_TRUE(redis->command({"SET", "k", "before"})->is_status("OK"));

  server.stop();
  auto down = redis->command({"GET", "k"});
  ASSERT_FALSE(down.has_value());
  EXPECT_TRUE(down.error().retryable);
  EXPECT_FALSE(redis->ping(200ms).has_value());

  ASSERT_TRUE(server.start());
  ASSERT_TRUE(eventually([&] { return redis->ping(200ms).has_value(); }));
  EXPECT_TRUE(eventually([&] { return redis->connected() == options.pool_size; }));
  auto set = redis->command({"SET", "k", "after"});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(redis->command({"GET", "k"})->str(), "after");
}

TEST(RedisFaults, commands_in_flight_when_the_connection_drops_fail_as_retryable) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  RedisOptions options = server.options();
  options.command_timeout = 5000ms;
  auto redis = connect_or_die(options);
  auto sleeper = connect_or_die(server.options());
  std::thread sleeping([&] { sleeper->command(Command{"DEBUG", "SLEEP", "2"}, 5000ms); });
  std::this_thread::sleep_for(100ms);
  std::latch failed(1);
  Result<Reply> outcome;
  redis->async_command({"GET", "k"}, [&](Result<Reply> r) {
    outcome = std::move(r);
    failed.count_down();
  });
  std::this_thread::sleep_for(100ms);
  server.stop();  // kill -9 with the GET in flight
  failed.wait();
  sleeping.join();
  ASSERT_FALSE(outcome.has_value());
  EXPECT_EQ(outcome.error().code, Errc::unavailable) << outcome.error().message;
  EXPECT_TRUE(outcome.error().retryable);
}

TEST(RedisFaults, a_server_busy_in_a_script_is_unavailable_not_an_answer) {
  // Like a server loading its AOF after a restart (LOADING): every command gets an error
  // reply that is no answer to it. Callers must see a retryable failure, not data.
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  auto redis = connect_or_die(server.options());
  auto looper = connect_or_die(server.options());
  ASSERT_TRUE(redis->command({"CONFIG", "SET", "busy-reply-threshold", "50"})->is_status("OK"));
  std::thread looping([&] {
    (void)looper->command(Command{"EVAL", "while true do end", "0"}, 10000ms);
  });
  Result<Reply> got = redis->command({"GET", "k"});
  for (int i = 0; i < 200 && got.has_value(); ++i) {  // until the script passed the threshold
    std::this_thread::sleep_for(10ms);
    got = redis->command({"GET", "k"});
  }
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::unavailable) << got.error().message;
  EXPECT_TRUE(got.error().retryable);
  EXPECT_NE(got.error().message.find("BUSY"), std::string::npos) << got.error().message;
  (void)redis->command({"SCRIPT", "KILL"});
  looping.join();
  EXPECT_TRUE(redis->command({"GET", "k"})->is_nil());
}

TEST(RedisFaults, a_script_runs_again_after_the_server_lost_its_script_cache) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  auto redis = connect_or_die(server.options());
  ASSERT_TRUE(kCas.load(*redis).has_value());
  redis->command({"SET", "case", "a"});
  EXPECT_EQ(kCas.run(*redis, {"case"}, {"a", "b"})->integer(), 1);

  ASSERT_TRUE(redis->command({"SCRIPT", "FLUSH"})->is_status("OK"));
  auto r = kCas.run(*redis, {"case"}, {"b", "c"});  // EVALSHA → NOSCRIPT → EVAL
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->integer(), 1) << r->debug_string();
  EXPECT_EQ(redis->command({"GET", "case"})->str(), "c");
  // EVAL cached it again.
  EXPECT_EQ(redis->command({"SCRIPT", "EXISTS", kCas.sha()})->array().at(0).integer(), 1);
}

TEST(RedisFaults, an_async_run_answers_on_the_io_thread_and_falls_back_to_the_source_too) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  auto redis = connect_or_die(server.options());
  redis->command({"SET", "case", "a"});
  ASSERT_TRUE(redis->command({"SCRIPT", "FLUSH"})->is_status("OK"));
  auto run = [&](std::string from, std::string to) {
    std::promise<Result<Reply>> answered;
    kCas.async_run(*redis, {"case"}, {std::move(from), std::move(to)},
                   [&](Result<Reply> r) { answered.set_value(std::move(r)); });
    return answered.get_future().get();
  };
  auto r = run("a", "b");  // EVALSHA → NOSCRIPT → EVAL, sent from the I/O thread
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->integer(), 1) << r->debug_string();
  EXPECT_EQ(redis->command({"SCRIPT", "EXISTS", kCas.sha()})->array().at(0).integer(), 1);
  auto hit = run("b", "c");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->integer(), 1);
  auto refused = run("a", "z");  // the script's own answer, not an error
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->integer(), 0);
  EXPECT_EQ(redis->command({"GET", "case"})->str(), "c");
  server.stop();
  auto down = run("c", "d");
  ASSERT_FALSE(down.has_value()) << "no connection: an Error, not a Reply";
  EXPECT_EQ(down.error().code, Errc::unavailable);
}

TEST(RedisFaults, runs_in_one_round_trip_run_again_by_source_after_the_script_cache_was_lost) {
  LocalRedisServer server;
  ASSERT_TRUE(server.start());
  auto redis = connect_or_die(server.options());
  redis->command({"SET", "a", "x"});
  redis->command({"SET", "b", "x"});
  ASSERT_TRUE(redis->command({"SCRIPT", "FLUSH"})->is_status("OK"));
  // Every EVALSHA of the pipeline meets NOSCRIPT; each is sent again, by source, in order.
  auto r =
      kCas.run_all(*redis, {{{"a"}, {"x", "y"}}, {{"b"}, {"other", "y"}}, {{"a"}, {"y", "z"}}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].integer(), 1);
  EXPECT_EQ((*r)[1].integer(), 0);  // b was not "other"
  EXPECT_EQ((*r)[2].integer(), 1);  // ran after the first: a was "y" by then
  EXPECT_EQ(redis->command({"GET", "a"})->str(), "z");
  EXPECT_EQ(redis->command({"GET", "b"})->str(), "x");
  // Cached again: the next runs are EVALSHA hits.
  auto hit = kCas.run_all(*redis, {{{"b"}, {"x", "w"}}});
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ((*hit)[0].integer(), 1);
  EXPECT_TRUE(kCas.run_all(*redis, {}).has_value());
}

TEST(RedisFaults, a_session_refuses_when_the_server_is_down) {
  LocalRedisServer server;
  RedisOptions options = server.options();
  options.connect_timeout = 200ms;
  auto redis = connect_or_die(options);
  auto session = redis->session();
  ASSERT_FALSE(session.has_value());
  EXPECT_EQ(session.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace tongban::store

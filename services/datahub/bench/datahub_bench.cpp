// What an audited data call costs: linking an entry into the hash chain (CPU), appending it
// to Redis (the compare-and-set script), and whole data calls through the HTTP API of a
// real datahub (token check, directory, purpose, grant, record, audit append, response).
//
//   build/services/datahub/datahub_bench                       # chain + Redis append
//   TONGBAN_TEST_KAFKA=127.0.0.1:19092 build/services/datahub/datahub_bench   # + HTTP calls
// (scripts/bench datahub sets the variable.) Each benchmark starts its own Redis.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "repo/audit_log.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/store/redis.hpp"
#include "tongban/testing/process.hpp"

namespace {

using namespace tongban;
using namespace std::chrono_literals;
namespace json = boost::json;

datahub::AuditEntry sample_entry() {
  datahub::AuditEntry e;
  e.time = Clock::system().now();
  e.caller = ids::uuid_v7();
  e.caller_city = "320100";
  e.caller_department = "民政局";
  e.represented_party = ids::uuid_v7();
  e.resource = "330100.public-security.household";
  e.fields = {"name", "address"};
  e.purpose = "case:" + ids::uuid_v7();
  e.decision = datahub::Decision::allowed;
  e.requested_at = e.authorised_at = e.read_at = e.responded_at = e.time;
  return e;
}

void BM_chain_link(benchmark::State& state) {
  datahub::ChainHead head;
  const auto e = sample_entry();
  for (auto _ : state) {
    auto linked = datahub::append(head, e);
    head = datahub::head_of(linked);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_chain_link);

// One private Redis for the Redis-backed benchmarks.
struct RedisFixture {
  testing::PrivateRedis server;
  std::unique_ptr<store::Redis> redis;
  RedisFixture() {
    if (!server.ready()) return;
    auto opts = store::parse_redis_address(server.address());
    opts->pool_size = 2;
    auto r = store::Redis::connect(*opts);
    if (r) redis = std::move(*r);
  }
};

void BM_audit_append_redis(benchmark::State& state) {
  static RedisFixture fx;
  static std::unique_ptr<datahub::AuditLog> log;
  if (state.thread_index() == 0 && !log && fx.redis) {
    auto signer = datahub::CheckpointSigner::load(*fx.redis, "");
    if (signer) log = std::make_unique<datahub::AuditLog>(*fx.redis, std::move(*signer));
  }
  if (!fx.redis) {
    state.SkipWithError("could not start redis-server");
    return;
  }
  const auto e = sample_entry();
  for (auto _ : state) {
    while (!log) std::this_thread::yield();
    auto r = log->append(e, [](const datahub::AuditEntry& l, const std::string&) {
      return store::OutboxMessage{"tongban.datahub.calls.v1", l.resource, "{}", ""};
    });
    if (!r) {
      state.SkipWithError(r.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_audit_append_redis)->Threads(1)->Threads(4)->UseRealTime();

// identity + datahub as processes, a resource with a record, an unconditional grant and a
// known case: everything a data call needs to be allowed.
struct Platform {
  std::unique_ptr<testing::PrivateRedis> redis;
  std::unique_ptr<testing::ChildProcess> identity, hub;
  std::string base, token, path, error;

  Platform() {
    auto kafka = testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) {
      error = "TONGBAN_TEST_KAFKA not set (scripts/test-env start; eval scripts/test-env env)";
      return;
    }
    redis = std::make_unique<testing::PrivateRedis>();
    std::map<std::string, std::string> env{{"TONGBAN_HTTP_PORT", "0"},
                                           {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                           {"TONGBAN_REDIS_ADDR", redis->address()},
                                           {"TONGBAN_KAFKA_BOOTSTRAP", *kafka}};
    auto id_env = env;
    id_env["TONGBAN_IDENTITY_ADMIN_PASSWORD"] = "Admin-Passw0rd-2026";
    id_env["TONGBAN_IDENTITY_ARGON2_MEM_KIB"] = "8192";
    id_env["TONGBAN_IDENTITY_ARGON2_OPS"] = "1";
    identity = std::make_unique<testing::ChildProcess>(TONGBAN_IDENTITY_BIN,
                                                       std::vector<std::string>{}, id_env);
    auto id_port = identity->wait_for_port(30s);
    if (!id_port) {
      error = "identity did not start";
      return;
    }
    const auto id_url = "http://127.0.0.1:" + std::to_string(*id_port);
    env["TONGBAN_JWKS_URL"] = id_url + "/.well-known/jwks.json";
    env["TONGBAN_DATAHUB_GROUP"] = "datahub-bench-" + ids::random_hex(4);
    hub = std::make_unique<testing::ChildProcess>(TONGBAN_DATAHUB_BIN, std::vector<std::string>{},
                                                  env);
    auto port = hub->wait_for_port(60s);
    if (!port) {
      error = "datahub did not start";
      return;
    }
    base = "http://127.0.0.1:" + std::to_string(*port);
    http::Client c;
    auto login = [&](const std::string& l, const std::string& pw) {
      auto r = c.post_json(
          id_url + "/v1/sessions",
          json::serialize(json::object{{"subject_type", "staff"}, {"login", l}, {"password", pw}}));
      return r && r->status == 200
                 ? std::string(json::parse(r->body).at("access_token").as_string())
                 : std::string();
    };
    const auto admin = login("admin", "Admin-Passw0rd-2026");
    auto staff = [&](const std::string& city, const std::string& dept, const char* role) {
      const auto name = "b-" + ids::random_hex(6);
      (void)c.post_json(id_url + "/v1/staff",
                        json::serialize(json::object{{"login", name},
                                                     {"name", name},
                                                     {"city", city},
                                                     {"department", dept},
                                                     {"roles", json::array{role}},
                                                     {"password", "Correct-Horse-42"}}),
                        {{"Authorization", "Bearer " + admin}});
      return login(name, "Correct-Horse-42");
    };
    const auto owner = staff("330100", "公安局", "dept_admin");
    const auto consumer = staff("320100", "民政局", "dept_admin");
    token = staff("320100", "民政局", "examiner");
    auto call = [&](http::Method m, const std::string& p, const std::string& t, json::object b) {
      return c.request(m, base + p,
                       {{"Authorization", "Bearer " + t}, {"Content-Type", "application/json"}},
                       json::serialize(b));
    };
    const std::string res = "330100.ps.bench";
    auto registered = call(
        http::Method::post, "/v1/resources", owner,
        {{"id", res},
         {"name", "户籍"},
         {"fields", json::array{json::object{{"name", "name"}}, json::object{{"name", "address"}}}},
         {"sharing_class", "unconditional"},
         {"update_frequency", "daily"}});
    if (!registered || registered->status != 201) {
      error = "resource: " + (registered ? registered->body : registered.error().message);
      return;
    }
    (void)call(http::Method::put, "/v1/resources/" + res + "/records/subject-1", owner,
               {{"values", json::object{{"name", "张三"}, {"address", "杭州"}}}});
    auto g = call(http::Method::post, "/v1/grants", consumer,
                  {{"resource", res},
                   {"fields", json::array{"name", "address"}},
                   {"duration_days", 30},
                   {"purpose", "bench"}});
    if (!g || g->status != 201) {
      error = "grant: " + (g ? g->body : g.error().message);
      return;
    }
    // The case, as delegation announces it.
    const auto case_id = "bench-" + ids::random_hex(6);
    auto producer = bus::Producer::create(bus::KafkaConfig{*kafka, "datahub-bench", {}});
    if (!producer) {
      error = "kafka producer: " + producer.error().message;
      return;
    }
    auto e =
        bus::Envelope::make("/tongban/delegation", "tongban.delegation.case_submitted.v1", case_id,
                            json::object{{"case_id", case_id},
                                         {"receiving_city", "320100"},
                                         {"accepting_city", "330100"},
                                         {"applicant", "subject-1"},
                                         {"item_code", "PS-0001"},
                                         {"state", "SUBMITTED"},
                                         {"version", 1},
                                         {"at", to_rfc3339(Clock::system().now())}});
    (void)(*producer)->produce_sync(bus::to_message("tongban.delegation.cases.v1", e), 10s);
    path = "/v1/resources/" + res + "/records/subject-1?purpose=case:" + case_id;
    std::string last;
    for (int i = 0; i < 600; ++i) {
      auto r = c.get(base + path, {{"Authorization", "Bearer " + token}});
      if (r && r->status == 200) return;
      last = r ? r->body : r.error().message;
      std::this_thread::sleep_for(100ms);
    }
    auto mine = c.get(base + "/v1/grants", {{"Authorization", "Bearer " + token}});
    auto theirs = c.get(base + "/v1/grants", {{"Authorization", "Bearer " + consumer}});
    error = "the data call never succeeded: " + last + " examiner sees " +
            (mine ? mine->body : "") + " consumer sees " + (theirs ? theirs->body : "");
  }
};

void BM_audited_data_call_http(benchmark::State& state) {
  static Platform platform;
  if (!platform.error.empty()) {
    state.SkipWithError(platform.error.c_str());
    return;
  }
  http::Client client;
  const http::Headers h{{"Authorization", "Bearer " + platform.token}};
  const auto url = platform.base + platform.path;
  for (auto _ : state) {
    auto r = client.get(url, h);
    if (!r || r->status != 200) {
      state.SkipWithError(r ? r->body.c_str() : r.error().message.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_audited_data_call_http)->Threads(1)->Threads(8)->UseRealTime()->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();

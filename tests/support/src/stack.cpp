#include "tongban/testing/stack.hpp"

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <random>

#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/testing/json.hpp"

namespace tongban::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

}  // namespace

std::string access_token(const std::string& identity_url, const std::string& subject_type,
                         const std::string& login, const std::string& password) {
  http::Client c({.connect_timeout = std::chrono::milliseconds(2000),
                  .request_timeout = std::chrono::milliseconds(30000)});
  auto r =
      c.post_json(identity_url + "/v1/sessions",
                  json::serialize(json::object{
                      {"subject_type", subject_type}, {"login", login}, {"password", password}}));
  return r && r->status == 200 ? str(parse_object(r->body), "access_token") : "";
}

std::string fresh_id_number(const std::string& region) {
  static std::mt19937 gen(std::random_device{}());
  char body[18];
  std::snprintf(body, sizeof body, "%s%04u%02u%02u%03u", region.c_str(),
                static_cast<unsigned>(1960 + gen() % 40), static_cast<unsigned>(1 + gen() % 12),
                static_cast<unsigned>(1 + gen() % 28), static_cast<unsigned>(gen() % 1000));
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body) + "10X98765432"[sum % 11];
}

Stack::Stack(StackOptions options) : options_(std::move(options)) {
  auto env = [this](const PrivateRedis& r) {
    return std::map<std::string, std::string>{{"TONGBAN_HTTP_PORT", "0"},
                                              {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
                                              {"TONGBAN_REDIS_ADDR", r.address()},
                                              {"TONGBAN_KAFKA_BOOTSTRAP", options_.kafka}};
  };
  auto start = [this](std::unique_ptr<ChildProcess>& p, const std::string& bin,
                      std::map<std::string, std::string> e, std::string& url) {
    p = std::make_unique<ChildProcess>(bin, std::vector<std::string>{}, std::move(e));
    auto port = p->wait_for_port(180s);
    if (port) {
      url = "http://127.0.0.1:" + std::to_string(*port);
    } else if (error_.empty()) {
      error_ = bin + " did not start:\n" + p->output().substr(0, 4000);
    }
  };
  redis_.push_back(std::make_unique<PrivateRedis>());
  const auto& core = *redis_.back();
  if (!core.ready()) {
    error_ = "redis-server did not start";
    return;
  }
  auto id_env = env(core);
  id_env["TONGBAN_IDENTITY_ADMIN_PASSWORD"] = kAdminPassword;
  id_env["TONGBAN_IDENTITY_ARGON2_MEM_KIB"] = "8192";
  id_env["TONGBAN_IDENTITY_ARGON2_OPS"] = "1";
  start(identity_, options_.binaries.identity, id_env, identity_url_);
  if (!error_.empty()) return;
  const auto jwks = identity_url_ + "/.well-known/jwks.json";
  if (!options_.binaries.catalog.empty()) {
    auto e = env(core);
    e["TONGBAN_JWKS_URL"] = jwks;
    e["TONGBAN_CATALOG_SEED"] = "true";
    e["TONGBAN_CATALOG_SEED_CITIES"] = std::to_string(options_.catalog_seed_cities);
    start(catalog_, options_.binaries.catalog, e, catalog_url_);
  }
  suffix_ = ids::random_hex(4);
  const auto& suffix = suffix_;
  if (!options_.binaries.datahub.empty()) {
    auto e = env(core);
    e["TONGBAN_JWKS_URL"] = jwks;
    // Its own consumer groups: in a group shared with another stack's datahub on the same
    // broker, each would see only some partitions of the case events.
    e["TONGBAN_DATAHUB_GROUP"] = "datahub-stack-" + suffix;
    start(datahub_, options_.binaries.datahub, e, datahub_url_);
  }
  if (!options_.binaries.portal.empty()) {
    start(portal_, options_.binaries.portal, portal_env(), portal_url_);
  }
  for (const auto& spec : options_.nodes) {
    redis_.push_back(std::make_unique<PrivateRedis>());
    auto e = env(*redis_.back());
    e["TONGBAN_JWKS_URL"] = jwks;
    e["TONGBAN_DELEGATION_NODE"] = spec.name + "-" + suffix;
    e["TONGBAN_DELEGATION_CITIES"] = spec.cities;
    e["TONGBAN_DELEGATION_DATAHUB_URL"] = datahub_url_;
    e["TONGBAN_DELEGATION_CATALOG_URL"] = catalog_url_;
    for (const auto& [k, v] : options_.node_env) e[k] = v;
    nodes_.emplace_back();
    node_urls_.emplace_back();
    node_envs_.push_back(e);
    start(nodes_.back(), options_.binaries.delegation, e, node_urls_.back());
  }
}

std::map<std::string, std::string> Stack::portal_env() const {
  return {{"TONGBAN_HTTP_PORT", "0"},
          {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
          {"TONGBAN_REDIS_ADDR", redis_.front()->address()},
          {"TONGBAN_KAFKA_BOOTSTRAP", options_.kafka},
          {"TONGBAN_JWKS_URL", identity_url_ + "/.well-known/jwks.json"},
          {"TONGBAN_PORTAL_IDENTITY_URL", identity_url_},
          {"TONGBAN_PORTAL_NAMESPACE", "stack-" + suffix_},
          {"TONGBAN_PORTAL_GROUP", "portal-stack-" + suffix_},
          {"TONGBAN_PORTAL_CACHE_TTL", "0"}};
}

Stack::~Stack() {
  // Nodes first: they hold consumer groups and call the others.
  nodes_.clear();
  portal_.reset();
  datahub_.reset();
  catalog_.reset();
  identity_.reset();
}

std::string Stack::admin_token() {
  if (admin_token_.empty()) {
    admin_token_ = access_token(identity_url_, "staff", "admin", kAdminPassword);
  }
  return admin_token_;
}

std::string Stack::staff(const std::string& city, const std::string& role,
                         const std::string& department) {
  const auto name = role + "-" + ids::random_hex(5);
  http::Client c;
  auto r = c.post_json(identity_url_ + "/v1/staff",
                       json::serialize(json::object{{"login", name},
                                                    {"name", name},
                                                    {"city", city},
                                                    {"department", department},
                                                    {"roles", json::array{json::value(role)}},
                                                    {"password", kPassword}}),
                       {{"Authorization", "Bearer " + admin_token()}});
  if (!r || r->status != 201) return "";
  return access_token(identity_url_, "staff", name, kPassword);
}

std::pair<std::string, std::string> Stack::citizen(const std::string& city) {
  const auto number = fresh_id_number(city);
  http::Client c;
  auto r = c.post_json(identity_url_ + "/v1/citizens",
                       json::serialize(json::object{{"id_number", number},
                                                    {"name", "李华"},
                                                    {"household_city", city},
                                                    {"phone", "13900139000"},
                                                    {"password", kPassword}}));
  if (!r || r->status != 201) return {};
  return {str(parse_object(r->body), "id"),
          access_token(identity_url_, "citizen", number, kPassword)};
}

void Stack::stop_catalog() { catalog_.reset(); }
void Stack::stop_datahub() { datahub_.reset(); }

std::string Stack::outputs(std::size_t max_bytes_each) const {
  std::string out;
  auto add = [&](const char* name, const std::unique_ptr<ChildProcess>& p) {
    if (p) out += std::string("---- ") + name + "\n" + p->output().substr(0, max_bytes_each) + "\n";
  };
  add("identity", identity_);
  add("catalog", catalog_);
  add("datahub", datahub_);
  add("portal", portal_);
  for (const auto& n : nodes_) add("delegation", n);
  return out;
}

}  // namespace tongban::testing

// tongban-identity: subjects, credentials, roles and tokens (统一身份认证).
#include <chrono>
#include <string_view>
#include <thread>

#include "identity.hpp"
#include "tokens/passwords.hpp"
#include "tongban/core/log.hpp"

namespace tongban::identity {
std::string_view openapi_yaml();
}

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("identity", std::string(identity::openapi_yaml()), argc, argv);
  auto& env = svc.env();

  identity::IdentityOptions opts;
  auto ttl = env.integer("TONGBAN_IDENTITY_ACCESS_TTL_S", 900, 60, 3600,
                         "Lifetime of access tokens in seconds");
  auto refresh = env.integer("TONGBAN_IDENTITY_REFRESH_TTL_S", 30 * 24 * 3600, 300,
                             365LL * 24 * 3600, "Lifetime of a refresh-token family's tokens");
  auto ops = env.integer("TONGBAN_IDENTITY_ARGON2_OPS", 2, 1, 10, "argon2id passes (t)");
  auto mem = env.integer("TONGBAN_IDENTITY_ARGON2_MEM_KIB", 19456, 8192, 1048576,
                         "argon2id memory per hash in KiB (m)");
  auto activation = env.integer("TONGBAN_IDENTITY_KEY_ACTIVATION_S", 30, 0, 3600,
                                "Seconds a rotated-in key is published before it signs");
  auto par = env.integer("TONGBAN_IDENTITY_ARGON2_CONCURRENCY", 2, 1, 64,
                         "Password hashes computed at once (memory = this × m)");
  const auto admin_login = env.string("TONGBAN_IDENTITY_ADMIN_LOGIN", "admin",
                                      "Login of the platform admin created at first start");
  auto admin_password =
      env.secret("TONGBAN_IDENTITY_ADMIN_PASSWORD", "Its password; no admin is created when empty");
  for (const auto* r : {&ttl, &refresh, &ops, &mem, &par, &activation}) {
    if (!*r) {
      log::error("invalid configuration",
                 {{"variable", r->error().field}, {"detail", r->error().message}});
      return 2;
    }
  }
  if (!admin_password) {
    log::error("invalid configuration", {{"detail", admin_password.error().message}});
    return 2;
  }
  if (svc.print_env_requested()) return svc.run();
  opts.access_ttl = std::chrono::seconds(*ttl);
  opts.refresh_ttl = std::chrono::seconds(*refresh);
  opts.issuer = svc.config().jwt_issuer;
  opts.audience = svc.config().jwt_audience;
  identity::configure_password_hashing({static_cast<unsigned long long>(*ops),
                                        static_cast<std::size_t>(*mem) * 1024,
                                        static_cast<int>(*par)});

  opts.keys.activation_delay = std::chrono::seconds(*activation);
  opts.keys.publish_after_superseded = opts.access_ttl + std::chrono::minutes(5);
  identity::Identity id(svc, opts);
  // identity verifies its own tokens against its key ring, not over HTTP to itself.
  svc.use_auth([&id]() -> tongban::Result<std::string> { return id.keys().jwks_json(); },
               std::chrono::seconds(0));
  svc.ensure_topics(
      {std::string(identity::kSubjectsTopic), std::string(service::kRevocationTopic)});
  svc.relay_outbox();

  // Routes are added before the server starts; the keys need Redis, so a Redis outage
  // at start is a restart (Kubernetes retries), not a half-working identity.
  if (auto r = id.start(); !r) {
    log::error("identity cannot start", {{"detail", r.error().message}});
    return 1;
  }
  if (!admin_password->empty()) {
    if (auto r = id.ensure_platform_admin(admin_login, *admin_password); !r) {
      log::error("platform admin not created", {{"detail", r.error().message}});
      return 1;
    }
  }
  // Other replicas may rotate the key: reload the ring now and then.
  std::jthread reloader([&id](std::stop_token stop) {
    while (!stop.stop_requested()) {
      for (int i = 0; i < 100 && !stop.stop_requested(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!stop.stop_requested()) (void)id.keys().load();
    }
  });
  return svc.run();
}

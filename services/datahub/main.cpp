// tongban-datahub: resource directory, records and e-licences, sharing grants, audited
// data calls on a hash chain, the materials check.
#include <chrono>
#include <string_view>
#include <thread>

#include "datahub.hpp"
#include "tongban/core/log.hpp"

namespace tongban::datahub {
std::string_view openapi_yaml();
}  // namespace tongban::datahub

namespace {

int invalid_config(const tongban::Error& e) {
  tongban::log::error("invalid configuration", {{"variable", e.field}, {"detail", e.message}});
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tongban;
  service::Service svc("datahub", std::string(datahub::openapi_yaml()), argc, argv);
  auto key = svc.env().secret(
      "TONGBAN_DATAHUB_AUDIT_KEY",
      "PEM private key (Ed25519 recommended) signing audit checkpoints; unset: a key is created "
      "at first start and kept in Redis (demo only: put it in a secret in production)");
  auto sweep = svc.env().millis("TONGBAN_DATAHUB_SWEEP_INTERVAL", 10000,
                                "How often approved grants past their expiry are recorded as "
                                "expired (calls are refused at expiry regardless)");
  auto checkpoint = svc.env().millis("TONGBAN_DATAHUB_CHECKPOINT_INTERVAL", 60000,
                                     "How often the audit chain's head is signed as a checkpoint "
                                     "(when it moved)");
  const auto group = svc.env().string(
      "TONGBAN_DATAHUB_GROUP", "datahub",
      "Kafka consumer groups: <group>.cases (case places, approvals) and <group>.catalog "
      "(items' materials); one per datahub deployment, shared by its replicas");
  if (!key) return invalid_config(key.error());
  if (!sweep) return invalid_config(sweep.error());
  if (!checkpoint) return invalid_config(checkpoint.error());
  if (svc.print_env_requested()) return svc.run();

  svc.use_auth();
  svc.ensure_topics({std::string(datahub::kDirectoryTopic), std::string(datahub::kCallsTopic),
                     std::string(datahub::kLicencesTopic), std::string(datahub::kCasesTopic),
                     std::string(datahub::kCatalogTopic)});
  svc.relay_outbox();
  auto signer = datahub::CheckpointSigner::load(svc.redis(), *key);
  // Redis may be busy for a few seconds after a restart (loading, another service reading a
  // large state): a retryable error is retried for a while rather than ending the process.
  for (int attempt = 1; !signer && signer.error().retryable && attempt <= 15; ++attempt) {
    log::warn("audit signing key not loaded yet, retrying",
              {{"detail", signer.error().message}, {"attempt", attempt}});
    std::this_thread::sleep_for(std::chrono::seconds(1));
    signer = datahub::CheckpointSigner::load(svc.redis(), *key);
  }
  if (!signer) {
    log::error("audit signing key unusable", {{"detail", signer.error().message}});
    return 1;
  }
  datahub::Datahub hub(svc, std::move(*signer),
                       datahub::DatahubOptions{*sweep, *checkpoint, group});
  hub.add_routes();
  hub.add_consumers();
  hub.add_background_work();
  return svc.run();
}

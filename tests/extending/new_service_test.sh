#!/usr/bin/env bash
# scripts/new-service into a temporary copy of the repository: the new service builds (with
# -Werror), passes its own unit and integration tests against the test servers, and its
# deployment (Helm values, docs/deploy.md, k8s/base and the components) passes
# scripts/check-deploy, whose pinned tools come from the user cache (scripts/deploy-tools).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
# The tracked files as they are in the working tree.
(cd "${root}" && git ls-files -z | xargs -0 cp --parents -t "${tmp}")
"${tmp}/scripts/new-service" demo 8099
test -f "${tmp}/services/demo/main.cpp"
grep -q '^demo ' "${tmp}/scripts/services.txt"
# Its deployment: the chart's block, the docs' rows, the base file and its entry, the
# components, identity's ingress from it (the JWKS).
python3 - "${tmp}" <<'PY'
import sys, yaml
root = sys.argv[1]
svc = yaml.safe_load(open(f"{root}/helm/tongban/values.yaml"))["services"]["demo"]
assert svc["port"] == 8099 and svc["image"]["repository"] == "tongban-demo", svc
assert yaml.safe_load(open(f"{root}/helm/tongban/ci/partial-values.yaml"))["services"]["demo"] == {"enabled": False}
docs = open(f"{root}/docs/deploy.md").read()
assert "| demo | 8099 | `tongban-demo` |" in docs
assert "| `services.demo.port` | `8099` |" in docs
base = list(yaml.safe_load_all(open(f"{root}/k8s/base/demo.yaml")))
assert {o["kind"] for o in base} == {"ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"}
assert "demo.yaml" in yaml.safe_load(open(f"{root}/k8s/base/kustomization.yaml"))["resources"]
for f, kind in (("components/hpa/hpa.yaml", "HorizontalPodAutoscaler"),
                ("components/servicemonitor/servicemonitors.yaml", "ServiceMonitor")):
    assert any(o["kind"] == kind and o["metadata"]["name"] == "tongban-demo"
               for o in yaml.safe_load_all(open(f"{root}/k8s/{f}"))), f
identity = [o for o in yaml.safe_load_all(open(f"{root}/k8s/base/identity.yaml")) if o["kind"] == "NetworkPolicy"][0]
callers = [p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in identity["spec"]["ingress"][0]["from"]]
assert "demo" in callers, callers
PY
test -f "${tmp}/docker/demo.Dockerfile"
# A port another service has is refused, and nothing is written.
if "${tmp}/scripts/new-service" other 8081 2>/dev/null; then
  echo "new-service accepted identity's port" >&2
  exit 1
fi
test ! -e "${tmp}/services/other" && test ! -e "${tmp}/k8s/base/other.yaml"
cmake -S "${tmp}" -B "${tmp}/build" -G Ninja -DTONGBAN_WERROR=ON -DTONGBAN_BENCHMARKS=OFF >/dev/null
cmake --build "${tmp}/build" -j "${TONGBAN_BUILD_JOBS:-2}" \
  --target tongban-demo demo_test demo_integration_test
ctest --test-dir "${tmp}/build" --output-on-failure -R '^demo_'
# The whole deployment check with demo in it (its --print-env read from the build).
TONGBAN_BUILD_DIR="${tmp}/build" "${tmp}/scripts/check-deploy" all
# A second run refuses to overwrite.
if "${tmp}/scripts/new-service" demo 8099 2>/dev/null; then
  echo "new-service overwrote services/demo" >&2
  exit 1
fi
echo "new-service: demo built, passed its tests and scripts/check-deploy"

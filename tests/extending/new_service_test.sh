#!/usr/bin/env bash
# scripts/new-service into a temporary copy of the repository: the new service builds (with
# -Werror) and passes its own unit and integration tests against the test servers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT
# The tracked files as they are in the working tree.
(cd "${root}" && git ls-files -z | xargs -0 cp --parents -t "${tmp}")
"${tmp}/scripts/new-service" demo 8099
test -f "${tmp}/services/demo/main.cpp"
grep -q '^demo ' "${tmp}/scripts/services.txt"
cmake -S "${tmp}" -B "${tmp}/build" -G Ninja -DTONGBAN_WERROR=ON -DTONGBAN_BENCHMARKS=OFF >/dev/null
cmake --build "${tmp}/build" -j "${TONGBAN_BUILD_JOBS:-2}" \
  --target tongban-demo demo_test demo_integration_test
ctest --test-dir "${tmp}/build" --output-on-failure -R '^demo_'
# A second run refuses to overwrite.
if "${tmp}/scripts/new-service" demo 8099 2>/dev/null; then
  echo "new-service overwrote services/demo" >&2
  exit 1
fi
echo "new-service: demo built and passed its tests"

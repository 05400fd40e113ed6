#!/usr/bin/env bash
# libs/store SET throughput next to redis-benchmark's, against the same server, at the
# same concurrency. Usage: libs/store/bench/compare.sh [build-dir] [host:port]
# (defaults: build, $TONGBAN_TEST_REDIS or 127.0.0.1:16390). Goal: store ≥ 50 % of it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-${root}/build}"
addr="${2:-${TONGBAN_TEST_REDIS:-127.0.0.1:16390}}"
host="${addr%:*}"
port="${addr##*:}"
requests="${REQUESTS:-200000}"
concurrency="${CONCURRENCY:-50}"
bench="${build}/libs/store/store_bench"
[[ -x "${bench}" ]] || { echo "build store_bench first: cmake --build ${build} --target store_bench" >&2; exit 1; }

echo "redis-benchmark -t set -n ${requests} -c ${concurrency} -q (${addr})"
rb_line="$(redis-benchmark -h "${host}" -p "${port}" -t set -n "${requests}" -c "${concurrency}" -q \
  | tr '\r' '\n' | grep -E '^SET: [0-9.]+ requests per second' | tail -1)"
echo "  ${rb_line}"
rb="$(sed -E 's/^SET: ([0-9.]+) requests per second.*/\1/' <<<"${rb_line}")"

out="$("${bench}" --redis "${addr}" --requests "${requests}" --concurrency "${concurrency}")"
echo "${out}" | sed 's/^/  /'
sync_rate="$(grep 'store sync' <<<"${out}" | sed -E 's/.*SET: ([0-9.]+) requests.*/\1/')"
async_rate="$(grep 'store async' <<<"${out}" | sed -E 's/.*SET: ([0-9.]+) requests.*/\1/')"
awk -v s="${sync_rate}" -v a="${async_rate}" -v r="${rb}" 'BEGIN {
  printf "ratio to redis-benchmark: sync %.0f %%, async %.0f %% (goal >= 50 %%)\n", 100*s/r, 100*a/r }'

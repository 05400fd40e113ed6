#!/usr/bin/env bash
# How fast the load generator itself is: nginx (1 worker, `return 200`, the same 15-byte
# body as libs/http/bench/compare.sh) as the server, wrk's closed-loop maximum as the
# ceiling, then tongban-loadgen open loop at fixed rates on the same connections.
# Prints a Markdown table: achieved rate, late sends, send and start lag, latency, CPU.
# Usage: tools/loadgen/bench/compare.sh [build-dir] [duration-s] [connections] [rates...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build}
duration=${2:-10}
conns=${3:-64}
shift $(($# < 3 ? $# : 3))
rates=("$@")
((${#rates[@]} > 0)) || rates=(25000 50000 60000 70000)
bin=$build/tools/loadgen/tongban-loadgen
[ -x "$bin" ] || { echo "build tongban-loadgen first (cmake --build $build --target tongban-loadgen)"; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (scripts/setup)"; exit 1; }

work=$(mktemp -d)
trap 'kill $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18281
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; return 200 "hello, tongban\n"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
sleep 0.5
url=http://127.0.0.1:$port/

wrk -t1 -c"$conns" -d2s "$url" >/dev/null # warm-up
wrk_rps=$(wrk -t1 -c"$conns" -d"${duration}s" "$url" | awk '/Requests\/sec/ {print $2}')
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| generator | offered req/s | achieved req/s | % of wrk max | late sends | send lag p99 | start lag p99 | corrected p99 | uncorrected p99 | CPU max |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '| wrk -t1 -c%s (closed loop, max) | - | %.0f | 100 %% | - | - | - | - | - | - |\n' "$conns" "$wrk_rps"
for rate in "${rates[@]}"; do
  out=$work/run-$rate
  "$bin" run --target "$url" --rate "$rate" --duration "${duration}s" --warmup 1s \
    --connections "$conns" --quiet --out "$out" >/dev/null 2>&1 || true
  python3 - "$out/summary.json" "$rate" "$wrk_rps" "$conns" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["counts"]
req = max(c["requests"], 1)
print("| tongban-loadgen -c%s | %s | %.0f | %.0f %% | %.1f %% | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.0f %% |" % (
    sys.argv[4], sys.argv[2], s["throughput"]["requests_per_s"],
    100 * s["throughput"]["requests_per_s"] / float(sys.argv[3]),
    100.0 * c["late_sends"] / req, s["send_lag"]["p99_ms"], s["start_lag"]["p99_ms"],
    s["requests"]["corrected"]["p99_ms"], s["requests"]["uncorrected"]["p99_ms"],
    s["saturation"]["cpu_percent_max"]))
PY
done

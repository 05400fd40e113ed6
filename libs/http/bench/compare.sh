#!/usr/bin/env bash
# libs/http trivial route vs nginx `return 200` (1 worker), both under wrk with the same
# connections and the same response body. Prints req/s of each and the ratio.
# Usage: libs/http/bench/compare.sh [build-dir] [duration-s] [connections]
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build}
duration=${2:-10}
conns=${3:-64}
bin=$build/libs/http/http_bench_server
[ -x "$bin" ] || { echo "build http_bench_server first (cmake --build $build --target http_bench_server)"; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (scripts/setup)"; exit 1; }

work=$(mktemp -d)
trap 'kill $(cat $work/nginx.pid 2>/dev/null) 2>/dev/null || true; kill $tb_pid 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:18081;
    location / { default_type text/plain; return 200 "hello, tongban\n"; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
"$bin" 18080 1 inline & tb_pid=$!
sleep 1

run() { wrk -t1 -c"$conns" -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
run http://127.0.0.1:18081/ >/dev/null  # warm-up
nginx_rps=$(run http://127.0.0.1:18081/)
tb_rps=$(run http://127.0.0.1:18080/)
echo "nginx return 200 (1 worker):     $nginx_rps req/s"
echo "libs/http inline route (1 io):   $tb_rps req/s"
awk -v a="$tb_rps" -v b="$nginx_rps" 'BEGIN { printf "ratio libs/http / nginx:         %.0f%%\n", 100*a/b }'
kill $tb_pid; wait $tb_pid 2>/dev/null || true
"$bin" 18080 1 worker & tb_pid=$!
sleep 1
tb_worker=$(run http://127.0.0.1:18080/)
echo "libs/http worker-pool route:     $tb_worker req/s"

#!/usr/bin/env bash
# Idempotent-producer throughput of libs/bus (bus_bench) next to Kafka's own
# org.apache.kafka.tools.ProducerPerformance, same broker, same settings:
# acks=all, enable.idempotence=true, 1 KiB records, unthrottled, no compression.
#
# Usage: libs/bus/bench/compare.sh [--build-dir DIR] [--bootstrap host:port] [--num-records N]
# Defaults: build-bus, $TONGBAN_TEST_KAFKA or 127.0.0.1:19092 (scripts/test-env), 200000.
# The Kafka jars come from scripts/setup's cache (${XDG_CACHE_HOME:-$HOME/.cache}/tongban).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build_dir="${root}/build-bus"
bootstrap="${TONGBAN_TEST_KAFKA:-127.0.0.1:19092}"
records=200000
size=1024
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift 2 ;;
    --bootstrap) bootstrap="$2"; shift 2 ;;
    --num-records) records="$2"; shift 2 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

bench="${build_dir}/libs/bus/bus_bench"
if [[ ! -x "${bench}" ]]; then
  echo "compare.sh: ${bench} not built (cmake --build ${build_dir} --target bus_bench)" >&2
  exit 1
fi
shopt -s nullglob
jar_dirs=("${XDG_CACHE_HOME:-$HOME/.cache}"/tongban/kafka-*/libs)
shopt -u nullglob
if [[ ${#jar_dirs[@]} -eq 0 ]]; then
  echo "compare.sh: no Kafka jars under ${XDG_CACHE_HOME:-$HOME/.cache}/tongban (run scripts/setup)" >&2
  exit 1
fi
jars="${jar_dirs[-1]}"
log4j="$(dirname "${jars}")/tools-log4j.properties"

# Each side writes to a fresh topic with the same shape (3 partitions), created by us
# because the broker does not auto-create topics.
ours="$("${bench}" --bootstrap "${bootstrap}" --num-records "${records}" --record-size "${size}" \
  --compression none | grep '^bus_bench:')"
java_topic="$("${bench}" --bootstrap "${bootstrap}" --create-only)"
java_opts=()
[[ -f "${log4j}" ]] && java_opts+=("-Dlog4j.configuration=file:${log4j}")
theirs="$(java "${java_opts[@]}" -Xmx512m -cp "${jars}/*" org.apache.kafka.tools.ProducerPerformance \
  --topic "${java_topic}" --num-records "${records}" --record-size "${size}" --throughput -1 \
  --producer-props bootstrap.servers="${bootstrap}" acks=all enable.idempotence=true \
  compression.type=none | tail -n 1)"

ours_rate="$(sed -E 's/.*, ([0-9.]+) records\/sec.*/\1/' <<<"${ours}")"
ours_mb="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"${ours}")"
theirs_rate="$(sed -E 's/.*, ([0-9.]+) records\/sec.*/\1/' <<<"${theirs}")"
theirs_mb="$(sed -E 's/.*\(([0-9.]+) MB\/sec\).*/\1/' <<<"${theirs}")"

echo "libs/bus (librdkafka): ${ours}"
echo "ProducerPerformance:   ${theirs}"
printf '%-24s %14s %10s\n' "producer" "records/sec" "MB/sec"
printf '%-24s %14.1f %10.2f\n' "libs/bus bus_bench" "${ours_rate}" "${ours_mb}"
printf '%-24s %14.1f %10.2f\n' "Kafka ProducerPerformance" "${theirs_rate}" "${theirs_mb}"
awk -v a="${ours_rate}" -v b="${theirs_rate}" 'BEGIN { printf "ratio libs/bus / Java: %.2f\n", a / b }'

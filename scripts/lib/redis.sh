# shellcheck shell=bash
# A Redis server from Debian's redis-server package, on loopback, persisted with an
# append-only file. Sourced; needs lib/common.sh first.
#
# Layout of a Redis state folder (e.g. .state/test/redis):
#   redis.pid  redis.log  appendonlydir/

# Usage: redis_ping <port>; true when the server answers PONG within 2 s.
redis_ping() {
  local port="$1"
  [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "${port}" ping 2>/dev/null)" == "PONG" ]]
}

# Starts redis-server (it daemonizes itself) and waits for PONG.
# Usage: redis_start <state dir> <port> [timeout seconds]
redis_start() {
  local dir="$1" port="$2" timeout_s="${3:-30}" deadline
  command -v redis-server >/dev/null || tb_die "redis-server not found; run scripts/setup first"
  if redis_ping "${port}"; then
    # Also covers a Redis someone started by hand on the agreed port: it is usable as is.
    tb_log "Redis already answering on 127.0.0.1:${port}"
    return 0
  fi
  tb_port_open 127.0.0.1 "${port}" &&
    tb_die "port ${port} is taken by a process that is not Redis; stop it first (ss -ltnp)"
  mkdir -p "${dir}"
  rm -f "${dir}/redis.pid"
  tb_log "starting Redis on 127.0.0.1:${port}, state in ${dir}"
  # AOF with fsync every second: at most one second of writes lost on a crash, which the
  # outbox relay and idempotent consumers tolerate. No RDB snapshots: AOF alone is enough
  # and snapshots fork the process, which costs memory on a small machine.
  redis-server --port "${port}" --bind 127.0.0.1 --protected-mode yes \
    --dir "${dir}" --appendonly yes --appendfsync everysec --save '' \
    --daemonize yes --pidfile "${dir}/redis.pid" --logfile "${dir}/redis.log" \
    </dev/null || {
    tb_tail_log "${dir}/redis.log"
    tb_die "redis-server failed to start"
  }
  deadline=$((SECONDS + timeout_s))
  until redis_ping "${port}"; do
    if ((SECONDS >= deadline)); then
      tb_tail_log "${dir}/redis.log"
      tb_die "Redis did not answer PONG on 127.0.0.1:${port} within ${timeout_s}s"
    fi
    sleep 0.2
  done
  tb_log "Redis ready on 127.0.0.1:${port} (pid $(cat "${dir}/redis.pid" 2>/dev/null || echo '?'))"
}

# SHUTDOWN makes Redis flush its append-only file before exiting; the pid file is the
# fallback for a server that no longer answers.
# Usage: redis_stop <state dir> <port> [timeout seconds]
redis_stop() {
  local dir="$1" port="$2" timeout_s="${3:-15}" deadline
  if redis_ping "${port}"; then
    tb_log "stopping Redis on 127.0.0.1:${port}"
    timeout 10 redis-cli -h 127.0.0.1 -p "${port}" shutdown >/dev/null 2>&1 || true
    deadline=$((SECONDS + timeout_s))
    while tb_port_open 127.0.0.1 "${port}" && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  tb_stop_pid "${dir}/redis.pid" Redis 5
}

# Prints one status line; returns 0 when running.
redis_status() {
  local dir="$1" port="$2"
  if redis_ping "${port}"; then
    printf 'redis  127.0.0.1:%s  running  %s\n' "${port}" "${dir}"
    return 0
  fi
  printf 'redis  127.0.0.1:%s  stopped  %s\n' "${port}" "${dir}"
  return 1
}

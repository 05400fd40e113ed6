# shellcheck shell=bash
# Shared by every script under scripts/: paths, versions, logging, waiting and stopping.
# Sourced, never executed. Callers set `set -euo pipefail` themselves.

# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

TB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TB_STATE="${TB_ROOT}/.state"

# Kafka 3.9.x: the last 3.x line, KRaft-only in practice and still speaking every protocol
# version librdkafka 2.0.2 (Debian bookworm) uses. Kafka 4 drops old protocol versions.
TB_KAFKA_VERSION="3.9.1"
# The jars live in a per-user cache, not in the repository: they are downloaded, not source.
# HOME can be unset in a bare CI environment; the account's home directory is the fallback.
TB_KAFKA_HOME="${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/tongban/kafka-${TB_KAFKA_VERSION}"
TB_JAVA="${JAVA:-java}"

tb_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
tb_die() {
  printf '[%s] error: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# True when something accepts TCP connections on host:port. Uses bash's /dev/tcp in a
# subshell under `timeout`, so a filtered port cannot hang the caller.
tb_port_open() {
  local host="$1" port="$2"
  timeout 2 bash -c "exec 3<>/dev/tcp/${host}/${port}" 2>/dev/null
}

# True when the process lives. A zombie counts as dead: a daemon whose parent exited is
# reaped by pid 1, which on some machines takes its time.
tb_proc_alive() {
  local pid="$1" stat
  kill -0 "${pid}" 2>/dev/null || return 1
  stat="$(cat "/proc/${pid}/stat" 2>/dev/null)" || return 1
  # Field 3 of /proc/<pid>/stat, after the ")" that closes the command name.
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# True when the pid in the file names a live process.
tb_pid_alive() {
  local pid_file="$1" pid
  [[ -s "${pid_file}" ]] || return 1
  pid="$(<"${pid_file}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  tb_proc_alive "${pid}"
}

# Stops the process of a pid file: SIGTERM, wait up to <timeout> seconds, then SIGKILL.
# A polite stop first because Kafka and the services flush and commit on SIGTERM.
tb_stop_pid() {
  local pid_file="$1" name="$2" timeout_s="${3:-30}" pid waited=0
  if ! tb_pid_alive "${pid_file}"; then
    rm -f "${pid_file}"
    return 0
  fi
  pid="$(<"${pid_file}")"
  kill -TERM "${pid}" 2>/dev/null || true
  while tb_proc_alive "${pid}"; do
    if ((waited >= timeout_s * 10)); then
      tb_log "${name} (pid ${pid}) still running after ${timeout_s}s: SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # After SIGKILL the kernel may need a moment before the process is gone.
  waited=0
  while tb_proc_alive "${pid}" && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "${pid_file}"
}

# Prints the last lines of a log file to stderr, to explain a failed start.
tb_tail_log() {
  local file="$1" lines="${2:-40}"
  if [[ -f "${file}" ]]; then
    printf -- '--- last %s lines of %s ---\n' "${lines}" "${file}" >&2
    tail -n "${lines}" "${file}" >&2
    printf -- '--- end of %s ---\n' "${file}" >&2
  fi
}

# The build folder scripts/test and scripts/up share (override: TONGBAN_BUILD_DIR).
TB_BUILD="${TONGBAN_BUILD_DIR:-${TB_ROOT}/build}"

# Configures (Ninja, RelWithDebInfo, warnings as errors, as in CI) and builds.
# Usage: tb_build [cmake --build args, e.g. --target t]
tb_build() {
  printf '\n==== build (%s) ====\n' "${TB_BUILD}"
  cmake -S "${TB_ROOT}" -B "${TB_BUILD}" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTONGBAN_WERROR=ON </dev/null
  cmake --build "${TB_BUILD}" -j "${TONGBAN_BUILD_JOBS:-$(nproc)}" "$@" </dev/null
}

# shellcheck shell=bash
# The local platform's services (scripts/services.txt): reading the list, starting one,
# waiting for it, stopping it. Sourced; needs lib/common.sh first.

# shellcheck disable=SC2034  # the TB_LOCAL_* values are read by scripts/up and scripts/down
TB_LOCAL="${TB_STATE}/local"
TB_LOCAL_REDIS_PORT=6390
TB_LOCAL_KAFKA_PORT=9092
TB_LOCAL_KAFKA_CONTROLLER_PORT=9093
TB_SERVICES_FILE="${TB_ROOT}/scripts/services.txt"

# Prints the service lines of services.txt without comments and blank lines.
services_list() {
  sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "${TB_SERVICES_FILE}" | grep -v '^$' || true
}

# Usage: service_binary <build dir> <name>; prints the path of the service's executable.
service_binary() {
  local build_dir="$1" name="$2" candidate
  for candidate in "${build_dir}/services/${name}/tongban-${name}" "${build_dir}/services/${name}/${name}"; do
    if [[ -x "${candidate}" ]]; then
      printf '%s\n' "${candidate}"
      return 0
    fi
  done
  return 1
}

service_ready() {
  local port="$1"
  curl -fsS --max-time 2 -o /dev/null "http://127.0.0.1:${port}/readyz" 2>/dev/null
}

# Usage: service_start <build dir> <name> <port> [KEY=VALUE ...]
service_start() {
  local build_dir="$1" name="$2" port="$3"
  shift 3
  local bin pid_file="${TB_LOCAL}/run/${name}.pid" log="${TB_LOCAL}/logs/${name}.log"
  bin="$(service_binary "${build_dir}" "${name}")" ||
    tb_die "no binary for service ${name} under ${build_dir}/services/${name}/ (built?)"
  mkdir -p "${TB_LOCAL}/run" "${TB_LOCAL}/logs"
  if tb_pid_alive "${pid_file}"; then
    # A rebuilt binary replaces the running one; an unchanged one keeps running.
    if [[ "${bin}" -nt "${pid_file}" ]]; then
      tb_log "${name}: binary rebuilt since start, restarting"
      tb_stop_pid "${pid_file}" "${name}" 30
    else
      tb_log "${name}: already running (pid $(<"${pid_file}"))"
      return 0
    fi
  fi
  tb_port_open 127.0.0.1 "${port}" && tb_die "${name}: port ${port} is taken by another process"
  tb_log "${name}: starting on 127.0.0.1:${port}, log ${log}"
  # setsid: services outlive scripts/up; logs are appended so a restart keeps the history.
  setsid env TONGBAN_HTTP_PORT="${port}" TONGBAN_HTTP_ADDR=127.0.0.1 \
    TONGBAN_REDIS_ADDR="127.0.0.1:${TB_LOCAL_REDIS_PORT}" \
    TONGBAN_KAFKA_BOOTSTRAP="127.0.0.1:${TB_LOCAL_KAFKA_PORT}" \
    "$@" "${bin}" </dev/null >>"${log}" 2>&1 &
  printf '%s\n' "$!" >"${pid_file}"
}

# Usage: service_wait_ready <name> <port> [timeout seconds]
service_wait_ready() {
  local name="$1" port="$2" timeout_s="${3:-60}" deadline
  deadline=$((SECONDS + timeout_s))
  until service_ready "${port}"; do
    if ! tb_pid_alive "${TB_LOCAL}/run/${name}.pid" || ((SECONDS >= deadline)); then
      tb_tail_log "${TB_LOCAL}/logs/${name}.log" 30
      tb_die "${name}: not ready on http://127.0.0.1:${port}/readyz"
    fi
    sleep 0.3
  done
  tb_log "${name}: ready on http://127.0.0.1:${port}"
}

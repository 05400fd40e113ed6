# shellcheck shell=bash
# A single-node Apache Kafka broker in KRaft mode (broker and controller in one JVM),
# run from the jars scripts/setup fetched. Sourced; needs lib/common.sh first.
#
# Layout of a Kafka state folder (e.g. .state/test/kafka):
#   server.properties  log4j.properties  cluster.id  kafka.pid
#   data/              partitions and the KRaft metadata log
#   logs/server.log    the broker's log; stdout.log for what the JVM prints itself

kafka_classpath() { printf '%s/libs/*' "${TB_KAFKA_HOME}"; }

kafka_require_jars() {
  [[ -s "${TB_KAFKA_HOME}/.complete" ]] ||
    tb_die "Kafka jars not found in ${TB_KAFKA_HOME}; run scripts/setup first"
}

# Runs one class from the Kafka jars (an admin tool, the perf tool) with quiet logging,
# killed after TB_KAFKA_TOOL_TIMEOUT seconds (default 300) so a lost broker cannot hang it.
# Usage: kafka_run_class <main class> [args...]
kafka_run_class() {
  kafka_require_jars
  local log4j="${TB_KAFKA_HOME}/tools-log4j.properties"
  if [[ ! -f "${log4j}" ]]; then
    # Tools log at WARN to stderr, so their real output (topic lists, figures) stays readable.
    printf '%s\n' 'log4j.rootLogger=WARN, stderr' \
      'log4j.appender.stderr=org.apache.log4j.ConsoleAppender' \
      'log4j.appender.stderr.Target=System.err' \
      'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout' \
      'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n' >"${log4j}"
  fi
  # Short-lived JVMs: the C1 compiler alone and a serial GC start fastest.
  timeout "${TB_KAFKA_TOOL_TIMEOUT:-300}" "${TB_JAVA}" -Xmx256m -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Dlog4j.configuration="file:${log4j}" \
    -cp "$(kafka_classpath)" "$@"
}

# Usage: kafka_write_config <state dir> <port> <controller port>
kafka_write_config() {
  local dir="$1" port="$2" cport="$3"
  mkdir -p "${dir}/data" "${dir}/logs"
  cat >"${dir}/server.properties" <<EOF
# Written by scripts/lib/kafka.sh on every start; edit that file, not this one.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${dir}/data

# Topics are declared by the services (tongban::bus::ensure_topics), never by accident.
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
min.insync.replicas=1

# One broker: internal topics with one replica, and few partitions so the first consumer
# group or transaction on a fresh broker does not wait for 50 partitions to be created.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3

# Consumers in tests join at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0

# Two cores shared by many processes: fewer threads than the defaults.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
  cat >"${dir}/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${dir}/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=3
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# Per-partition state changes and request traces drown the interesting lines.
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

# True when the broker of this state folder runs and accepts connections on its port.
kafka_is_running() {
  local dir="$1" port="$2"
  tb_pid_alive "${dir}/kafka.pid" && tb_port_open 127.0.0.1 "${port}"
}

# Starts a broker in the background and waits until it serves metadata requests.
# Usage: kafka_start <state dir> <port> <controller port> [timeout seconds]
kafka_start() {
  local dir="$1" port="$2" cport="$3" timeout_s="${4:-120}"
  kafka_require_jars
  if kafka_is_running "${dir}" "${port}"; then
    tb_log "Kafka already running on 127.0.0.1:${port} (pid $(<"${dir}/kafka.pid"))"
    return 0
  fi
  if tb_port_open 127.0.0.1 "${port}" || tb_port_open 127.0.0.1 "${cport}"; then
    tb_die "port ${port} or ${cport} is taken by another process; stop it first (ss -ltnp)"
  fi
  kafka_write_config "${dir}" "${port}" "${cport}"

  # KRaft needs its log folder formatted once with a cluster id; a formatted folder keeps
  # its id (meta.properties), so a restart with old state keeps its topics.
  if [[ ! -f "${dir}/data/meta.properties" ]]; then
    local cluster_id
    # A cluster id is a UUID in URL-safe base64 without padding (22 characters). Made in
    # bash rather than with StorageTool random-uuid to save a JVM start.
    # One that starts with '-' would be read as an option by StorageTool's parser (it
    # happened, 1 run in 64): draw again.
    cluster_id="-"
    while [[ "${cluster_id}" == -* ]]; do
      cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    printf '%s\n' "${cluster_id}" >"${dir}/cluster.id"
    "${TB_JAVA}" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dlog4j.configuration="file:${dir}/log4j.properties" -cp "$(kafka_classpath)" \
      kafka.tools.StorageTool format -t "${cluster_id}" -c "${dir}/server.properties" \
      >"${dir}/logs/format.log" 2>&1 ||
      {
        tb_tail_log "${dir}/logs/format.log"
        tb_die "formatting the Kafka log folder failed"
      }
  fi

  tb_log "starting Kafka ${TB_KAFKA_VERSION} on 127.0.0.1:${port} (controller ${cport}), state in ${dir}"
  # setsid: the broker must outlive the shell that started it (scripts/test-env returns
  # at once) and must not get the terminal's Ctrl-C. Without job control the background
  # child is no group leader, so setsid does not fork and $! is the JVM's pid.
  setsid "${TB_JAVA}" -Xmx512m -Xms256m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:${dir}/log4j.properties" -Dkafka.logs.dir="${dir}/logs" \
    -cp "$(kafka_classpath)" kafka.Kafka "${dir}/server.properties" \
    </dev/null >"${dir}/logs/stdout.log" 2>&1 &
  printf '%s\n' "$!" >"${dir}/kafka.pid"

  if ! kafka_wait_ready "${dir}" "${port}" "${timeout_s}"; then
    tb_tail_log "${dir}/logs/server.log" 40
    tb_tail_log "${dir}/logs/stdout.log" 20
    kafka_stop "${dir}" 10
    tb_die "Kafka did not become ready on 127.0.0.1:${port} within ${timeout_s}s"
  fi
  tb_log "Kafka ready on 127.0.0.1:${port} (pid $(<"${dir}/kafka.pid"))"
}

# Ready = the JVM lives, the port answers, the broker logged the end of its start-up, and
# an admin client gets metadata back (the same path librdkafka takes first).
kafka_wait_ready() {
  local dir="$1" port="$2" timeout_s="$3" deadline
  deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    tb_pid_alive "${dir}/kafka.pid" || {
      tb_log "the Kafka JVM exited during start-up"
      return 1
    }
    if tb_port_open 127.0.0.1 "${port}" &&
      grep -q 'Kafka Server started' "${dir}/logs/server.log" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
  ((SECONDS < deadline)) || return 1
  while ((SECONDS < deadline)); do
    if TB_KAFKA_TOOL_TIMEOUT=30 kafka_run_class org.apache.kafka.tools.TopicCommand \
      --bootstrap-server "127.0.0.1:${port}" --list >/dev/null 2>"${dir}/logs/probe.log"; then
      return 0
    fi
    tb_pid_alive "${dir}/kafka.pid" || return 1
    sleep 1
  done
  tb_tail_log "${dir}/logs/probe.log" 10
  return 1
}

# Usage: kafka_stop <state dir> [timeout seconds]
kafka_stop() {
  local dir="$1" timeout_s="${2:-60}"
  if tb_pid_alive "${dir}/kafka.pid"; then
    tb_log "stopping Kafka (pid $(<"${dir}/kafka.pid"))"
  fi
  # A clean KRaft shutdown takes a few seconds (it flushes logs and writes checkpoints);
  # SIGKILL only after a generous wait, since a killed broker recovers its logs on restart.
  tb_stop_pid "${dir}/kafka.pid" Kafka "${timeout_s}"
}

# Prints one status line; returns 0 when running.
kafka_status() {
  local dir="$1" port="$2"
  if kafka_is_running "${dir}" "${port}"; then
    printf 'kafka  127.0.0.1:%s  running (pid %s)  %s\n' "${port}" "$(<"${dir}/kafka.pid")" "${dir}"
    return 0
  fi
  printf 'kafka  127.0.0.1:%s  stopped  %s\n' "${port}" "${dir}"
  return 1
}

#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft, combined broker+controller)
# on the local JDK, without Docker. The jars come from Maven Central through
# deploy/local/kafka/pom.xml and are cached outside the repository.
#
#   deploy/local/kafka.sh fetch
#   deploy/local/kafka.sh start  [--port P] [--controller-port C] [--data DIR] [--name NAME]
#                                [--sasl-plain USER:PASSWORD]
#   deploy/local/kafka.sh stop   [--name NAME]
#   deploy/local/kafka.sh status [--name NAME]
#
# `start` prints KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:P on success, so callers can
# `export "$(deploy/local/kafka.sh start | tail -n1)"`. Everything else goes to
# stderr.
#
# --sasl-plain (tests of the clients' login, ADR 0143): the listener on P asks
# for a SASL PLAIN login (SASL_PLAINTEXT) and knows one user, USER with
# PASSWORD (letters, digits, . _ -); without it the listener is PLAINTEXT with
# no login, as always. A test broker only: the password is on its command line
# and in its state folder.
#
# Environment:
#   HEARTH_KAFKA_HOME   jar cache (default ~/.cache/hearth/kafka-4.1.1)
#   HEARTH_KAFKA_NAME   default for --name (default "default")
#   HEARTH_LOCAL_VAR    state root (default <repo>/var); an instance NAME keeps
#                       its config, log and pid in $HEARTH_LOCAL_VAR/kafka/NAME
#   HEARTH_KAFKA_HEAP   broker heap flags (default "-Xms128m -Xmx512m")
#   JAVA_HOME           JDK to use (default: java on PATH)
#
# See docs/runbooks/local-infrastructure.md and
# docs/adr/0001-real-infrastructure-without-docker.md.
set -euo pipefail

KAFKA_VERSION=4.1.1
# Pinned so that the resolution does not depend on the Maven version installed.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
START_TIMEOUT_S=60
STOP_TIMEOUT_S=30

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
POM="$SCRIPT_DIR/kafka/pom.xml"
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
KAFKA_HOME=${HEARTH_KAFKA_HOME:-$HOME/.cache/hearth/kafka-$KAFKA_VERSION}
LIBS="$KAFKA_HOME/libs"
MARKER="$LIBS/.complete"
VAR_ROOT=${HEARTH_LOCAL_VAR:-$REPO_ROOT/var}

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,31p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# --- tools -------------------------------------------------------------------

java_bin() {
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        echo "$JAVA_HOME/bin/java"
    elif command -v java >/dev/null 2>&1; then
        command -v java
    else
        die "no JDK found: install JDK 17 or newer (Debian: apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME"
    fi
}

check_java() {
    local java version major
    java=$(java_bin)
    version=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
    major=${version%%.*}
    [[ "$major" =~ ^[0-9]+$ ]] || die "could not read the Java version of $java"
    (( major >= 17 )) || die "Kafka $KAFKA_VERSION needs Java 17 or newer; $java is Java $version"
}

pom_digest() { sha256sum "$POM" | cut -d' ' -f1; }

libs_complete() {
    [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$KAFKA_VERSION $(pom_digest)" ]]
}

# Run "$@" under an exclusive lock on file $1 when flock(1) is available, so
# that concurrent callers (parallel test workers) do not race.
with_lock() {
    local lockfile=$1
    shift
    mkdir -p "$(dirname "$lockfile")"
    if command -v flock >/dev/null 2>&1; then
        (
            flock -w 300 9 || die "timed out waiting for lock $lockfile"
            "$@"
        ) 9>"$lockfile"
    else
        "$@"
    fi
}

fetch_locked() {
    libs_complete && return 0
    command -v mvn >/dev/null 2>&1 ||
        die "Maven not found: install it (Debian: apt-get install -y maven)"
    check_java
    local tmp="$KAFKA_HOME/libs.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    log "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS"
    # Only the pom's dependencies and Maven's own plugins are fetched, from the
    # repositories Maven is configured with (Maven Central by default).
    if ! mvn -q -B -Dstyle.color=never -f "$POM" "$DEPENDENCY_PLUGIN:copy-dependencies" \
        -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 |
        sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2; then
        rm -rf "$tmp"
        die "mvn could not resolve the Kafka jars (see above)"
    fi
    ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 ||
        { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after resolution"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    echo "$KAFKA_VERSION $(pom_digest)" >"$MARKER"
    log "$(find "$LIBS" -name '*.jar' | wc -l) jars in $LIBS"
}

cmd_fetch() {
    libs_complete && return 0
    mkdir -p "$KAFKA_HOME"
    with_lock "$KAFKA_HOME/.fetch.lock" fetch_locked
}

# Small, quick-starting JVM for the command-line tools.
run_tool() {
    "$(java_bin)" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$STATE/log4j2-tools.yaml" \
        -cp "$LIBS/*" "$@"
}

# --- instance state ------------------------------------------------------------

NAME=${HEARTH_KAFKA_NAME:-default}
PORT=
CONTROLLER_PORT=
DATA=
SASL_PLAIN=
BROKER_PASSWORD=

parse_args() {
    while (($#)); do
        case $1 in
        --port) PORT=${2:?--port needs a value}; shift 2 ;;
        --port=*) PORT=${1#*=}; shift ;;
        --controller-port) CONTROLLER_PORT=${2:?--controller-port needs a value}; shift 2 ;;
        --controller-port=*) CONTROLLER_PORT=${1#*=}; shift ;;
        --data) DATA=${2:?--data needs a value}; shift 2 ;;
        --data=*) DATA=${1#*=}; shift ;;
        --name) NAME=${2:?--name needs a value}; shift 2 ;;
        --name=*) NAME=${1#*=}; shift ;;
        --sasl-plain) SASL_PLAIN=${2:?--sasl-plain needs USER:PASSWORD}; shift 2 ;;
        --sasl-plain=*) SASL_PLAIN=${1#*=}; shift ;;
        -h | --help) usage ;;
        *) die "unknown argument: $1" ;;
        esac
    done
    [[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name must be letters, digits, . _ -"
    [[ -z "$SASL_PLAIN" || "$SASL_PLAIN" =~ ^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$ ]] ||
        die "--sasl-plain must be USER:PASSWORD, each letters, digits, . _ -"
    STATE="$VAR_ROOT/kafka/$NAME"
    PID_FILE="$STATE/kafka.pid"
    LOG_FILE="$STATE/kafka.log"
    CONFIG="$STATE/server.properties"
    INSTANCE_ENV="$STATE/instance.env"
}

# instance.env records the ports and data dir the instance was started with, so
# that stop/status/start-again need only the name.
load_instance() {
    REC_PORT='' REC_CONTROLLER_PORT='' REC_DATA=''
    if [[ -f "$INSTANCE_ENV" ]]; then
        REC_PORT=$(sed -n 's/^port=//p' "$INSTANCE_ENV")
        REC_CONTROLLER_PORT=$(sed -n 's/^controller_port=//p' "$INSTANCE_ENV")
        REC_DATA=$(sed -n 's/^data=//p' "$INSTANCE_ENV")
    fi
}

running_pid() {
    # Prints the broker's pid if the pid file names a live Kafka process of
    # this instance; a stale pid file (reused pid, crashed broker) is ignored.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $CONFIG" || return 1
    echo "$pid"
}

# A killed process stays a zombie until its parent reaps it; count it as gone.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

broker_answers() {
    # A metadata round trip through the admin client, bounded in time.
    timeout 30 "$(java_bin)" -Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$STATE/log4j2-tools.yaml" \
        -cp "$LIBS/*" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "127.0.0.1:$1" --command-config "$STATE/admin.properties" \
        --list >/dev/null 2>&1
}

# The client listener's lines of server.properties: PLAINTEXT, or with
# --sasl-plain SASL_PLAINTEXT asking for a PLAIN login. The broker logs in to
# itself (inter-broker) as its own user, with BROKER_PASSWORD.
listener_config() {
    if [[ -z "$SASL_PLAIN" ]]; then
        cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
EOF
        return 0
    fi
    local user=${SASL_PLAIN%%:*} password=${SASL_PLAIN#*:}
    cat <<EOF
listeners=SASL_PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="hearth-broker" password="$BROKER_PASSWORD" user_hearth-broker="$BROKER_PASSWORD" user_$user="$password";
EOF
}

write_config() {
    mkdir -p "$STATE" "$DATA"
    if [[ -n "$SASL_PLAIN" ]]; then
        BROKER_PASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    fi
    cat >"$CONFIG" <<EOF
# Written by deploy/local/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
$(listener_config)
log.dirs=$DATA
num.partitions=3
auto.create.topics.enable=true
# One node: internal topics cannot be replicated.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests: no delay before the first consumer group rebalance.
group.initial.rebalance.delay.ms=0
# After a kill -9 the restarted broker must wait for its old registration to
# expire before it is unfenced: keep that short (defaults 2000 / 9000).
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000
# Small machines (2 cores).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
    # Broker: warnings and errors only, plus the lines that tell it started
    # and stopped. stdout goes to kafka.log.
    cat >"$STATE/log4j2.yaml" <<'EOF'
Configuration:
  name: hearth-local-kafka
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
      - name: kafka.Kafka
        level: INFO
EOF
    # Command-line tools: errors only, to stderr.
    cat >"$STATE/log4j2-tools.yaml" <<'EOF'
Configuration:
  name: hearth-local-kafka-tools
  Appenders:
    Console:
      name: STDERR
      target: SYSTEM_ERR
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: ERROR
      AppenderRef:
        - ref: STDERR
EOF
    cat >"$STATE/admin.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
    if [[ -n "$SASL_PLAIN" ]]; then
        cat >>"$STATE/admin.properties" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="hearth-broker" password="$BROKER_PASSWORD";
EOF
    fi
    {
        echo "port=$PORT"
        echo "controller_port=$CONTROLLER_PORT"
        echo "data=$DATA"
    } >"$INSTANCE_ENV"
}

format_storage() {
    # Idempotent: an already formatted data dir is left alone so its topics and
    # offsets survive a stop/start.
    if [[ -f "$DATA/meta.properties" ]]; then
        return 0
    fi
    local cluster_id
    cluster_id=$(run_tool kafka.tools.StorageTool random-uuid)
    log "formatting $DATA (cluster id $cluster_id)"
    run_tool kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$CONFIG" >&2
}

print_bootstrap() { echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$1"; }

start_locked() {
    load_instance
    local pid
    if pid=$(running_pid); then
        if port_open "$REC_PORT" && broker_answers "$REC_PORT"; then
            log "broker '$NAME' already running (pid $pid)"
            print_bootstrap "$REC_PORT"
            return 0
        fi
        die "broker '$NAME' (pid $pid) is running but does not answer on 127.0.0.1:$REC_PORT; see $LOG_FILE or run: $0 stop --name $NAME"
    fi
    rm -f "$PID_FILE"

    # Defaults: what this instance used last time, else the standard ports.
    PORT=${PORT:-${REC_PORT:-9092}}
    CONTROLLER_PORT=${CONTROLLER_PORT:-${REC_CONTROLLER_PORT:-9093}}
    DATA=${DATA:-${REC_DATA:-$STATE/data}}
    [[ "$PORT" =~ ^[0-9]+$ && "$CONTROLLER_PORT" =~ ^[0-9]+$ ]] || die "ports must be numbers"
    [[ "$PORT" != "$CONTROLLER_PORT" ]] || die "--port and --controller-port must differ"
    mkdir -p "$DATA"
    DATA=$(cd "$DATA" && pwd)
    local p
    for p in "$PORT" "$CONTROLLER_PORT"; do
        port_open "$p" && die "port $p on 127.0.0.1 is already in use (another broker? see: ss -ltnp 'sport = :$p')"
    done

    write_config
    format_storage

    local java log_offset
    java=$(java_bin)
    # Keep one previous log once it passes 10 MB.
    if [[ -f "$LOG_FILE" ]] && (($(stat -c %s "$LOG_FILE") > 10485760)); then
        mv -f "$LOG_FILE" "$LOG_FILE.1"
    fi
    log_offset=$(stat -c %s "$LOG_FILE" 2>/dev/null || echo 0)
    {
        echo
        echo "=== $(date -u +%FT%TZ) kafka.sh start: 127.0.0.1:$PORT, controller $CONTROLLER_PORT, data $DATA"
    } >>"$LOG_FILE"
    # setsid + nohup: the broker outlives the calling shell and its terminal.
    # The wrapper writes its own pid, then execs java, so the pid is the JVM's.
    # fd 9 (the instance lock) is closed so the broker does not hold it.
    local heap
    read -r -a heap <<<"${HEARTH_KAFKA_HEAP:--Xms128m -Xmx512m}"
    # shellcheck disable=SC2016
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        "$java" "${heap[@]}" \
        -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$STATE/log4j2.yaml" \
        -cp "$LIBS/*" kafka.Kafka "$CONFIG" \
        </dev/null >>"$LOG_FILE" 2>&1 9>&- &

    local deadline=$((SECONDS + START_TIMEOUT_S))
    pid=
    while ((SECONDS < deadline)); do
        [[ -z "$pid" && -s "$PID_FILE" ]] && pid=$(cat "$PID_FILE")
        if [[ -n "$pid" ]] && ! alive "$pid"; then
            log "broker exited during start-up; last lines of $LOG_FILE:"
            tail -n 40 "$LOG_FILE" >&2
            rm -f "$PID_FILE"
            exit 1
        fi
        # The listener accepts connections before the broker can serve
        # requests: wait for its "started" line, then ask for metadata.
        if port_open "$PORT" &&
            tail -c +"$((log_offset + 1))" "$LOG_FILE" | grep -q 'Kafka Server started' &&
            broker_answers "$PORT"; then
            log "broker '$NAME' up (pid $pid) on 127.0.0.1:$PORT, data $DATA, log $LOG_FILE"
            print_bootstrap "$PORT"
            return 0
        fi
        sleep 0.5
    done
    log "broker did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT_S}s; last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2
    [[ -n "$pid" ]] && stop_pid "$pid"
    rm -f "$PID_FILE"
    exit 1
}

stop_pid() {
    local pid=$1 deadline
    kill -TERM "$pid" 2>/dev/null || return 0
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    while alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if alive "$pid"; then
        log "broker (pid $pid) still running after ${STOP_TIMEOUT_S}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.1; done
    fi
}

cmd_start() {
    parse_args "$@"
    cmd_fetch
    check_java
    mkdir -p "$STATE"
    with_lock "$STATE/.lock" start_locked
}

stop_locked() {
    load_instance
    local pid
    if pid=$(running_pid); then
        log "stopping broker '$NAME' (pid $pid)"
        stop_pid "$pid"
        # Kafka writes this marker into each log dir after a controlled
        # shutdown and removes it at start-up.
        if [[ -n "$REC_DATA" && -f "$REC_DATA/.kafka_cleanshutdown" ]]; then
            log "stopped (clean shutdown)"
        else
            log "stopped (no clean-shutdown marker: logs will be recovered at the next start)"
        fi
    else
        log "broker '$NAME' is not running"
    fi
    rm -f "$PID_FILE"
}

cmd_stop() {
    parse_args "$@"
    [[ -d "$STATE" ]] || { log "broker '$NAME' is not running (no $STATE)"; return 0; }
    with_lock "$STATE/.lock" stop_locked
}

cmd_status() {
    parse_args "$@"
    load_instance
    local pid
    if pid=$(running_pid); then
        if port_open "$REC_PORT"; then
            echo "running: broker '$NAME' pid $pid, bootstrap 127.0.0.1:$REC_PORT, controller 127.0.0.1:$REC_CONTROLLER_PORT"
        else
            echo "starting or unhealthy: broker '$NAME' pid $pid, port $REC_PORT not accepting connections"
        fi
        echo "data: $REC_DATA"
        echo "log:  $LOG_FILE"
        return 0
    fi
    if [[ -f "$PID_FILE" ]]; then
        echo "stopped: broker '$NAME' (stale pid file $PID_FILE)"
    else
        echo "stopped: broker '$NAME'"
    fi
    [[ -n "$REC_DATA" ]] && echo "data: $REC_DATA"
    return 3
}

main() {
    (($#)) || usage
    local cmd=$1
    shift
    case $cmd in
    fetch) cmd_fetch ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *) die "unknown command: $cmd (fetch | start | stop | status)" ;;
    esac
}

main "$@"

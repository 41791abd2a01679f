#!/usr/bin/env bash
# Run a private, throw-away PostgreSQL cluster for tests and `make run`, using
# Debian's PostgreSQL server binaries (never the Debian system cluster).
#
#   deploy/local/postgres.sh install
#   deploy/local/postgres.sh start   [--port P] [--data DIR]
#   deploy/local/postgres.sh stop    [--data DIR]
#   deploy/local/postgres.sh restart [--data DIR]
#   deploy/local/postgres.sh status  [--data DIR]
#
# `start` prints
#   HEARTH_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:P/postgres
# on success (default port 55432); everything else goes to stderr.
# The cluster listens on 127.0.0.1 only, trusts local connections and trades
# durability for speed (fsync, synchronous_commit, full_page_writes off): it
# is for tests, never for data anyone wants to keep.
#
# Environment:
#   HEARTH_LOCAL_VAR  state root (default <repo>/var); the cluster lives in
#                     $HEARTH_LOCAL_VAR/postgres/data unless --data says
#   PG_BINDIR         PostgreSQL server binaries (default: newest
#                     /usr/lib/postgresql/*/bin)
#
# Run as root, the cluster runs as the system user `postgres` (created if
# missing) and the data dir is owned by it.
# See docs/runbooks/local-infrastructure.md.
set -euo pipefail

DEFAULT_PORT=55432
START_TIMEOUT_S=60

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
VAR_ROOT=${HEARTH_LOCAL_VAR:-$REPO_ROOT/var}
STATE="$VAR_ROOT/postgres"
INSTANCE_ENV="$STATE/instance.env"

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/postgres" ]] || die "PG_BINDIR=$PG_BINDIR has no postgres binary"
        echo "$PG_BINDIR"
        return 0
    fi
    local dir d
    dir=$(for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/postgres" ]] && echo "$d"
    done | sort -V | tail -n1)
    [[ -n "$dir" ]] && { echo "$dir"; return 0; }
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir)
        [[ -x "$dir/postgres" ]] && { echo "$dir"; return 0; }
    fi
    return 1
}

cmd_install() {
    if find_bindir >/dev/null; then
        log "PostgreSQL server present: $(find_bindir)"
        return 0
    fi
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and this is not root: install the Debian package postgresql"
        sudo=(sudo)
    fi
    log "installing Debian's postgresql package"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
    find_bindir >/dev/null || die "postgresql installed but no server binary under /usr/lib/postgresql/*/bin"
    log "installed: $(find_bindir)"
}

# --- running as the cluster's owner -------------------------------------------------

ensure_pg_user() {
    is_root || return 0
    getent passwd postgres >/dev/null && return 0
    log "creating system user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

# Run a PostgreSQL tool as the cluster owner: the `postgres` user when root
# (the server refuses to run as root), else the calling user. From / so that an
# unreadable working directory does not matter.
as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# --- instance --------------------------------------------------------------------

PORT=
DATA=
parse_args() {
    while (($#)); do
        case $1 in
        --port) PORT=${2:?--port needs a value}; shift 2 ;;
        --port=*) PORT=${1#*=}; shift ;;
        --data) DATA=${2:?--data needs a value}; shift 2 ;;
        --data=*) DATA=${1#*=}; shift ;;
        -h | --help) usage ;;
        *) die "unknown argument: $1" ;;
        esac
    done
}

load_instance() {
    REC_PORT='' REC_DATA=''
    if [[ -f "$INSTANCE_ENV" ]]; then
        REC_PORT=$(sed -n 's/^port=//p' "$INSTANCE_ENV")
        REC_DATA=$(sed -n 's/^data=//p' "$INSTANCE_ENV")
    fi
}

abspath() {
    case $1 in
    /*) echo "$1" ;;
    *) echo "$PWD/$1" ;;
    esac
}

# Resolve the data dir: --data, else the one recorded at the last start, else
# $STATE/data. As root, the postgres user must be able to reach it; when it
# cannot (say the clone lives under /root), fall back to a folder under /tmp.
resolve_data() {
    if [[ -n "$DATA" ]]; then
        DATA=$(abspath "$DATA")
    elif [[ -n "$REC_DATA" ]]; then
        DATA=$REC_DATA
    else
        DATA="$STATE/data"
    fi
}

prepare_data_dir() {
    mkdir -p "$DATA"
    if is_root; then
        if ! runuser -u postgres -- test -x "$(dirname "$DATA")" 2>/dev/null; then
            local fallback
            fallback="/tmp/hearth-postgres-$(printf '%s' "$DATA" | sha256sum | cut -c1-12)/data"
            log "user postgres cannot reach $DATA; using $fallback instead"
            rmdir "$DATA" 2>/dev/null || true
            DATA=$fallback
            mkdir -p "$DATA"
        fi
        [[ "$(stat -c %U "$DATA")" == postgres ]] || chown -R postgres: "$DATA"
    fi
    chmod 700 "$DATA"
}

record_instance() {
    mkdir -p "$STATE"
    printf 'port=%s\ndata=%s\n' "$PORT" "$DATA" >"$INSTANCE_ENV"
}

log_file() { echo "$DATA/log/postgres.log"; }

url() { echo "HEARTH_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:$1/postgres"; }

# A killed process stays a zombie until its parent reaps it; count it as gone.
alive() { kill -0 "$1" 2>/dev/null && [[ "$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

pg_running() {
    [[ -f "$DATA/PG_VERSION" ]] || return 1
    as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
    local pid
    pid=$(head -n1 "$DATA/postmaster.pid" 2>/dev/null)
    [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_port() {
    # The port of a running cluster, from its postmaster.pid (line 4).
    sed -n '4p' "$DATA/postmaster.pid" 2>/dev/null
}

init_cluster() {
    [[ -f "$DATA/PG_VERSION" ]] && return 0
    log "initdb $DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --no-locale \
        --no-sync --no-instructions >&2
    # Our settings live in hearth.conf, rewritten on every start.
    echo "include_if_exists = 'hearth.conf'" | as_owner tee -a "$DATA/postgresql.conf" >/dev/null
}

write_settings() {
    as_owner tee "$DATA/hearth.conf" >/dev/null <<EOF
# Written by deploy/local/postgres.sh on every start; edits are overwritten.
# A test cluster: durability is traded for speed.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '/tmp'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
max_wal_size = 1GB
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
    as_owner mkdir -p "$DATA/log"
}

cmd_start() {
    parse_args "$@"
    BIN=$(find_bindir) || die "no PostgreSQL server: run $0 install (Debian package postgresql)"
    load_instance
    resolve_data
    if pg_running; then
        local port
        port=$(running_port)
        port=${port:-$REC_PORT}
        [[ -n "$PORT" && "$PORT" != "$port" ]] &&
            log "warning: already running on port $port (asked for $PORT); stop it first to change ports"
        log "already running: $DATA (port $port)"
        url "$port"
        return 0
    fi
    PORT=${PORT:-${REC_PORT:-$DEFAULT_PORT}}
    [[ "$PORT" =~ ^[0-9]+$ ]] || die "--port must be a number"
    port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use (see: ss -ltnp 'sport = :$PORT')"
    ensure_pg_user
    prepare_data_dir
    init_cluster
    write_settings
    record_instance
    log "starting PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, data $DATA"
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$(log_file)" -w -t "$START_TIMEOUT_S" start >/dev/null; then
        log "PostgreSQL did not start; last lines of $(log_file):"
        tail -n 30 "$(log_file)" >&2 || true
        exit 1
    fi
    url "$PORT"
}

running_instance() {
    parse_args "$@"
    BIN=$(find_bindir) || die "no PostgreSQL server: run $0 install"
    load_instance
    resolve_data
}

cmd_stop() {
    running_instance "$@"
    if ! pg_running; then
        log "not running ($DATA)"
        return 0
    fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >&2
}

cmd_restart() {
    running_instance "$@"
    [[ -f "$DATA/PG_VERSION" ]] || die "no cluster in $DATA: run $0 start"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$(log_file)" -m fast -w -t "$START_TIMEOUT_S" restart >&2
    url "$(running_port)"
}

cmd_status() {
    running_instance "$@"
    if pg_running; then
        local port
        port=$(running_port)
        echo "running: PostgreSQL on 127.0.0.1:$port, pid $(head -n1 "$DATA/postmaster.pid")"
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres || echo "warning: not accepting connections yet"
        echo "data: $DATA"
        echo "log:  $(log_file)"
        url "$port"
        return 0
    fi
    echo "stopped: $DATA"
    return 3
}

main() {
    (($#)) || usage
    local cmd=$1
    shift
    case $cmd in
    install) cmd_install ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    restart) cmd_restart "$@" ;;
    status) cmd_status "$@" ;;
    -h | --help | help) usage ;;
    *) die "unknown command: $cmd (install | start | stop | restart | status)" ;;
    esac
}

main "$@"

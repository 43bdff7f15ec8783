#!/usr/bin/env bash
# verify-soak.sh: skein-verify against a local 3-broker cluster while a broker is
# killed with kill -9 every 30 s (issue 13's acceptance run for skein-verify).
# Not part of the test suite: it runs for --duration (5 minutes by default).
#
#   tests/faults/verify-soak.sh [--duration 5m] [--kill-interval 30] [--build DIR]
#                               [--dir DIR] [--keep]
#
# It starts ZooKeeper and three brokers with deploy/skein-local-cluster (state in --dir,
# default a new temporary directory; ports from SKEIN_ZK_PORT / SKEIN_BASE_PORT, default
# free ones), then runs
#   skein-verify --topic verify-soak --partitions 6 --replication-factor 3
#                --topic-config min.insync.replicas=2 --producers 2 --duration D --json
# and meanwhile, every --kill-interval seconds, kill -9's the next broker (0, 1, 2, 0, ...),
# waits until ZooKeeper has dropped its registration (zookeeper.session.timeout.ms, 18 s
# in the local cluster), starts it again and waits until no partition is
# under-replicated or without a leader before the next kill can come. At the end it
# prints the kill log and skein-verify's report (also kept in DIR/verify-report.json)
# and stops everything it started. Exit status: skein-verify's (0 clean, 1 violations), or 2 on a setup error.
#
# Binaries: skeind, skein-verify and skein-topics from --build DIR (default
# <repo>/build). Needs python3 with kazoo (the integration tests' dependency).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
duration=5m
kill_interval=30
build=$repo/build
dir=""
keep=0
PYTHON=${PYTHON:-/usr/bin/python3}

usage() {
    sed -n '2,24s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit "${1:-2}"
}

while [ $# -gt 0 ]; do
    case $1 in
        --duration) [ $# -ge 2 ] || usage; duration=$2; shift 2 ;;
        --kill-interval) [ $# -ge 2 ] || usage; kill_interval=$2; shift 2 ;;
        --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
        --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "verify-soak: unknown option $1" >&2; usage ;;
    esac
done
case $kill_interval in ''|*[!0-9]*) echo "verify-soak: --kill-interval takes seconds" >&2; exit 2 ;; esac
build=$(cd "$build" 2>/dev/null && pwd) || { echo "verify-soak: no build directory $build" >&2; exit 2; }
for b in skeind skein-verify skein-topics; do
    [ -x "$build/$b" ] || { echo "verify-soak: $build/$b missing (build first)" >&2; exit 2; }
done
"$PYTHON" -c 'import kazoo' 2>/dev/null || { echo "verify-soak: $PYTHON cannot import kazoo" >&2; exit 2; }

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
if [ -z "$dir" ]; then
    dir=$(mktemp -d /tmp/verify-soak.XXXXXX)
else
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
fi
export SKEIN_LOCAL_DIR=$dir/cluster
export SKEIND=$build/skeind
export SKEIN_ZK_PORT=${SKEIN_ZK_PORT:-$(free_port)}
if [ -z "${SKEIN_BASE_PORT:-}" ]; then
    # three consecutive free ports
    SKEIN_BASE_PORT=$("$PYTHON" - <<'EOF'
import socket
for base in range(20000, 60000, 7):
    socks = []
    try:
        for p in range(base, base + 3):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
        print(base)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
EOF
)
    export SKEIN_BASE_PORT
fi
LC=$repo/deploy/skein-local-cluster
ZK=127.0.0.1:$SKEIN_ZK_PORT
BOOT=127.0.0.1:$SKEIN_BASE_PORT,127.0.0.1:$((SKEIN_BASE_PORT + 1)),127.0.0.1:$((SKEIN_BASE_PORT + 2))
TOPIC=verify-soak
verify_pid=""

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

cleanup() {
    if [ -n "$verify_pid" ] && kill -0 "$verify_pid" 2>/dev/null; then
        kill -TERM "$verify_pid" 2>/dev/null
        sleep 1
        kill -KILL "$verify_pid" 2>/dev/null
    fi
    "$LC" stop > "$dir/stop.log" 2>&1
    if [ $keep -eq 0 ]; then
        rm -rf "$SKEIN_LOCAL_DIR"
    else
        log "cluster state kept in $SKEIN_LOCAL_DIR"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# registered ID: 0/1 whether /brokers/ids/ID exists
registered() {
    "$PYTHON" - "$ZK" "$1" <<'EOF'
import sys
from kazoo.client import KazooClient
z = KazooClient(hosts=sys.argv[1])
z.start(10)
print(1 if z.exists("/brokers/ids/" + sys.argv[2]) else 0)
z.stop()
EOF
}

# wait_cond SECONDS WHAT COMMAND...: poll COMMAND until it succeeds, or give up.
wait_cond() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + secs))
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            log "timed out after ${secs}s waiting for $what"
            return 1
        fi
        sleep 0.5
    done
}

unregistered() { [ "$(registered "$1")" = 0 ]; }
# no partition under-replicated or without a live leader
fully_replicated() {
    local out flag
    for flag in --under-replicated-partitions --unavailable-partitions; do
        out=$("$build/skein-topics" --zookeeper "$ZK" --describe --topic "$TOPIC" "$flag" \
            2>/dev/null) || return 1
        [ -z "$out" ] || return 1
    done
}
verify_running() { kill -0 "$verify_pid" 2>/dev/null; }

log "local cluster in $SKEIN_LOCAL_DIR (ZooKeeper $ZK, brokers $BOOT)"
"$LC" start --brokers 3 > "$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; exit 2; }

"$build/skein-verify" --bootstrap-server "$BOOT" --topic "$TOPIC" --duration "$duration" \
    --partitions 6 --replication-factor 3 --topic-config min.insync.replicas=2 \
    --producers 2 --rate 500 --drain-timeout 180s --reporting-interval 10s \
    --state-file "$dir/verify.state" --json > "$dir/verify-report.json" 2> "$dir/verify.err" &
verify_pid=$!
log "skein-verify running (pid $verify_pid, progress in $dir/verify.err)"
wait_cond 60 "topic $TOPIC fully replicated" fully_replicated || exit 2

victim=0
kills=0
next_kill=$((SECONDS + kill_interval))
while verify_running; do
    if [ $SECONDS -lt $next_kill ]; then
        sleep 0.5
        continue
    fi
    pidfile=$SKEIN_LOCAL_DIR/broker-$victim/skeind.pid
    pid=$(cat "$pidfile")
    t0=$SECONDS
    kill -KILL "$pid"
    kills=$((kills + 1))
    log "kill -9 broker $victim (pid $pid)"
    next_kill=$((t0 + kill_interval))
    wait_cond 60 "broker $victim's registration to expire" unregistered "$victim" || exit 2
    "$LC" start --brokers 3 > "$dir/restart-$kills.log" 2>&1 ||
        { cat "$dir/restart-$kills.log" >&2; exit 2; }
    wait_cond 120 "every partition fully replicated again" fully_replicated || exit 2
    log "broker $victim back, every ISR full $((SECONDS - t0)) s after the kill"
    victim=$(((victim + 1) % 3))
done
wait "$verify_pid"
status=$?
verify_pid=""
log "skein-verify exited with status $status after $kills kills"
tail -n 3 "$dir/verify.err"
cat "$dir/verify-report.json"
exit $status

#!/bin/sh
# Run the integration tests (real ZooKeeper, real skeind, real Kafka clients).
#   tests/run-integration.sh [SKEIND_BINARY] [pytest args or test paths...]
# SKEIND defaults to $SKEIND, else <repo>/build/skeind. Exit status is pytest's (0 = all passed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
if [ $# -gt 0 ] && [ -f "$1" ] && [ -x "$1" ]; then
    SKEIND=$1
    shift
fi
SKEIND=${SKEIND:-$repo/build/skeind}
case $SKEIND in /*) ;; *) SKEIND=$(pwd)/$SKEIND ;; esac
if [ ! -x "$SKEIND" ]; then
    echo "run-integration: skeind binary '$SKEIND' not found or not executable" >&2
    exit 2
fi
export SKEIND
# Debian's python3-kafka, python3-confluent-kafka, python3-kazoo and python3-pytest live
# under /usr/bin/python3; a python3 earlier on PATH may lack them.
PYTHON=${PYTHON:-/usr/bin/python3}
for mod in pytest kafka confluent_kafka kazoo; do
    if ! "$PYTHON" -c "import $mod" 2>/dev/null; then
        echo "run-integration: $PYTHON cannot import $mod (apt-get install python3-pytest python3-kafka python3-confluent-kafka python3-kazoo)" >&2
        exit 2
    fi
done
command -v kcat >/dev/null || { echo "run-integration: kcat missing (apt-get install kcat)" >&2; exit 2; }
cd "$repo"
# test paths given: run those; otherwise the whole directory
default=tests/integration
for a in "$@"; do
    case $a in -*) ;; *) default= ;; esac
done
exec "$PYTHON" -m pytest -q -p no:cacheprovider -W ignore::UserWarning $default "$@"

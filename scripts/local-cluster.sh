#!/usr/bin/env bash
# README command (a): install dependencies, build, and start a local cluster
# (a standalone ZooKeeper on 127.0.0.1:2181 unless --zookeeper is given, and
# the brokers). Arguments go to deploy/skein-local-cluster start.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh build
SKEIND="$top/build/skeind" exec deploy/skein-local-cluster start "$@"

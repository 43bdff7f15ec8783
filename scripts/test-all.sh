#!/usr/bin/env bash
# README command (b): install dependencies, build, run every test.
#   1. unit tests (Check) built with AddressSanitizer + UBSan   (build-asan/)
#   2. integration tests: real ZooKeeper, real skeind, real Kafka clients (build/)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh build-asan --enable-sanitizers
echo "== unit tests (ASan + UBSan) =="
if ! make -C build-asan -j"$(nproc)" check; then
  for f in build-asan/tests/unit/*.log; do
    if grep -qE '^(FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null; then echo "---- $f"; tail -50 "$f"; fi
  done
  exit 1
fi
scripts/build.sh build
echo "== integration tests =="
SKEIND="$top/build/skeind" tests/run-integration.sh

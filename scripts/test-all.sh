#!/usr/bin/env bash
# README command (b): install dependencies, build, run every test.
#   1. unit tests (Check) built with AddressSanitizer + UBSan   (build-asan/)
#   2. integration tests: real ZooKeeper, real skeind, real Kafka clients (build/)
#   3. the fault campaign (tests/faults): its checkers' self-tests and the short run (one round
#      of each fault kind) against build/, and of six kinds against build-asan/
#   4. every libFuzzer target for a short time (clang, ASan + UBSan)   (build-fuzz/)
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
# The fault campaign (README "Fault campaign"): its checkers' self-tests, then the short run:
# one round of each fault kind under idempotent acks=all producers and a committing group,
# against the plain build and against the ASan+UBSan build (any crash, lost, duplicated or
# misplaced acknowledged record, replica divergence, backwards commit or sanitizer report
# fails it). Network namespaces, nftables and tmpfs: it needs root, as CI runs.
echo "== fault campaign: checker self-tests and the short run =="
SKEIND="$top/build/skeind" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/faults
echo "== fault campaign: the short run against the ASan+UBSan build (six kinds) =="
SKEIND="$top/build-asan/skeind" \
SKF_KINDS=kill-leader,pause-controller,partition-brokers,zk-restart,disk-full,rolling-restart \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/faults/test_campaign_short.py
# Fuzzing (README "Fuzzing"): every target of tests/fuzz, from its committed
# seeds, FUZZ_SECONDS each (10 s: thirteen targets take about 2 minutes).
scripts/build.sh build-fuzz CC=clang --enable-fuzzing
echo "== fuzzing (${FUZZ_SECONDS:-10} s per target) =="
make -C build-fuzz -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-10}"

#!/usr/bin/env bash
# Installs every Debian package Skein needs to build, test and run locally.
# Safe to run again: packages already present are skipped quickly.
set -euo pipefail

PKGS=(
  # build
  autoconf automake libtool pkg-config make gcc python3
  libzookeeper-mt-dev libevent-dev libssl-dev check libjansson-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev librdkafka-dev
  # ZooKeeper server (standalone, started by our scripts, never as a service)
  zookeeper default-jre-headless
  # real clients used by the tests
  kcat python3-kafka python3-confluent-kafka python3-pytest python3-kazoo
  # tools used by tests and scripts
  procps iproute2 netcat-openbsd
  # the TLS tests make their CA and certificates with the openssl command
  openssl
  # the fault campaign (tests/faults) cuts links inside network namespaces with nft
  nftables
  # fuzzing (configure CC=clang --enable-fuzzing): clang and its libFuzzer,
  # ASan and UBSan runtimes (libclang_rt.fuzzer-x86_64.a ...), which
  # bookworm's clang only recommends
  clang libclang-rt-14-dev
  # tests/integration/test_metrics.py parses /metrics with prometheus_client's parser
  python3-prometheus-client
  # tests/harness/faultfs, the FUSE filesystem test_log_dir_failure makes fail with EIO
  libfuse3-dev
  # promtool, which test_metrics runs on deploy/'s alert rules and a scrape; Debian ships it
  # only with the server (19 MB, 23 MB with its web assets; installed in about 30 s), which
  # must not start: see policy-rc.d below
  prometheus
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Packages with a daemon (prometheus) must not start it: where no policy-rc.d says so
# already, one that refuses every start is in place for the install.
rcd=/usr/sbin/policy-rc.d
own_rcd=""
if [ ! -e "$rcd" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$rcd" >/dev/null
  $SUDO chmod 755 "$rcd"
  own_rcd=1
fi
trap 'if [ -n "$own_rcd" ]; then $SUDO rm -f "$rcd"; fi' EXIT
# zookeeperd would start a system ZooKeeper on port 2181; we only want the jars.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" zookeeperd-

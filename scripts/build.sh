#!/usr/bin/env bash
# Builds Skein into build/ (or the directory given as $1), with extra
# configure arguments after it, e.g.: scripts/build.sh build-asan --enable-sanitizers
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
shift || true
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  autoreconf -fi >/dev/null
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
  "$top/configure" -q "$@"
fi
make -j"$(nproc)" >/dev/null
echo "build: $top/$dir is up to date"

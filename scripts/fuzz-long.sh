#!/usr/bin/env bash
# The long fuzzing campaign: every libFuzzer target of tests/fuzz under ASan
# and UBSan for a fixed time each (10 minutes by default), then a summary.
#
#   scripts/fuzz-long.sh [SECONDS_PER_TARGET] [--builddir DIR]
#
# SECONDS_PER_TARGET  default 600 (16 targets: about 2 h 40 min)
# --builddir          the clang tree to use, default build-fuzz; configured
#                     (CC=clang --enable-fuzzing) and built when missing
#
# Each target starts from the committed seeds and the inputs earlier runs
# kept (DIR/tests/fuzz/work/<target>/). The summary (status, runs, runs/s,
# coverage, corpus and any reproducer, one line per target) is written to
# DIR/tests/fuzz/fuzz-long-<UTC time>.txt and printed at the end; libFuzzer's
# own output is in DIR/tests/fuzz/logs/<target>.log. Exit status: 0 when no
# target found anything, 1 on any crash, leak, timeout or UB report (the
# reproducer is in DIR/tests/fuzz/artifacts/<target>/), 2 on a usage or
# build error.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=600
builddir="$top/build-fuzz"

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --builddir) builddir=${2:?--builddir needs a value}; shift 2 ;;
    --builddir=*) builddir=${1#*=}; shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz-long.sh: unknown option $1" >&2; usage ;;
    *) seconds=$1; shift ;;
    esac
done
case "$seconds" in
''|*[!0-9]*|0) echo "fuzz-long.sh: SECONDS_PER_TARGET wants a positive whole number, not" \
                    "'$seconds'" >&2; exit 2 ;;
esac
case "$builddir" in /*) ;; *) builddir="$(pwd)/$builddir" ;; esac

if [ ! -f "$builddir/Makefile" ]; then
    echo "fuzz-long: configuring $builddir (CC=clang --enable-fuzzing)"
    "$top/scripts/build.sh" "$builddir" CC=clang --enable-fuzzing || exit 2
fi
# (a tree not configured for fuzzing says so and fails here)
make -s -C "$builddir" -j"$(nproc)" fuzz-targets >/dev/null || exit 2

out="$builddir/tests/fuzz/fuzz-long-$(date -u +%Y%m%dT%H%M%SZ).txt"
started=$(date -u +%s)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')
git -C "$top" diff --quiet HEAD 2>/dev/null || commit="$commit+local changes"
"$top/scripts/fuzz.sh" --seconds "$seconds" --builddir "$builddir" --summary "$out.targets"
rc=$?
{
    echo "skein fuzz-long: $commit," \
         "$seconds s per target, started $(date -u -d "@$started" +%FT%TZ)," \
         "took $(( $(date -u +%s) - started )) s; $(clang --version | head -1)"
    cat "$out.targets"
    total=$(grep -Eo '^[^ ]+ +[A-Za-z]+ +[0-9]+ runs' "$out.targets" | awk '{ n += $3 } END { print n + 0 }')
    bad=$(awk 'NR > 1 && $2 != "ok"' "$out.targets" | wc -l)
    echo "total: $total runs; $bad target(s) with a finding"
} >"$out"
rm -f "$out.targets"
echo
cat "$out"
echo "summary: $out"
exit $rc

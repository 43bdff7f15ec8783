#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz, each for a fixed time, from the
# committed seeds in tests/fuzz/corpus/<target>/. `make fuzz` calls this.
#
#   scripts/fuzz.sh [--seconds N] [--builddir DIR] [--summary FILE] [target ...]
#
# --seconds   per target (default 60)
# --builddir  a tree configured with CC=clang --enable-fuzzing whose targets
#             are built (make fuzz-targets); default build-fuzz
# --summary   also write one line per target to FILE: status, runs, runs/s,
#             coverage (cov, ft), corpus, and the reproducers of a failure
# target      fuzz_codec ... (default: every target built in DIR; `make fuzz`
#             names those of tests/fuzz/fuzz.am)
#
# New inputs go to DIR/tests/fuzz/work/<target>/ (kept between runs, never
# the source tree), libFuzzer's output to DIR/tests/fuzz/logs/<target>.log,
# and a crash, leak, timeout or UB report to DIR/tests/fuzz/artifacts/
# <target>/. Every target runs even after one fails; the exit status is 1
# if any failed, and each failure is printed with its reproducer and the
# command that replays it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=60
builddir="$top/build-fuzz"
summary=""
targets=()

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --builddir) builddir=${2:?--builddir needs a value}; shift 2 ;;
    --builddir=*) builddir=${1#*=}; shift ;;
    --summary) summary=${2:?--summary needs a file}; shift 2 ;;
    --summary=*) summary=${1#*=}; shift ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("${1##*/}"); shift ;;
    esac
done
case "$seconds" in
''|*[!0-9]*|0) echo "fuzz.sh: --seconds wants a positive whole number, not '$seconds'" >&2; exit 2 ;;
esac
if [ ${#targets[@]} -eq 0 ]; then
    for f in "$top"/tests/fuzz/fuzz_*.c; do
        t=${f##*/}
        t=${t%.c}
        if [ -x "$builddir/tests/fuzz/$t" ]; then
            targets+=("$t")
        else
            echo "fuzz.sh: $t is not built in $builddir: skipped" >&2
        fi
    done
    if [ ${#targets[@]} -eq 0 ]; then
        echo "fuzz.sh: no fuzz target is built in $builddir (make -C $builddir fuzz-targets;" \
             "the tree must be configured with CC=clang --enable-fuzzing)" >&2
        exit 2
    fi
fi

# The longest input each target is given: a little above its largest
# meaningful input (a frame, a batch, a file), so that time goes to
# structure rather than to size.
max_len_of() {
    case "$1" in
    fuzz_compress|fuzz_recbatch) echo 8192 ;;
    fuzz_compact) echo 1024 ;;
    *) echo 4096 ;;
    esac
}

# libFuzzer's "#N DONE cov: C ft: F corp: K/S ..." line and final stats.
summary_of() {
    local log=$1 cov ft corp execs rate
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    echo "${execs:-?} runs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
}

# A UBSan report says where; with the stack it also says who called.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

fdir="$builddir/tests/fuzz"
failed=()
if [ -n "$summary" ]; then
    printf '%-20s %-6s %s\n' target status "runs (runs/s), coverage, corpus" >"$summary" || exit 2
fi
# One summary line: target, status, the figures, and the reproducers.
summarize() {
    [ -n "$summary" ] || return 0
    printf '%-20s %-6s %s%s\n' "$1" "$2" "$3" "${4:+; reproducers: $4}" >>"$summary"
}
for t in "${targets[@]}"; do
    bin="$fdir/$t"
    seeds="$top/tests/fuzz/corpus/$t"
    if [ ! -x "$bin" ]; then
        echo "fuzz.sh: $bin is not built (make -C $builddir fuzz-targets; the tree must be" \
             "configured with CC=clang --enable-fuzzing)" >&2
        exit 2
    fi
    work="$fdir/work/$t"
    arts="$fdir/artifacts/$t"
    log="$fdir/logs/$t.log"
    mkdir -p "$work" "$arts" "$fdir/logs"
    [ -d "$seeds" ] || seeds=""
    before=$(LC_ALL=C ls -A "$arts")
    echo "== $t: ${seconds} s, -max_len=$(max_len_of "$t")"
    # -timeout: one input running 25 s is a hang; -rss_limit_mb: two
    # targets may share a 2-core CI machine with other tests.
    "$bin" -max_total_time="$seconds" -max_len="$(max_len_of "$t")" \
        -timeout=25 -rss_limit_mb=1536 -print_final_stats=1 \
        -artifact_prefix="$arts/" "$work" ${seeds:+"$seeds"} >"$log" 2>&1
    rc=$?
    new=$(LC_ALL=C comm -13 <(printf '%s\n' "$before") <(LC_ALL=C ls -A "$arts"))
    if [ $rc -eq 0 ] && [ -z "$new" ]; then
        echo "   ok: $(summary_of "$log")"
        summarize "$t" ok "$(summary_of "$log")"
        continue
    fi
    failed+=("$t")
    echo "   FAILED (exit status $rc): $(summary_of "$log")"
    summarize "$t" FAILED "$(summary_of "$log")" "$(for a in $new; do printf '%s ' "$arts/$a"; done)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:)' "$log" | head -5 | sed 's/^/   /'
    for a in $new; do
        echo "   reproducer: $arts/$a"
        echo "   replay:     $bin $arts/$a"
    done
    echo "   log: $log"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} of ${#targets[@]} target(s) failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds} s each, no crash, leak or UB"

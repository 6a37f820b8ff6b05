#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every libFuzzer target for a bounded time, starting from its seed
# corpus in the tree (never written: new inputs go to the build dir), and
# print one line of figures per target.  Any crash, leak, sanitizer report
# or timeout fails the run and leaves the input as BUILD/fuzz/crash-*.
#   run-fuzzers.sh BUILD SECONDS [TARGET...]
set -euo pipefail
build=$1
secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(object-parse qmp qtest convert)
out="$build/fuzz"
mkdir -p "$out"
status=0
for t in "${targets[@]}"; do
    bin="$build/tests/fuzz/fuzz-$t"
    work="$out/corpus-$t"
    log="$out/fuzz-$t.log"
    rm -rf "$work"
    mkdir -p "$work"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: leaks
    # or runaway allocation show up as a failure, not as swapping.
    if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=3072 \
        -print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
        "$work" "$src/corpus/$t" >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
        tail -n 60 "$log"
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    units=$(find "$work" -type f | wc -l)
    echo "fuzz-$t: $result, ${secs}s, ${execs:-0} execs, ${rate:-0} exec/s," \
         "cov ${cov:-?} edges, ft ${ft:-?} features, $units new inputs"
done
exit $status

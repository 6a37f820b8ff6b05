#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Nested lab figures: set-up time (cold, into a scratch cache, when
# BENCH_LAB_COLD=1), L1 boot to /init, the built-in guest on this host vs
# in L2, and Linux to /init in L2.  Prints medians; never fails on time.
#
# usage: tests/bench/bench-lab.sh [build-dir] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
RUNS=${2:-5}
QEMU=$BUILD/qemu-system-x86_64
LAB=tests/lab/lab.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() {    # median of the numbers on stdin
    sort -n | awk '{a[NR]=$1} END {if (!NR) print "n/a";
                   else if (NR%2) print a[(NR+1)/2];
                   else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'
}

if [ "${BENCH_LAB_COLD:-0}" = 1 ]; then
    echo "== cold lab set-up into a scratch cache (minutes)"
    QEMU_GMEM_CACHE=$tmp/cache python3 $LAB setup 2> >(tee $tmp/cold.err >&2)
    grep 'figures:' $tmp/cold.err | sed 's/.*figures: /cold set-up: /'
    rm -rf "$tmp/cache"
fi

echo "== built-in guest on this host ($RUNS runs)"
for i in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    rc=0
    "$QEMU" -M microvm -accel kvm -display none -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 256M \
        -object memory-backend-guest-memfd,id=ram0,size=256M \
        -M memory-backend=ram0 > $tmp/host.out 2>&1 || rc=$?
    t1=$(date +%s.%N)
    [ $rc = 33 ] || { echo "built-in guest failed (exit $rc):";
                      cat $tmp/host.out; exit 1; }
    echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> $tmp/host.t
done

echo "== in the lab: L1 boot, then $RUNS runs each in L2"
rc=0
QEMU_GMEM_LAB_KEEP_LOGS=$tmp/logs python3 $LAB --build "$BUILD" run \
    "bench=$PWD/tests/bench/bench-lab-l2.sh $RUNS" \
    > $tmp/lab.tap 2> $tmp/lab.err || rc=$?
if [ $rc != 0 ]; then
    cat $tmp/lab.tap $tmp/lab.err
    exit 1
fi
init_up=$(sed -n 's/.*L1 reached \/init at \([0-9.]*\) s.*/\1/p' $tmp/lab.err)
l1_total=$(sed -n 's/.*L1 ended after \([0-9.]*\) s.*/\1/p' $tmp/lab.err)
initramfs=$(sed -n 's/.*packing the L1 initramfs.*done in \([0-9.]*\) s/\1/p' \
            $tmp/lab.err)
for f in builtin linux linux-guest-uptime; do
    tr -d '\r' < $tmp/logs/tests.log | awk -v f=$f \
        '$1 == "#" && $2 == "figure" && $3 == f && $4 != "none" {print $4}' \
        > $tmp/$f.t
done
echo
echo "| figure | median |"
echo "|---|---|"
echo "| initramfs packing (host) | ${initramfs:-n/a} s |"
echo "| L1 boot to /init (L1 uptime at /init) | ${init_up:-n/a} s |"
echo "| L1 whole run (boot, $((2 * RUNS)) L2 runs, shutdown) | ${l1_total:-n/a} s |"
echo "| built-in guest, 256 MiB guest_memfd, this host (kvm_pvm) | $(median < $tmp/host.t) s |"
echo "| built-in guest, same, in L2 (L1's KVM) | $(median < $tmp/builtin.t) s |"
echo "| Linux 7.3.4 to /init in L2, 256 MiB guest_memfd (VMM start to exit) | $(median < $tmp/linux.t) s |"
echo "| same, guest uptime at /init | $(median < $tmp/linux-guest-uptime.t) s |"

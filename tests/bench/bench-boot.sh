#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot benchmark of the microvm machine with the built-in guest: start to
# first serial line, peak RSS, and guest first-touch GB/s per backend.
# Prints figures (medians); never fails on time.
#
# usage: tests/bench/bench-boot.sh [path/to/qemu-system-x86_64] [runs]
set -euo pipefail

QEMU=${1:-${QEMU:-build/qemu-system-x86_64}}
RUNS=${2:-11}
TOUCH_RUNS=${TOUCH_RUNS:-3}
TOUCH_SIZE_MB=${TOUCH_SIZE_MB:-4096}

if [ ! -x "$QEMU" ]; then
    echo "bench-boot: $QEMU is not executable (build first)" >&2
    exit 1
fi
if [ ! -r /dev/kvm ]; then
    echo "bench-boot: SKIP: /dev/kvm not available"
    exit 0
fi

common=(-M microvm -accel kvm -display none -serial stdio
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)

backend() {   # backend TYPE SIZE_MB -> -object/-M/-m arguments
    local type=$1 size=$2 extra=""
    case $type in
        gmem) obj="memory-backend-guest-memfd,id=ram0,size=${size}M" ;;
        memfd) obj="memory-backend-memfd,id=ram0,size=${size}M" ;;
        ram) obj="memory-backend-ram,id=ram0,size=${size}M" ;;
    esac
    echo "-m ${size}M -object $obj -M memory-backend=ram0"
}

median() {    # median of the numbers on stdin
    sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2];
                   else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'
}

# Microseconds from just before exec to the first serial line; the reader
# uses bash's $EPOCHREALTIME (no fork) and drains the rest.
first_line_us() {
    local t0 t1
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2046
    "$QEMU" "${common[@]}" $(backend gmem 512) |
    {
        IFS= read -r _line
        t1=$EPOCHREALTIME
        cat >/dev/null
        echo "$t0 $t1" | awk '{printf "%d\n", ($2 - $1) * 1000000}'
    } || true    # QEMU's status is the guest's debug-exit code (33)
}

pvm=$([ -d /sys/module/kvm_pvm ] && echo kvm_pvm || echo kvm)
echo "# bench-boot: $QEMU, $(nproc) CPUs, $(uname -r), module: $pvm"

echo "## start -> first serial line, built-in guest," \
     "512 MiB guest_memfd, 1 vCPU"
for _ in $(seq "$RUNS"); do first_line_us; done > /tmp/bench-boot.$$.t
printf "median %.2f ms (runs: %d, min %.2f ms, max %.2f ms)\n" \
    "$(median < /tmp/bench-boot.$$.t | awk '{print $1/1000}')" "$RUNS" \
    "$(sort -n /tmp/bench-boot.$$.t | head -n1 | awk '{print $1/1000}')" \
    "$(sort -n /tmp/bench-boot.$$.t | tail -n1 | awk '{print $1/1000}')"

echo "## peak RSS of the VMM for that run (/usr/bin/time -f %M)"
if [ -x /usr/bin/time ]; then
    for _ in $(seq "$RUNS"); do
        # shellcheck disable=SC2046
        /usr/bin/time -f %M -o /tmp/bench-boot.$$.r \
            "$QEMU" "${common[@]}" $(backend gmem 512) >/dev/null || true
        tail -n1 /tmp/bench-boot.$$.r   # after "Command exited with ..."
    done > /tmp/bench-boot.$$.m
    printf "median %.2f MiB (runs: %d)\n" \
        "$(median < /tmp/bench-boot.$$.m | awk '{print $1/1024}')" "$RUNS"
else
    echo "SKIP: /usr/bin/time missing (Debian package 'time')"
fi

echo "## guest first-touch, ${TOUCH_SIZE_MB} MiB, 1 vCPU" \
     "(write pass of the built-in guest)"
for type in gmem memfd ram; do
    for _ in $(seq "$TOUCH_RUNS"); do
        # shellcheck disable=SC2046
        "$QEMU" "${common[@]}" $(backend "$type" "$TOUCH_SIZE_MB") |
        while IFS= read -r line; do
            case $line in
                *"qemu-gmem guest: testing "*)
                    t0=$EPOCHREALTIME
                    mib=${line#*testing }; mib=${mib%% MiB*} ;;
                *"qemu-gmem guest: pattern written"*)
                    echo "$mib $t0 $EPOCHREALTIME" |
                        awk '{printf "%.3f\n", $1 * 1048576 / ($3 - $2) / 1e9}'
                    ;;
            esac
        done || true
    done > /tmp/bench-boot.$$.g
    printf "%-6s median %.2f GB/s (runs: %d)\n" "$type" \
        "$(median < /tmp/bench-boot.$$.g)" "$TOUCH_RUNS"
done
rm -f /tmp/bench-boot.$$.*

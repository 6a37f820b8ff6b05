#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the nested lab's L1 (started by tests/bench/bench-lab.sh):
# times the built-in guest and Linux to /init as L2 guests on L1's KVM.
# Prints TAP, and figures as "# figure NAME SECONDS" lines; never fails
# on time, only when a guest does not end as it should.
runs=${1:-5}
q=$QTEST_QEMU_BINARY
n=0
fail=0

now() { cut -d' ' -f1 /proc/uptime; }

point() {  # point OK DESCRIPTION
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        fail=1
    fi
}

common="-M microvm -accel kvm -display none -serial stdio
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 256M
        -object memory-backend-guest-memfd,id=ram0,size=256M
        -M memory-backend=ram0"

i=0
while [ $i -lt "$runs" ]; do
    t0=$(now)
    $q $common > /tmp/builtin.out 2>&1
    rc=$?
    t1=$(now)
    echo "# figure builtin $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
    # GUEST_STATUS_PASS: (0x10 << 1) | 1
    [ $rc = 33 ] && grep -q 'qemu-gmem guest: PASS' /tmp/builtin.out
    point $? "built-in guest, 256 MiB guest_memfd, run $i (exit $rc)"
    [ $rc = 33 ] || cat /tmp/builtin.out
    i=$((i + 1))
done

i=0
while [ $i -lt "$runs" ]; do
    t0=$(now)
    $q $common -kernel "$QEMU_GMEM_LINUX_KERNEL" \
        -initrd "$QEMU_GMEM_LINUX_INITRD" -no-reboot \
        -append "console=ttyS0 panic=-1 rdinit=/init quiet" \
        > /tmp/linux.out 2>&1
    rc=$?
    t1=$(now)
    echo "# figure linux $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
    up=$(sed -n 's/^uptime: \([0-9.]*\).*/\1/p' /tmp/linux.out)
    echo "# figure linux-guest-uptime ${up:-none}"
    # the lab's guest /init ends with debug-exit 0x21: (0x21 << 1) | 1
    [ $rc = 67 ] && grep -q 'qemu-gmem initramfs: init reached' /tmp/linux.out
    point $? "Linux to /init on 256 MiB guest_memfd, run $i (exit $rc)"
    [ $rc = 67 ] || cat /tmp/linux.out
    i=$((i + 1))
done
echo "1..$n"
exit $fail

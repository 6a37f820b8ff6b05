#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (prints, never asserts): process CPU time of creating a 64 GiB
# memory backend without prealloc and exiting, minus an empty -machine none
# run; median of RUNS runs, measured with getrusage(RUSAGE_CHILDREN).
#
#   tests/bench/bench-create.sh [QEMU_BINARY] [RUNS]
set -eu

QEMU=${1:-${QTEST_QEMU_BINARY:-build/qemu-system-x86_64}}
RUNS=${2:-11}
SIZE=${BENCH_CREATE_SIZE:-64G}

if [ ! -x "$QEMU" ]; then
    echo "# SKIP: $QEMU not built yet"
    exit 0
fi
PY=$(command -v python3) || { echo "# SKIP: python3 missing"; exit 0; }

# Python only for its getrusage() wrapper: the shell has no portable one.
exec "$PY" - "$QEMU" "$RUNS" "$SIZE" <<'PYEOF'
import os, resource, statistics, subprocess, sys

qemu, runs, size = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = [qemu, "-machine", "none", "-accel", "kvm", "-nodefaults",
        "-display", "none"]
# -S keeps the (absent) guest stopped; a QMP quit on stdin ends the run once
# everything is set up, so only start-up and teardown are measured.
cases = {
    "empty": [],
    "ram": ["-object", "memory-backend-ram,id=m,size=%s" % size],
    "ram,reserve=off": ["-object",
                        "memory-backend-ram,id=m,size=%s,reserve=off" % size],
    "memfd": ["-object", "memory-backend-memfd,id=m,size=%s" % size],
    "guest-memfd": ["-object",
                    "memory-backend-guest-memfd,id=m,size=%s" % size],
}
exit_args = os.environ.get("BENCH_CREATE_EXIT", "-S -qmp stdio").split()

def one(extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(base + extra + exit_args,
                       input=b'{"execute":"qmp_capabilities"}\n'
                             b'{"execute":"quit"}\n',
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.returncode, cpu, p.stderr.decode(errors="replace").strip()

results = {}
for name, extra in cases.items():
    times, err = [], ""
    for _ in range(runs):
        rc, cpu, stderr = one(extra)
        if rc != 0:
            err = stderr.splitlines()[-1] if stderr else "exit status %d" % rc
            break
        times.append(cpu)
    results[name] = (statistics.median(times) if times and not err else None,
                     err)

empty = results["empty"][0]
print("# %s, %d runs, size %s, process time = user+sys of the child"
      % (qemu, runs, size))
for name, (med, err) in results.items():
    if med is None:
        print("%-16s  SKIP: %s" % (name, err))
    elif name == "empty" or empty is None:
        print("%-16s  %7.2f ms" % (name, med * 1e3))
    else:
        print("%-16s  %7.2f ms  (%+.2f ms over empty)"
              % (name, med * 1e3, (med - empty) * 1e3))
PYEOF

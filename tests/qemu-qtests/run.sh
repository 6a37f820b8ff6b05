#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one of QEMU's own qtest programs (built by setup.sh) against our
# binary ($QTEST_QEMU_BINARY) and passes its TAP through; a registry that
# cannot be reached makes the test SKIP, never pass.
# Usage: run.sh NAME [TEST-ARGS...]
set -uo pipefail

name="$1"
shift
here="$(cd "$(dirname "$0")" && pwd)"

out=$(bash "$here/setup.sh" 2>"${TMPDIR:-/tmp}/qemu-qtests-setup.$$")
rc=$?
err=$(cat "${TMPDIR:-/tmp}/qemu-qtests-setup.$$")
rm -f "${TMPDIR:-/tmp}/qemu-qtests-setup.$$"
if [ $rc -eq 77 ]; then
    reason=$(printf '%s\n' "$err" | sed -n 's/^.*SKIP: //p' | tail -n1)
    echo "1..0 # SKIP ${reason:-setup skipped}"
    exit 0
fi
if [ $rc -ne 0 ]; then
    printf '%s\n' "$err" | sed 's/^/# /'
    echo "Bail out! setup.sh failed (status $rc)"
    exit 1
fi
eval "$(printf '%s\n' "$out" | grep -E '^QEMU_QTEST_[A-Z_]+=')"
echo "# QEMU's $name from Debian qemu $QEMU_QTEST_VERSION"
exec "$QEMU_QTEST_DIR/$name" --tap "$@"

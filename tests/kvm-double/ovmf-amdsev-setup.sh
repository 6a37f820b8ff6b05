#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches Debian sid's ovmf-amdsev (OVMF built for SEV-SNP) through a
# private apt configuration and unpacks it into a cache outside the tree.
# Prints OVMF_AMDSEV=<path of OVMF.amdsev.fd>; exit 77 (skip) with the
# reason when the registry is unreachable.
set -euo pipefail

cache="${QEMU_GMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-gmem}/ovmf-amdsev"
skip() {
    echo "ovmf-amdsev setup: SKIP: $*" >&2
    exit 77
}

find_fd() {
    { find "$cache/pkg" -name 'OVMF*.fd' 2>/dev/null || true; } | sort | head -n1
}

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

fd=$(find_fd)
if [ -n "$fd" ] && [ -s "$fd" ]; then
    echo "OVMF_AMDSEV=$fd"
    exit 0
fi

. "$(dirname "$0")/../../scripts/private-apt.sh"
private_apt_init "$cache/apt" \
    "deb [arch=amd64 signed-by=@KEYRING@] http://deb.debian.org/debian sid main"
if ! private_apt_update; then
    skip "the Debian package registry is unreachable" \
         "(${private_apt_error:-apt-get update failed})"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get "${private_apt_opts[@]}" -q download ovmf-amdsev ) >&2 ||
    skip "apt-get download ovmf-amdsev failed"
rm -rf "$cache/pkg"
dpkg-deb -x "$work"/ovmf-amdsev_*.deb "$cache/pkg"
ls "$work"/ovmf-amdsev_*.deb | sed 's/.*ovmf-amdsev_//; s/_all.deb//' \
    > "$cache/version"
fd=$(find_fd)
[ -n "$fd" ] || skip "ovmf-amdsev holds no OVMF*.fd image"
echo "OVMF_AMDSEV=$fd"

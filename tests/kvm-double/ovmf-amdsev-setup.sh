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

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt_dir="$cache/apt"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
          -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
          -o "Dir::State::Lists=$apt_dir/lists"
          -o "Dir::Cache=$apt_dir/cache"
          -o "Dir::State::status=/var/lib/dpkg/status"
          -o "APT::Sandbox::User=root"
          -o "Debug::NoLocking=1")
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
         "$apt_dir/sources.list.d"
echo "deb [arch=amd64 signed-by=$keyring] http://deb.debian.org/debian sid main" \
    > "$apt_dir/sources.list"
if ! apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
   grep -qE '^(W|E): (Failed to fetch|Some index files failed)' \
        "$apt_dir/update.log"; then
    skip "the Debian package registry is unreachable" \
         "($(grep -m1 -E '^(E|W):' "$apt_dir/update.log" || echo 'apt-get update failed'))"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && apt-get "${apt_opts[@]}" -q download ovmf-amdsev ) >&2 ||
    skip "apt-get download ovmf-amdsev failed"
rm -rf "$cache/pkg"
dpkg-deb -x "$work"/ovmf-amdsev_*.deb "$cache/pkg"
ls "$work"/ovmf-amdsev_*.deb | sed 's/.*ovmf-amdsev_//; s/_all.deb//' \
    > "$cache/version"
fd=$(find_fd)
[ -n "$fd" ] || skip "ovmf-amdsev holds no OVMF*.fd image"
echo "OVMF_AMDSEV=$fd"

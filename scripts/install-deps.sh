#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what building and testing qemu-gmem needs (Debian 12), once.
set -euo pipefail
# the nested lab (tests/lab) builds a Linux kernel: bc flex bison
# libelf-dev libssl-dev xz-utils
pkgs="gcc make meson ninja-build pkg-config python3 libglib2.0-dev
      libjansson-dev busybox-static cpio binutils time
      bc flex bison libelf-dev libssl-dev xz-utils"
# the nested lab's L1 runs in Debian's QEMU (TCG); its recommends (GUI
# libraries, firmware for other machines) are not needed
lean_pkgs="qemu-system-x86"
missing=""
lean_missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
for p in $lean_pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || lean_missing="$lean_missing $p"
done
if [ -n "$missing$lean_missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    if [ -n "$missing" ]; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
    fi
    if [ -n "$lean_missing" ]; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
            --no-install-recommends $lean_missing
    fi
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what the fuzz build needs beyond scripts/install-deps.sh: clang
# with its libFuzzer and sanitizer runtimes (Debian's clang package).
set -euo pipefail
if command -v clang >/dev/null 2>&1 &&
   echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
   clang -fsanitize=fuzzer,address -x c - -o /dev/null 2>/dev/null; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clang

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds QEMU's own qtest programs from Debian's qemu source package, and
# unpacks Debian's python3-qemu-qmp, into a cache outside the tree.
#
# Everything Debian-side goes through a private apt configuration (own
# sources.list, lists and cache under the cache directory); the system's
# /etc/apt is never touched.  On success prints
#   QEMU_QTEST_VERSION=<debian version of the qemu source used>
#   QEMU_QTEST_DIR=<dir holding qmp-test, qom-test, ...>
#   QEMU_QMP_PYTHONPATH=<dir to put on PYTHONPATH for 'import qemu.qmp'>
# Exit status 77 (with the reason on stderr) when the package registry
# cannot be reached or does not have the packages: the caller skips.
# Usage: setup.sh [--qmp-only]
set -euo pipefail

qmp_only=no
if [ "${1:-}" = --qmp-only ]; then
    qmp_only=yes
fi

root="${QEMU_GMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-gmem}"
cache="$root/qemu-qtests"
mkdir -p "$cache"

# The programs the qemu-qtests suite runs; the last two are stretch goals
# that are built (cheap) but need features we may not have.
tests="qmp-test qom-test qmp-cmd-test machine-none-test
       device-introspect-test test-hmp"

# Source versions in order of preference.  1:11.1.3 is what the suite is
# written against; the mirror reachable from CI may lack its source files
# (only its binaries), so an older 10.2 source from sid is the fallback.
qemu_versions="1:11.1.3+ds-2~bpo13+1 1:11.1.3+ds-1~bpo13+1 1:11.1.3+ds-1
               1:10.2.2+ds-1"
qmp_pkg=python3-qemu-qmp
meson_pkg_version=1.7.0-1~bpo12+1

skip() {
    echo "qemu-qtests setup: SKIP: $*" >&2
    exit 77
}
die() {
    echo "qemu-qtests setup: $*" >&2
    exit 1
}
log() {
    echo "qemu-qtests setup: $*" >&2
}

# One builder at a time: the meson suite starts several tests at once.
exec 9>"$cache/.lock"
flock 9

. "$(dirname "$0")/../../scripts/private-apt.sh"

apt_ready=no
private_apt() {
    if [ "$apt_ready" = yes ]; then
        return 0
    fi
    private_apt_init "$cache/apt" \
        "deb-src [signed-by=@KEYRING@] http://deb.debian.org/debian trixie-backports main" \
        "deb-src [signed-by=@KEYRING@] http://deb.debian.org/debian sid main" \
        "deb [arch=amd64 signed-by=@KEYRING@] http://deb.debian.org/debian trixie-backports main" \
        "deb [arch=amd64 signed-by=@KEYRING@] http://deb.debian.org/debian bookworm-backports main"
    # Lists younger than a day are reused: a warm run needs no network.
    if [ -z "$(find "$private_apt_dir/lists" -maxdepth 1 -name '*InRelease' \
                 -mmin -1440 2>/dev/null)" ]; then
        local rc=0
        private_apt_update || rc=$?
        if [ $rc -eq 1 ]; then
            skip "the Debian package registry is unreachable" \
                 "($private_apt_error)"
        fi
        if [ $rc -ne 0 ]; then
            cat "$private_apt_dir/update.log" >&2
            die "apt-get update with the private configuration failed"
        fi
    fi
    apt_ready=yes
}

# Installs the system's (bookworm's) build dependencies of the configure
# step, only those that are missing.
host_deps() {
    local need=() p
    for p in gcc make pkg-config ninja-build python3-venv libglib2.0-dev \
             flex bison dpkg-dev xz-utils; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
             grep -q 'install ok installed'; then
            need+=("$p")
        fi
    done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                "${need[@]}" >&2; then
            apt-get update -q >&2 || skip "apt-get update failed"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
                "${need[@]}" >&2 || die "cannot install ${need[*]}"
        fi
    fi
}

# Unpacks one binary package (architecture all) into $cache/$2.
unpack_deb() {
    local pkg="$1" dest="$cache/$2" tmp
    if [ -f "$dest/.ok" ]; then
        return 0
    fi
    private_apt
    tmp=$(mktemp -d "$cache/.deb.XXXXXX")
    if ! (cd "$tmp" && apt-get "${private_apt_opts[@]}" -q download "$pkg" \
              >"$tmp/log" 2>&1); then
        cat "$tmp/log" >&2
        rm -rf "$tmp"
        skip "cannot download $pkg from the Debian registry"
    fi
    rm -rf "$dest"
    dpkg-deb -x "$tmp"/*.deb "$dest"
    rm -rf "$tmp"
    touch "$dest/.ok"
}

qmp_setup() {
    unpack_deb "$qmp_pkg" qemu-qmp
    local pp="$cache/qemu-qmp/usr/lib/python3/dist-packages"
    if ! PYTHONPATH="$pp" python3 -c 'import qemu.qmp' 2>/dev/null; then
        rm -f "$cache/qemu-qmp/.ok"
        die "unpacked $qmp_pkg does not import (qemu.qmp)"
    fi
    echo "QEMU_QMP_PYTHONPATH=$pp"
}

if [ "$qmp_only" = yes ]; then
    qmp_setup
    exit 0
fi

# A build is good when every program is there, runs, and matches the
# checksums recorded when it was built.
verify() {
    local dir="$1/build/tests/qtest" t
    [ -f "$1/.ok" ] || return 1
    for t in $tests; do
        [ -x "$dir/$t" ] || return 1
        QTEST_QEMU_BINARY=/nonexistent/qemu-system-x86_64 \
            "$dir/$t" --help >/dev/null 2>&1 || return 1
    done
    (cd "$dir" && sha256sum --quiet -c "$1/.ok" >/dev/null 2>&1)
}

# A version already built and intact wins without any network.
for v in $qemu_versions; do
    d="$cache/qemu-${v#*:}"
    if verify "$d"; then
        qmp_setup
        echo "QEMU_QTEST_VERSION=$v"
        echo "QEMU_QTEST_DIR=$d/build/tests/qtest"
        exit 0
    fi
done

host_deps
private_apt

# Meson: QEMU needs >= 1.5 and Debian strips QEMU's bundled wheels from
# the source, so bookworm-backports' meson (architecture all) is unpacked
# and found by QEMU's venv through PYTHONPATH.
unpack_deb "meson=$meson_pkg_version" meson
meson_pp="$cache/meson/usr/lib/python3/dist-packages"

start=$(date +%s)
src=""
# A source unpacked earlier (build broken or unfinished) is reused first.
for v in $qemu_versions; do
    d="$cache/qemu-${v#*:}"
    if [ -f "$d/.src-ok" ]; then
        src="$d"
        version="$v"
        break
    fi
done
for v in $qemu_versions; do
    if [ -n "$src" ]; then
        break
    fi
    d="$cache/qemu-${v#*:}"
    rm -rf "$d.dl"
    mkdir -p "$d.dl"
    if (cd "$d.dl" && apt-get "${private_apt_opts[@]}" -q source --download-only \
            "qemu=$v" >"$d.dl/log" 2>&1); then
        log "unpacking qemu $v"
        rm -rf "$d"
        mkdir -p "$d"
        dpkg-source -q -x "$d.dl"/qemu_*.dsc "$d/src" >&2 ||
            die "dpkg-source failed for qemu $v"
        rm -rf "$d.dl"
        touch "$d/.src-ok"
        src="$d"
        version="$v"
        break
    fi
    log "qemu source $v is not downloadable" \
        "($(grep -m1 '^E:' "$d.dl/log" || true))"
    rm -rf "$d.dl"
done
if [ -z "$src" ]; then
    skip "no qemu source package among $qemu_versions can be downloaded"
fi

build="$src/build"
if [ ! -f "$build/build.ninja" ]; then
    rm -rf "$build"
    mkdir -p "$build"
    log "configuring qemu $version"
    # Only what the qtest programs need: no emulator features, no docs,
    # no devices beyond the minimum, no network downloads.
    if ! (cd "$build" &&
          PYTHONPATH="$meson_pp" ../src/configure \
              --python=/usr/bin/python3 \
              --target-list=x86_64-softmmu \
              --without-default-features \
              --without-default-devices \
              --disable-download --disable-docs --disable-werror \
              --disable-install-blobs \
              --disable-rust --disable-tcg --enable-kvm \
              >"$build/configure.log" 2>&1); then
        tail -n 30 "$build/configure.log" >&2
        rm -rf "$build"
        die "configure of qemu $version failed"
    fi
fi
log "building $(echo $tests)"
targets=()
for t in $tests; do
    targets+=("tests/qtest/$t")
done
if ! (cd "$build" && PYTHONPATH="$meson_pp" \
          ninja -j"${QEMU_QTEST_JOBS:-$(nproc)}" "${targets[@]}" \
          >"$build/ninja.log" 2>&1); then
    tail -n 30 "$build/ninja.log" >&2
    die "ninja build of the qtests failed (log: $build/ninja.log)"
fi
(cd "$build/tests/qtest" && sha256sum $tests) > "$src/.ok"
if ! verify "$src"; then
    rm -f "$src/.ok"
    die "built qtest programs do not run"
fi
log "built in $(( $(date +%s) - start )) s"
qmp_setup
echo "QEMU_QTEST_VERSION=$version"
echo "QEMU_QTEST_DIR=$build/tests/qtest"

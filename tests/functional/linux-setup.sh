#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches Debian's linux-image-*-amd64 kernel and builds a busybox-static
# initramfs into a cache outside the tree; also unpacks the bzImage's own
# payload into an uncompressed vmlinux (ELF).  Prints KERNEL=..., VMLINUX=...
# and INITRD=...
set -euo pipefail

cache="${QEMU_GMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-gmem}/linux"
kernel="$cache/vmlinuz"
vmlinux="$cache/vmlinux"
initrd="$cache/initramfs.cpio.gz"

if [ -s "$kernel" ] && [ -s "$initrd" ] && [ -s "$vmlinux" ]; then
    echo "KERNEL=$kernel"
    echo "VMLINUX=$vmlinux"
    echo "INITRD=$initrd"
    exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# The versioned package the linux-image-amd64 metapackage points at.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
      sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
if [ -z "$pkg" ]; then
    echo "linux-setup: no linux-image-*-amd64 package known to apt" \
         "(run apt-get update)" >&2
    exit 1
fi
apt-get download "$pkg" >&2
dpkg-deb -x ./"$pkg"_*.deb kpkg
vmlinuz=$(ls kpkg/boot/vmlinuz-* | head -n1)
cp "$vmlinuz" "$kernel.tmp"
echo "${vmlinuz##*/vmlinuz-}" > "$cache/version"

# busybox: the installed busybox-static, else the package's binary.
if [ -x /bin/busybox ] &&
   /bin/busybox --help 2>&1 | head -n1 | grep -q BusyBox &&
   ! ldd /bin/busybox >/dev/null 2>&1; then
    bb=/bin/busybox
else
    apt-get download busybox-static >&2
    dpkg-deb -x ./busybox-static_*.deb bbpkg
    bb=bbpkg/bin/busybox
fi

mkdir -p root/bin root/dev root/proc root/sys
cp "$bb" root/bin/busybox
cat > root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "qemu-gmem initramfs: init reached"
/bin/busybox cat /proc/cmdline
/bin/busybox poweroff -f
INIT
chmod 755 root/init root/bin/busybox

# newc cpio written by Python: no cpio binary needed.
python3 - root "$initrd.tmp" <<'PY'
import gzip, os, stat, sys
root, out = sys.argv[1], sys.argv[2]
ino = [1]
def entry(f, name, mode, data=b'', nlink=1):
    hdr = '070701' + ''.join('%08x' % v for v in (
        ino[0], mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
        len(name) + 1, 0))
    ino[0] += 1
    buf = hdr.encode() + name.encode() + b'\0'
    buf += b'\0' * (-len(buf) % 4)
    buf += data + b'\0' * (-len(data) % 4)
    f.write(buf)
with gzip.open(out, 'wb') as f:
    for d, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(d, root)
        if rel != '.':
            entry(f, rel, stat.S_IFDIR | 0o755, nlink=2)
        for n in sorted(files):
            p = os.path.join(d, n)
            name = os.path.normpath(os.path.join(rel, n))
            with open(p, 'rb') as fh:
                entry(f, name, stat.S_IFREG | (os.stat(p).st_mode & 0o777),
                      fh.read())
    entry(f, 'dev/console', stat.S_IFCHR | 0o600)
    entry(f, 'TRAILER!!!', 0)
PY
# The compressed vmlinux inside the bzImage (setup header fields
# payload_offset/payload_length), unpacked with Python's standard library.
python3 - "$kernel.tmp" "$vmlinux.tmp" <<'PY'
import gzip, lzma, struct, sys
d = open(sys.argv[1], 'rb').read()
setup = ((d[0x1f1] or 4) + 1) * 512
off, length = struct.unpack_from('<II', d, 0x248)
payload = d[setup + off:setup + off + length]
if payload[:6] == b'\xfd7zXZ\x00':
    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload[:2] == b'\x1f\x8b':
    out = gzip.decompress(payload)
else:
    sys.exit('linux-setup: unsupported bzImage payload compression %r'
             % payload[:6])
if out[:4] != b'\x7fELF':
    sys.exit('linux-setup: bzImage payload is not an ELF vmlinux')
open(sys.argv[2], 'wb').write(out)
PY
mv "$vmlinux.tmp" "$vmlinux"
mv "$kernel.tmp" "$kernel"
mv "$initrd.tmp" "$initrd"
echo "KERNEL=$kernel"
echo "VMLINUX=$vmlinux"
echo "INITRD=$initrd"

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The nested lab: a real KVM (TCG-emulated SVM) to run our binary on.

  lab.py setup                 fetch linux-source, build the L1 kernel (cached)
  lab.py run TEST...           boot L1 once, run the tests inside, print TAP
  lab.py shell [TEST...]       boot L1 with a shell on the terminal

With --build BUILD and no TEST, the tests are those of the meson test
"lab" of BUILD; --only NAME picks one of them.

A TEST is "NAME=PROGRAM [ARG...]" (one shell word); PROGRAM runs inside L1
with its arguments and must print TAP on stdout.  See docs/devel/testing.rst.

Only the Python standard library; Debian's tools do the rest (apt-get,
dpkg-deb, make, gcc, ldd).  The cache lives outside the tree in
${QEMU_GMEM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/qemu-gmem}/lab.
"""
import argparse
import fcntl
import gzip
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time

KERNEL_PKG = 'linux-source-7.3'
KERNEL_VERSION = '7.3.4-1~bpo13+1'
KERNEL_SUITE = 'trixie-backports'
MIRROR = 'http://deb.debian.org/debian'
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'
L1_QEMU = '/usr/bin/qemu-system-x86_64'
BUSYBOX = '/bin/busybox'
HERE = os.path.dirname(os.path.abspath(__file__))
FRAGMENT = os.path.join(HERE, 'l1-kernel.config')

# L1: 4 GiB so the L2 guests of test-linux-boot (3.5 GiB of guest_memfd,
# touched sparsely) fit; 2 vCPUs for the 2-vCPU guests.
L1_MEM = '4G'
L1_CPUS = '2'
DEBUG_EXIT_PORT = 0xf4
TEST_TIMEOUT = 600        # per lab test, inside L1 (busybox timeout)
BOOT_MARGIN = 300         # L1 boot and shutdown, on top of the tests

T0 = time.monotonic()


class Skip(Exception):
    """The lab cannot be set up for a reason outside the tree."""


class Failure(Exception):
    pass


def log(msg):
    print('lab [%6.1fs] %s' % (time.monotonic() - T0, msg), file=sys.stderr,
          flush=True)


def cache_root():
    base = os.environ.get('QEMU_GMEM_CACHE')
    if not base:
        xdg = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser(
            '~/.cache')
        base = os.path.join(xdg, 'qemu-gmem')
    return os.path.join(base, 'lab')


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def run(cmd, **kw):
    """Run @cmd; on failure raise Failure with its output tail."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors='replace', **kw)
    if p.returncode != 0:
        raise Failure('%s failed (exit %d):\n%s'
                      % (' '.join(cmd), p.returncode, p.stdout[-4000:]))
    return p.stdout


class Timed:
    """Logs what a step does and how long it took; figures for the bench."""
    figures = {}

    def __init__(self, key, what):
        self.key, self.what = key, what

    def __enter__(self):
        log(self.what + ' ...')
        self.t = time.monotonic()
        return self

    def __exit__(self, exc_type, exc, tb):
        dt = time.monotonic() - self.t
        if exc_type is None:
            Timed.figures[self.key] = dt
            log('%s: done in %.1f s' % (self.what, dt))


# ---------------------------------------------------------------- the kernel

class Apt:
    """apt-get with its own sources.list, lists and cache: the system's apt
    configuration and state are never read for sources nor written."""

    def __init__(self, root):
        self.root = root
        self.sources = os.path.join(root, 'sources.list')
        os.makedirs(os.path.join(root, 'lists', 'partial'), exist_ok=True)
        os.makedirs(os.path.join(root, 'cache', 'archives', 'partial'),
                    exist_ok=True)
        with open(self.sources, 'w') as f:
            f.write('deb [signed-by=%s] %s %s main\n'
                    % (KEYRING, MIRROR, KERNEL_SUITE))

    def cmd(self, *args):
        return ['apt-get', '-q',
                '-o', 'Dir::Etc::SourceList=' + self.sources,
                '-o', 'Dir::Etc::SourceParts=/nonexistent',
                '-o', 'Dir::State::Lists=' + os.path.join(self.root, 'lists'),
                '-o', 'Dir::Cache=' + os.path.join(self.root, 'cache'),
                '-o', 'Dir::State::status=/dev/null',
                '-o', 'Debug::NoLocking=1',
                '-o', 'APT::Sandbox::User=root'] + list(args)

    def update(self):
        p = subprocess.run(self.cmd('update'), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors='replace')
        # apt-get update exits 0 even when a source failed: look for it
        bad = [l for l in p.stdout.splitlines()
               if l.startswith(('Err:', 'W: Failed', 'E: '))]
        if p.returncode != 0 or bad:
            raise Skip('Debian registry not reachable (%s %s): %s'
                       % (MIRROR, KERNEL_SUITE,
                          '; '.join(bad[:3]) or p.stdout[-300:].strip()))

    def download(self, pkg, version, dest):
        os.makedirs(dest, exist_ok=True)
        p = subprocess.run(self.cmd('download', '%s=%s' % (pkg, version)),
                           cwd=dest, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors='replace')
        if p.returncode != 0:
            if re.search(r'Could not (resolve|connect)|Failed to fetch',
                         p.stdout):
                raise Skip('Debian registry not reachable: %s'
                           % p.stdout[-300:].strip())
            raise Failure('apt-get download %s=%s failed:\n%s'
                          % (pkg, version, p.stdout[-2000:]))


def fragment_hash():
    with open(FRAGMENT, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def kernel_dir():
    key = '%s-%s' % (re.sub(r'[^A-Za-z0-9.+-]', '_', KERNEL_VERSION),
                     fragment_hash())
    return os.path.join(cache_root(), 'kernel', key)


KERNEL_FILES = ('bzImage', 'vmlinux', 'config')


def kernel_entry_valid(d):
    """True iff the entry's SHA256SUMS names every file and all match."""
    sums = os.path.join(d, 'SHA256SUMS')
    try:
        with open(sums) as f:
            want = dict(reversed(l.split(None, 1)) for l in f.read().split(
                '\n') if l.strip())
    except (OSError, ValueError):
        return False
    want = {k.strip(): v for k, v in want.items()}
    for name in KERNEL_FILES:
        p = os.path.join(d, name)
        if name not in want or not os.path.isfile(p) or \
           sha256_file(p) != want[name]:
            return False
    return True


def fragment_options():
    """(name, value) pairs the fragment sets, value None for 'is not set'."""
    opts = []
    with open(FRAGMENT) as f:
        for line in f:
            m = re.match(r'^(CONFIG_\w+)=(.*)$', line)
            if m:
                opts.append((m.group(1), m.group(2)))
                continue
            m = re.match(r'^# (CONFIG_\w+) is not set', line)
            if m:
                opts.append((m.group(1), None))
    return opts


def build_kernel(root):
    """Fetch, unpack, configure and build; install the entry atomically."""
    d = kernel_dir()
    apt = Apt(os.path.join(root, 'apt'))
    debs = os.path.join(root, 'debs')
    deb = os.path.join(debs, '%s_%s_all.deb'
                       % (KERNEL_PKG, KERNEL_VERSION.replace(':', '%3a')))
    if not os.path.isfile(deb):
        with Timed('apt_update', 'apt-get update (%s, private lists)'
                   % KERNEL_SUITE):
            apt.update()
        with Timed('download', 'downloading %s=%s' % (KERNEL_PKG,
                                                      KERNEL_VERSION)):
            apt.download(KERNEL_PKG, KERNEL_VERSION, debs)
        log('%s: %.0f MB' % (os.path.basename(deb),
                             os.path.getsize(deb) / 1e6))
    work = os.path.join(root, 'build-tmp')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with Timed('unpack', 'unpacking the kernel source'):
        # the .deb holds the tree as one tar.xz: stream it, no copy on disk
        run(['bash', '-c', 'set -o pipefail; '
             'dpkg-deb --fsys-tarfile "$1" | '
             'tar -xO --wildcards "./usr/src/linux-source-*.tar.xz" | '
             'tar -xJ -C "$2"', 'bash', deb, work])
        srcs = [n for n in os.listdir(work) if n.startswith('linux-source')]
        if len(srcs) != 1:
            raise Failure('unexpected content in %s: %s' % (deb, srcs))
        src = os.path.join(work, srcs[0])
    with Timed('configure', 'configuring (tinyconfig + %s + olddefconfig)'
               % os.path.basename(FRAGMENT)):
        run(['make', '-C', src, 'tinyconfig'])
        run([os.path.join(src, 'scripts', 'kconfig', 'merge_config.sh'),
             '-m', '-O', src, os.path.join(src, '.config'), FRAGMENT],
            cwd=src)
        run(['make', '-C', src, 'olddefconfig'])
        with open(os.path.join(src, '.config')) as f:
            config = f.read()
        missing = []
        for name, value in fragment_options():
            if value is None:
                if re.search('^%s=' % name, config, re.M):
                    missing.append('%s (wanted off)' % name)
            elif not re.search('^%s=%s$' % (name, re.escape(value)), config,
                               re.M):
                missing.append('%s=%s' % (name, value))
        if missing:
            raise Failure('olddefconfig dropped options of the fragment: '
                          + ', '.join(missing))
    jobs = os.environ.get('QEMU_GMEM_LAB_JOBS', str(os.cpu_count() or 2))
    with Timed('build', 'make -j%s bzImage (Linux %s)' % (jobs,
                                                          KERNEL_VERSION)):
        run(['make', '-C', src, '-j' + jobs, 'bzImage'])
    tmp = d + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    shutil.copy(os.path.join(src, 'arch', 'x86', 'boot', 'bzImage'), tmp)
    run(['objcopy', '--strip-debug', os.path.join(src, 'vmlinux'),
         os.path.join(tmp, 'vmlinux')])
    shutil.copy(os.path.join(src, '.config'), os.path.join(tmp, 'config'))
    with open(os.path.join(tmp, 'SHA256SUMS'), 'w') as f:
        for name in KERNEL_FILES:
            f.write('%s  %s\n' % (sha256_file(os.path.join(tmp, name)), name))
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    shutil.rmtree(work, ignore_errors=True)
    log('bzImage %.2f MB in %s' % (os.path.getsize(
        os.path.join(d, 'bzImage')) / 1e6, d))


def setup():
    """The cached L1 kernel entry, built first if missing or corrupt."""
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        d = kernel_dir()
        if kernel_entry_valid(d):
            log('L1 kernel: cached %s' % d)
        else:
            if os.path.exists(d):
                log('L1 kernel: cache entry %s is incomplete or corrupt, '
                    'rebuilding' % d)
            else:
                log('L1 kernel: not cached, building (a few minutes)')
            with Timed('setup_kernel', 'L1 kernel set-up'):
                build_kernel(root)
            if not kernel_entry_valid(d):
                raise Failure('the freshly built kernel entry %s does not '
                              'verify' % d)
    return d


# --------------------------------------------------------------- initramfs

class Cpio:
    """newc archive writer (gzip), directories created on demand."""

    def __init__(self, path):
        self.f = gzip.open(path, 'wb', compresslevel=6)
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b''):
        hdr = '070701' + ''.join('%08x' % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
            len(name) + 1, 0))
        self.ino += 1
        buf = hdr.encode() + name.encode() + b'\0'
        buf += b'\0' * (-len(buf) % 4)
        self.f.write(buf + data + b'\0' * (-len(data) % 4))

    def mkdir(self, name):
        name = name.strip('/')
        if not name or name in self.dirs:
            return
        self.mkdir(os.path.dirname(name))
        self.dirs.add(name)
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o755):
        name = name.strip('/')
        self.mkdir(os.path.dirname(name))
        self._entry(name, stat.S_IFREG | mode, data)

    def copy(self, name, path, mode=None):
        with open(path, 'rb') as f:
            data = f.read()
        if mode is None:
            mode = os.stat(path).st_mode & 0o777
        self.file(name, data, mode)

    def symlink(self, name, target):
        name = name.strip('/')
        self.mkdir(os.path.dirname(name))
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def node(self, name, mode):
        self.mkdir(os.path.dirname(name.strip('/')))
        self._entry(name.strip('/'), mode)

    def close(self):
        self._entry('TRAILER!!!', 0)
        self.f.close()


def shared_libs(programs):
    """Absolute paths of the libraries ldd names, plus the loader."""
    libs = set()
    for prog in programs:
        p = subprocess.run(['ldd', prog], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            if 'not a dynamic executable' in p.stdout:
                continue
            raise Failure('ldd %s: %s' % (prog, p.stdout))
        for line in p.stdout.splitlines():
            m = re.search(r'=>\s*(/\S+)', line) or \
                re.match(r'\s*(/\S+)\s+\(', line)
            if m:
                libs.add(m.group(1))
            elif 'not found' in line:
                raise Failure('ldd %s: %s' % (prog, line.strip()))
    return sorted(libs)


def check_busybox():
    if not os.access(BUSYBOX, os.X_OK):
        raise Failure('%s missing: run scripts/install-deps.sh '
                      '(busybox-static)' % BUSYBOX)
    p = subprocess.run(['ldd', BUSYBOX], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode == 0:
        raise Failure('%s is dynamically linked: the lab needs '
                      'busybox-static' % BUSYBOX)


def busybox_tree(cpio):
    cpio.copy('bin/busybox', BUSYBOX, 0o755)
    for d in ('proc', 'sys', 'dev', 'tmp', 'run', 'root'):
        cpio.mkdir(d)
    cpio.node('dev/console', stat.S_IFCHR | 0o600)


# The guest's /init for Linux-on-guest_memfd (L2): what the guest sees goes
# to the console between markers; test-linux-boot checks it against the
# machine it started, then the debug-exit device ends the VM with 0x21.
L2_INIT = r'''#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "qemu-gmem initramfs: init reached"
echo "uptime: $(/bin/busybox cat /proc/uptime)"
echo "cmdline: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox grep '^MemTotal:' /proc/meminfo
/bin/busybox dmesg | /bin/busybox grep 'BIOS-e820:' |
    /bin/busybox sed 's/^\[[^]]*\] *//; s/^/e820: /'
echo "qemu-gmem initramfs: end"
printf '\041' | /bin/busybox dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null
/bin/busybox poweroff -f
''' % DEBUG_EXIT_PORT


def make_l2_initrd(path):
    c = Cpio(path)
    busybox_tree(c)
    c.file('init', L2_INIT.encode())
    c.close()


L1_INIT_HEAD = r'''#!/bin/busybox sh
export PATH=/bin:/sbin:/usr/bin:/lab/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /dev/pts /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null
export HOME=/root TMPDIR=/tmp
. /lab/env
# the second serial port carries the tests' output, the first the kernel's
exec 3> /dev/ttyS1
echo "### lab: init reached uptime=$(cut -d' ' -f1 /proc/uptime)" >&3
echo "### lab: kvm $(ls -l /dev/kvm 2>&1)" >&3
'''

L1_INIT_TEST = r'''echo "### lab-test-begin %(name)s uptime=$(cut -d' ' -f1 /proc/uptime)" >&3
timeout -s KILL %(timeout)d %(cmd)s >&3 2>&3 < /dev/null
echo "### lab-test-end %(name)s rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)" >&3
'''

L1_INIT_TAIL = r'''echo "### lab-done" >&3
printf '\000' | dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null
''' % DEBUG_EXIT_PORT

L1_INIT_SHELL = r'''echo "lab shell: exit to end L1; tests are listed in /lab/tests"
setsid cttyhack sh
'''


def parse_tests(specs):
    tests = []
    for spec in specs:
        name, sep, cmd = spec.partition('=')
        words = shlex.split(cmd)
        if not sep or not name or not words:
            raise Failure('bad test %r: want NAME=PROGRAM [ARG...]' % spec)
        tests.append((name, words))
    return tests


def make_l1_initrd(path, kdir, qemu, tests, shell):
    check_busybox()
    c = Cpio(path)
    busybox_tree(c)
    progs = [qemu] + [w[0] for _, w in tests]
    for lib in shared_libs(progs):
        # both the path ldd printed and the usual loader locations
        c.copy(lib, lib, 0o755)
    c.copy('lab/bin/qemu-system-x86_64', qemu, 0o755)
    seen = {}
    script = L1_INIT_HEAD
    for name, words in tests:
        prog = words[0]
        inside = seen.get(prog)
        if not inside:
            inside = '/lab/bin/' + os.path.basename(prog)
            seen[prog] = inside
            c.copy(inside, prog, 0o755)
        cmd = ' '.join(shlex.quote(w) for w in [inside] + words[1:])
        script += L1_INIT_TEST % {'name': name, 'cmd': cmd,
                                  'timeout': TEST_TIMEOUT}
    script += L1_INIT_SHELL if shell else ''
    script += L1_INIT_TAIL
    c.file('init', script.encode())
    c.file('lab/tests', ''.join('%s\n' % n for n, _ in tests).encode(),
           0o644)
    c.copy('lab/linux/bzImage', os.path.join(kdir, 'bzImage'), 0o644)
    c.copy('lab/linux/vmlinux', os.path.join(kdir, 'vmlinux'), 0o644)
    with tempfile.NamedTemporaryFile(suffix='.cpio.gz') as t:
        make_l2_initrd(t.name)
        c.copy('lab/linux/initramfs.cpio.gz', t.name, 0o644)
    env = {
        'QTEST_QEMU_BINARY': '/lab/bin/qemu-system-x86_64',
        'QEMU_GMEM_LAB': '1',
        'QEMU_GMEM_LINUX_KERNEL': '/lab/linux/bzImage',
        'QEMU_GMEM_LINUX_VMLINUX': '/lab/linux/vmlinux',
        'QEMU_GMEM_LINUX_INITRD': '/lab/linux/initramfs.cpio.gz',
    }
    c.file('lab/env', ''.join('export %s=%s\n' % (k, shlex.quote(v))
                               for k, v in env.items()).encode(), 0o644)
    c.close()


# -------------------------------------------------------------------- L1

def l1_command(kdir, initrd, serial_console, serial_tests, interactive):
    cmd = [L1_QEMU, '-accel', 'tcg', '-cpu', 'max', '-m', L1_MEM,
           '-smp', L1_CPUS, '-M', 'pc', '-nodefaults', '-no-reboot',
           '-display', 'none',
           '-kernel', os.path.join(kdir, 'bzImage'), '-initrd', initrd,
           '-device', 'isa-debug-exit,iobase=0x%x,iosize=0x01'
           % DEBUG_EXIT_PORT]
    append = 'console=ttyS0 panic=-1 rdinit=/init'
    # Without ACPI timers L1 cannot calibrate its TSC against anything
    # ("tsc: Unable to calibrate against PIT"), and a KVM whose host TSC
    # frequency is unknown never enters a guest (every KVM_RUN asks for a
    # clock update that cannot be made).  TCG's TSC is this host's.
    khz = host_tsc_khz()
    if khz:
        append += ' tsc_early_khz=%d' % khz
    if interactive:
        cmd += ['-serial', 'stdio', '-serial', 'file:' + serial_tests]
        append += ' loglevel=4'
    else:
        cmd += ['-serial', 'file:' + serial_console,
                '-serial', 'file:' + serial_tests]
    return cmd + ['-append', append]


def host_tsc_khz():
    try:
        with open('/proc/cpuinfo') as f:
            m = re.search(r'^cpu MHz\s*:\s*([\d.]+)', f.read(), re.M)
    except OSError:
        return 0
    return int(float(m.group(1)) * 1000) if m else 0


def check_host():
    if not os.access(L1_QEMU, os.X_OK):
        raise Failure('%s missing: run scripts/install-deps.sh '
                      '(qemu-system-x86, Debian\'s QEMU hosts L1)' % L1_QEMU)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def point(self, ok, desc, directive=''):
        self.n += 1
        if not ok:
            self.failed += 1
        print('%s %d - %s%s' % ('ok' if ok else 'not ok', self.n, desc,
                                (' # ' + directive) if directive else ''),
              flush=True)

    @staticmethod
    def comment(text):
        for line in text.splitlines():
            print('# ' + line, flush=True)


TAP_LINE = re.compile(r'^(not ok|ok)\b\s*\d*\s*(?:-\s*)?(.*?)\s*'
                      r'(?:#\s*(SKIP|TODO)\b\s*(.*))?$', re.I)


def report(tests, text, console, l1_status, tap):
    """Turn the test port's log into host TAP: each inner point becomes
    'NAME: description'; a test without a plan, with a non-zero exit
    status or missing its end marker fails with its output shown."""
    blocks = {}
    cur = None
    for line in text.splitlines():
        line = line.rstrip('\r')
        m = re.match(r'^### lab-test-begin (\S+)', line)
        if m:
            cur = m.group(1)
            blocks[cur] = {'lines': [], 'rc': None}
            continue
        m = re.match(r'^### lab-test-end (\S+) rc=(\d+)', line)
        if m and m.group(1) in blocks:
            blocks[m.group(1)]['rc'] = int(m.group(2))
            cur = None
            continue
        if cur:
            blocks[cur]['lines'].append(line)
    for name, _ in tests:
        b = blocks.get(name)
        if b is None:
            tap.point(False, '%s: did not start in L1' % name)
            continue
        points = 0
        plan = False
        bad = False
        for line in b['lines']:
            m = TAP_LINE.match(line)
            if m:
                points += 1
                ok = m.group(1).lower() == 'ok'
                directive = ''
                if m.group(3):
                    directive = '%s %s' % (m.group(3).upper(), m.group(4))
                    if m.group(3).upper() == 'TODO':
                        ok = True
                bad = bad or not ok
                tap.point(ok, '%s: %s' % (name, m.group(2)), directive)
            elif re.match(r'^1\.\.\d+', line):
                plan = True
        rc = b['rc']
        why = None
        if rc is None:
            why = 'no end marker: L1 died or timed out during the test'
        elif rc == 137:
            why = 'killed after %d s (timeout)' % TEST_TIMEOUT
        elif rc != 0:
            why = 'exit status %d' % rc
        elif not plan or points == 0:
            why = 'printed no TAP plan/results'
        if why or bad:
            Tap.comment('--- output of %s in L1 ---\n%s'
                        % (name, '\n'.join(b['lines'][-300:])))
        if why:
            tap.point(False, '%s: %s' % (name, why))
    if '### lab-done' not in text:
        tap.point(False, 'L1 ended before all tests ran (%s)' % l1_status)
        Tap.comment('--- L1 console (tail) ---\n' + console[-6000:])


def boot_l1(tests, shell=False, build=None):
    check_host()
    kdir = setup()
    qemu = find_qemu(build)
    with tempfile.TemporaryDirectory(prefix='qemu-gmem-lab-') as tmp:
        initrd = os.path.join(tmp, 'l1-initramfs.cpio.gz')
        with Timed('initramfs', 'packing the L1 initramfs (%d tests)'
                   % len(tests)):
            make_l1_initrd(initrd, kdir, qemu, tests, shell)
        log('initramfs %.1f MB' % (os.path.getsize(initrd) / 1e6))
        console = os.path.join(tmp, 'console.log')
        tlog = os.path.join(tmp, 'tests.log')
        cmd = l1_command(kdir, initrd, console, tlog, shell)
        log('booting L1: ' + ' '.join(shlex.quote(c) for c in cmd))
        limit = BOOT_MARGIN + TEST_TIMEOUT * max(1, len(tests))
        t = time.monotonic()
        if shell:
            rc = subprocess.call(cmd)
            return rc
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        status = None
        try:
            out, _ = p.communicate(timeout=limit)
            status = 'L1 QEMU exit status %d' % p.returncode
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            status = 'L1 killed after %d s' % limit
        Timed.figures['l1_total'] = time.monotonic() - t
        log('L1 ended after %.1f s: %s' % (Timed.figures['l1_total'],
                                           status))
        text = read(tlog)
        m = re.search(r'### lab: init reached uptime=([\d.]+)', text)
        if m:
            log('L1 reached /init at %s s (its uptime)' % m.group(1))
            Timed.figures['l1_init_uptime'] = float(m.group(1))
        for m in re.finditer(r'### lab-test-end (\S+) rc=(\d+)', text):
            log('  %s: exit status %s' % (m.group(1), m.group(2)))
        tap = Tap()
        cons = read(console) + out.decode(errors='replace')
        # isa-debug-exit: (0 << 1) | 1 once every test ran
        if p.returncode not in (1, None) and '### lab-done' in text:
            tap.point(False, 'L1 exit: %s' % status)
            Tap.comment(cons[-4000:])
        report(tests, text, cons, status, tap)
        print('1..%d' % tap.n, flush=True)
        if os.environ.get('QEMU_GMEM_LAB_KEEP_LOGS'):
            keep = os.environ['QEMU_GMEM_LAB_KEEP_LOGS']
            os.makedirs(keep, exist_ok=True)
            shutil.copy(console, keep)
            shutil.copy(tlog, keep)
        return 1 if tap.failed else 0


def read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode(errors='replace')
    except OSError:
        return ''


def find_qemu(build):
    cands = []
    if os.environ.get('QEMU_GMEM_LAB_QEMU'):
        cands.append(os.environ['QEMU_GMEM_LAB_QEMU'])
    if build:
        cands.append(os.path.join(build, 'qemu-system-x86_64'))
    for c in cands:
        if os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise Failure('our qemu-system-x86_64 not found (%s): build it, or pass '
                  '--build' % ', '.join(cands or ['no --build']))


def meson_tests(build):
    """The test list of the meson test 'lab' (tests/lab/meson.build)."""
    import json
    p = subprocess.run(['meson', 'introspect', build, '--tests'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        raise Failure('meson introspect %s --tests: %s' % (build, p.stderr))
    for t in json.loads(p.stdout):
        if t['name'] == 'lab':
            cmd = t['cmd']
            return cmd[cmd.index('run') + 1:]
    raise Failure('no meson test "lab" in %s' % build)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', help='build directory holding our '
                    'qemu-system-x86_64')
    ap.add_argument('--only', action='append', default=[],
                    help='run only the test NAME (repeatable)')
    ap.add_argument('--list', action='store_true',
                    help='list the tests and exit')
    ap.add_argument('command', choices=('setup', 'run', 'shell'))
    ap.add_argument('tests', nargs='*')
    a = ap.parse_args()
    try:
        specs = a.tests
        if not specs and a.build and a.command != 'setup':
            specs = meson_tests(a.build)
        tests = parse_tests(specs)
        if a.only:
            unknown = set(a.only) - {n for n, _ in tests}
            if unknown:
                raise Failure('no such lab test: %s (known: %s)'
                              % (', '.join(sorted(unknown)),
                                 ', '.join(n for n, _ in tests)))
            tests = [t for t in tests if t[0] in a.only]
        if a.list:
            for n, w in tests:
                print('%s=%s' % (n, ' '.join(shlex.quote(x) for x in w)))
            return 0
        if a.command == 'setup':
            print(setup())
            return 0
        return boot_l1(tests, shell=a.command == 'shell', build=a.build)
    except Skip as e:
        # TAP: the whole suite skipped, with the reason
        print('1..0 # SKIP %s' % e, flush=True)
        log('SKIP: %s' % e)
        return 77 if a.command == 'setup' else 0
    except Failure as e:
        print('not ok 1 - lab set-up: %s' % str(e).split('\n')[0],
              flush=True)
        Tap.comment(str(e))
        print('1..1', flush=True)
        return 1
    finally:
        if Timed.figures:
            log('figures: ' + ' '.join('%s=%.1fs' % kv for kv in
                                       sorted(Timed.figures.items())))


if __name__ == '__main__':
    sys.exit(main())

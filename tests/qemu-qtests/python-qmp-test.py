# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU's Python QMP library (Debian python3-qemu-qmp) drives our binary.

The library is unpacked by setup.sh --qmp-only; when the registry is
unreachable the whole test is skipped (TAP "1..0 # SKIP").  Prints TAP.
"""
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import traceback

results = []


def check(name, fn):
    try:
        fn()
        results.append((True, name, None))
    except Exception as exc:  # every failure is reported, then counted
        results.append((False, name, traceback.format_exc()))


def setup_library():
    setup = os.environ['QEMU_QTESTS_SETUP']
    proc = subprocess.run(['bash', setup, '--qmp-only'],
                          capture_output=True, text=True)
    if proc.returncode == 77:
        reason = proc.stderr.strip().splitlines()[-1:] or ['setup skipped']
        print('1..0 # SKIP ' + reason[0].split('SKIP: ', 1)[-1])
        sys.exit(0)
    if proc.returncode != 0:
        print('Bail out! setup.sh --qmp-only failed: ' + proc.stderr.strip())
        sys.exit(1)
    for line in proc.stdout.splitlines():
        if line.startswith('QEMU_QMP_PYTHONPATH='):
            return line.split('=', 1)[1]
    print('Bail out! setup.sh printed no QEMU_QMP_PYTHONPATH')
    sys.exit(1)


class Binary:
    """Our qemu-system-x86_64 listening on a QMP UNIX socket."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix='python-qmp-')
        self.sock = os.path.join(self.dir, 'qmp.sock')
        self.proc = subprocess.Popen(
            [os.environ['QTEST_QEMU_BINARY'], '-nodefaults',
             '-machine', 'none', '-display', 'none', '-accel', 'qtest',
             '-qmp', 'unix:%s,server=on,wait=off' % self.sock] + list(args),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None:
                raise RuntimeError('binary exited: %s' %
                                   self.proc.stderr.read().decode())
            if time.monotonic() > deadline:
                raise RuntimeError('no QMP socket after 30 s')
            time.sleep(0.02)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=30)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        os.rmdir(self.dir)


def main():
    sys.path.insert(0, setup_library())
    from qemu.qmp import QMPClient, ExecuteError
    from qemu.qmp.legacy import QEMUMonitorProtocol

    async def async_session(vm):
        qmp = QMPClient('qemu-gmem-test')
        await qmp.connect(vm.sock)
        try:
            # The greeting was parsed and negotiation done by connect().
            greeting = qmp.greeting
            version = await qmp.execute('query-version')
            assert greeting.QMP.version == version, (greeting, version)
            assert isinstance(greeting.QMP.capabilities, list)
            status = await qmp.execute('query-status')
            assert status == {'status': 'running', 'running': True}, status
            name = await qmp.execute('query-name')
            assert name == {'name': 'py-guest'}, name
            try:
                await qmp.execute('qom-get', {'path': '/nonexistent',
                                              'property': 'type'})
                raise AssertionError('qom-get of a missing path succeeded')
            except ExecuteError as err:
                assert err.error_class == 'DeviceNotFound', err.error_class
                assert err.error.error.desc == \
                    "Device '/nonexistent' not found", err.error
            # An event, seen by a listener while the command runs.
            with qmp.listener('STOP') as listener:
                await qmp.execute('stop')
                event = await asyncio.wait_for(listener.get(), 10)
            assert event['event'] == 'STOP', event
            assert 'data' not in event or event['data'] == {}, event
            assert set(event['timestamp']) == {'seconds', 'microseconds'}
            status = await qmp.execute('query-status')
            assert status == {'status': 'paused', 'running': False}, status
        finally:
            await qmp.disconnect()

    def test_async_client():
        vm = Binary('-name', 'py-guest')
        try:
            asyncio.run(async_session(vm))
        finally:
            vm.close()

    def test_legacy_client():
        vm = Binary()
        try:
            mon = QEMUMonitorProtocol(vm.sock)
            greeting = mon.connect(negotiate=True)
            assert 'QMP' in greeting, greeting
            reply = mon.cmd_raw('query-kvm')
            assert set(reply['return']) == {'enabled', 'present'}, reply
            reply = mon.cmd_raw('no-such-command')
            assert reply['error'] == {
                'class': 'CommandNotFound',
                'desc': 'The command no-such-command has not been found'
            }, reply
            reply = mon.cmd_raw('quit')
            assert reply == {'return': {}}, reply
            # Sent after the reply, before the socket closes.
            events = []
            deadline = time.monotonic() + 10
            while not events and time.monotonic() < deadline:
                events = mon.get_events()
                time.sleep(0.05)
            assert len(events) == 1, events
            event = events[0]
            assert event['event'] == 'SHUTDOWN', event
            assert event['data'] == {'guest': False,
                                     'reason': 'host-qmp-quit'}, event
            # The server hung up after 'quit': the library reports that as
            # EOF on close, as QEMU's own test harness expects too.
            try:
                mon.close()
            except EOFError:
                pass
            assert vm.proc.wait(timeout=30) == 0
        finally:
            vm.close()

    def test_qmp_shell_one_shot():
        vm = Binary()
        try:
            env = dict(os.environ, PYTHONPATH=sys.path[0])
            proc = subprocess.run(
                [sys.executable, '-m', 'qemu.qmp.qmp_shell', vm.sock],
                input='query-status\n'
                      'qom-get path=/machine property=type\n',
                capture_output=True, text=True, env=env, timeout=60)
            assert proc.returncode == 0, (proc.returncode, proc.stderr)
            out = proc.stdout
            assert '(QEMU) {"return": {"running": true, ' \
                '"status": "running"}}\n' in out, out
            assert '(QEMU) {"return": "none-machine"}\n' in out, out
        finally:
            vm.close()

    check('python-qmp/async-client', test_async_client)
    check('python-qmp/legacy-client', test_legacy_client)
    check('python-qmp/qmp-shell-one-shot', test_qmp_shell_one_shot)

    print('1..%d' % len(results))
    for i, (ok, name, err) in enumerate(results, 1):
        print('%s %d %s' % ('ok' if ok else 'not ok', i, name))
        if err:
            print('# ' + err.replace('\n', '\n# '))
    sys.exit(0 if all(r[0] for r in results) else 1)


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the meson test suites and print one closing line counting test cases.

TAP tests (every GTest binary runs with --tap) are counted per test case;
other tests count as one case each.  Ends with 'N passed, N failed, N skipped'.
'--exclude NAME' (repeatable) drops a test from the selection the other
arguments make, e.g. the long functional tests from a sanitizer run.
"""
import json
import os
import re
import subprocess
import sys


def count_tap(stdout):
    passed = failed = skipped = 0
    for line in stdout.splitlines():
        m = re.match(r'^(not ok|ok)\b(.*)$', line)
        if not m:
            continue
        rest = m.group(2)
        if re.search(r'#\s*skip', rest, re.I):
            skipped += 1
        elif m.group(1) == 'ok' or re.search(r'#\s*todo', rest, re.I):
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def main():
    args = sys.argv[1:]
    build = args.pop(0) if args and not args[0].startswith('-') else 'build'
    excluded = set()
    while '--exclude' in args:
        i = args.index('--exclude')
        excluded.add(args[i + 1])
        del args[i:i + 2]
    if excluded:
        listing = subprocess.run(['meson', 'test', '-C', build, '--list'] +
                                 args, check=True, capture_output=True,
                                 text=True).stdout
        names = [line.split(' / ', 1)[1].strip()
                 for line in listing.splitlines() if ' / ' in line]
        # the suite options stay: meson intersects them with the names
        args = args + [n for n in names if n not in excluded]
    cmd = ['meson', 'test', '-C', build, '--print-errorlogs',
           '--num-processes', '2'] + args
    rc = subprocess.call(cmd)
    log = os.path.join(build, 'meson-logs', 'testlog.json')
    passed = failed = skipped = 0
    try:
        with open(log) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except OSError:
        entries = []
    for e in entries:
        result = e.get('result')
        out = e.get('stdout') or ''
        p, fl, s = count_tap(out)
        if p + fl + s == 0:
            if result in ('OK', 'EXPECTEDFAIL'):
                p = 1
            elif result == 'SKIP':
                s = 1
            else:
                fl = 1
        elif result not in ('OK', 'SKIP', 'EXPECTEDFAIL') and fl == 0:
            # crashed or timed out after its last reported case
            fl = 1
        passed += p
        failed += fl
        skipped += s
    if rc != 0 and failed == 0:
        failed = 1
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Generates C tables, command/event glue and the rST reference from the
# QAPI schema (qapi/qapi-schema.json); run by meson at build time.

import argparse
import os
import sys

# Keep the source tree free of __pycache__ directories.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qapi.parser import SchemaParser, QAPIError  # noqa: E402
from qapi.schema import Schema  # noqa: E402
from qapi import gen_c, gen_doc  # noqa: E402

OUTPUTS = {
    'qapi-types.h': gen_c.gen_types_h,
    'qapi-tables.c': gen_c.gen_tables_c,
    'qapi-commands.h': gen_c.gen_commands_h,
    'qapi-commands.c': gen_c.gen_commands_c,
    'qapi-events.h': gen_c.gen_events_h,
    'qapi-introspect-data.c': gen_c.gen_introspect_c,
    'qemu-qmp-ref.rst': gen_doc.gen_rst,
}


def write_output(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('schema')
    ap.add_argument('-o', '--output-dir', default='.')
    ap.add_argument('-D', '--define', action='append', default=[],
                    help='config symbol treated as true in "if" conditions')
    ap.add_argument('--depfile', help='write a make-style dependency file')
    ap.add_argument('--only', action='append',
                    help='generate just this output (repeatable)')
    args = ap.parse_args()
    try:
        parser = SchemaParser(args.schema)
        schema = Schema(parser, args.define)
    except QAPIError as e:
        print('qapi-gen: %s' % e, file=sys.stderr)
        return 1
    for name, fn in OUTPUTS.items():
        if args.only and name not in args.only:
            continue
        write_output(os.path.join(args.output_dir, name), fn(schema))
    if args.depfile:
        with open(args.depfile, 'w', encoding='utf-8') as f:
            f.write('qapi-types.h: %s\n' % ' '.join(sorted(parser.files)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

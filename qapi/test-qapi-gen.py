#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Tests of scripts/qapi (the schema generator): naming rules, schema
# errors with file:line, conditionals, doc-comment parsing, C escaping.
# Usage: test-qapi-gen.py SCRIPTS_DIR [unittest args]; TAP-free, exit code.

import os
import sys
import tempfile
import textwrap
import unittest

# Keep the source tree free of __pycache__ directories.
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv.pop(1))

from qapi.parser import SchemaParser, QAPIError  # noqa: E402
from qapi.schema import Schema, camel_to_upper  # noqa: E402
from qapi.gen_c import c_str, gen_types_h  # noqa: E402


def load(text, defines=('CONFIG_LINUX',)):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'schema.json')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(textwrap.dedent(text))
        return Schema(SchemaParser(path), defines)


ENUM_E = """
    ##
    # @E:
    #
    # @a: first
    #
    # @b-c: second
    ##
    { 'enum': 'E', 'data': [ 'a', 'b-c' ] }
"""


class NamingTest(unittest.TestCase):
    def test_camel_to_upper(self):
        for name, upper in [('HostMemPolicy', 'HOST_MEM_POLICY'),
                            ('RunState', 'RUN_STATE'),
                            ('ShutdownCause', 'SHUTDOWN_CAUSE'),
                            ('OnOffAuto', 'ON_OFF_AUTO'),
                            ('ObjectType', 'OBJECT_TYPE'),
                            ('QMPCapability', 'QMP_CAPABILITY'),
                            ('JSONType', 'JSON_TYPE'),
                            ('SchemaMetaType', 'SCHEMA_META_TYPE'),
                            ('ABC', 'ABC')]:
            self.assertEqual(camel_to_upper(name), upper)

    def test_enum_values(self):
        h = gen_types_h(load(ENUM_E))
        self.assertIn('    E_A,\n    E_B_C,\n    E__MAX,\n} E;', h)
        self.assertIn('extern const QEnumLookup E_lookup;', h)

    def test_c_str(self):
        self.assertEqual(c_str('a"b\\c'), '"a\\"b\\\\c"')
        self.assertEqual(c_str('\u00e9'), '"\\303\\251"')
        self.assertEqual(c_str(None), 'NULL')


class ErrorTest(unittest.TestCase):
    def assert_error(self, text, fragment, line=None):
        with self.assertRaises(QAPIError) as cm:
            load(text)
        self.assertIn(fragment, str(cm.exception))
        if line is not None:
            self.assertIn('schema.json:%d:' % line, str(cm.exception))

    def test_missing_doc(self):
        self.assert_error("{ 'enum': 'E', 'data': [ 'a' ] }\n",
                          "definition of 'E' lacks a doc comment", 1)

    def test_undocumented_member(self):
        self.assert_error("""
            ##
            # @S:
            ##
            { 'struct': 'S', 'data': { 'm': 'int' } }
        """, "member 'm' of 'S' is not documented", 5)

    def test_undocumented_value(self):
        self.assert_error("""
            ##
            # @E:
            ##
            { 'enum': 'E', 'data': [ 'a' ] }
        """, "value 'a' of 'E' is not documented")

    def test_unknown_type(self):
        self.assert_error("""
            ##
            # @S:
            #
            # @m: x
            ##
            { 'struct': 'S', 'data': { 'm': 'Nope' } }
        """, "uses unknown type 'Nope'")

    def test_doc_mismatch(self):
        self.assert_error("""
            ##
            # @T:
            ##
            { 'struct': 'S', 'data': {} }
        """, "doc comment is for 'T', not 'S'")

    def test_duplicate(self):
        self.assert_error(ENUM_E + ENUM_E, "'E' is already defined")

    def test_base_collision(self):
        self.assert_error("""
            ##
            # @B:
            #
            # @m: x
            ##
            { 'struct': 'B', 'data': { 'm': 'int' } }
            ##
            # @S:
            #
            # @m: y
            ##
            { 'struct': 'S', 'base': 'B', 'data': { 'm': 'int' } }
        """, "member 'm' of 'S' collides with its base")

    def test_union_branch(self):
        self.assert_error(ENUM_E + """
            ##
            # @U:
            #
            # @t: tag
            ##
            { 'union': 'U', 'base': { 't': 'E' }, 'discriminator': 't',
              'data': { 'x': 'U' } }
        """, "branch 'x' is not a value of 'E'")

    def test_union_tag_not_enum(self):
        self.assert_error("""
            ##
            # @U:
            #
            # @t: tag
            ##
            { 'union': 'U', 'base': { 't': 'str' }, 'discriminator': 't',
              'data': { } }
        """, "discriminator must be an enum")

    def test_syntax(self):
        self.assert_error("""
            ##
            # @E:
            ##
            { 'enum': 'E', 'data': [ 'a ] }
        """, "missing terminating", 5)
        self.assert_error("{ 'enum': 'E' 'data': [] }\n",
                          "expected ',' or '}'", 1)


class SchemaTest(unittest.TestCase):
    def test_conditionals(self):
        s = load("""
            ##
            # @S:
            #
            # @a: Help of a
            #     more text
            #
            # @b: [no QOM help]
            #     more text
            #
            # @c: only elsewhere
            ##
            { 'struct': 'S', 'data': { 'a': 'int', '*b': 'bool',
                                       'c': { 'type': 'int',
                                              'if': 'CONFIG_WIN32' } } }
            ##
            # @W:
            ##
            { 'struct': 'W', 'data': {}, 'if': { 'not': 'CONFIG_LINUX' } }
        """)
        st = s.lookup('S')
        self.assertEqual([m.name for m in st.all_members], ['a', 'b'])
        self.assertEqual(st.all_members[0].qom_help, 'Help of a')
        self.assertIsNone(st.all_members[1].qom_help)
        self.assertTrue(st.all_members[1].optional)
        self.assertIsNone(s.lookup('W'))

    def test_doc_sections(self):
        s = load("""
            ##
            # @cmd:
            #
            # Does things.
            #
            # @arg: the argument
            #     continued
            #
            # Returns: nothing
            #
            # Since: 1.0
            ##
            { 'command': 'cmd', 'data': { 'arg': 'str' } }
        """)
        c = s.lookup('cmd')
        self.assertEqual(c.doc.body, ['Does things.'])
        self.assertEqual(c.doc.arg_text('arg'), 'the argument\ncontinued')
        self.assertEqual(c.doc.since, '1.0')
        self.assertEqual(c.doc.sections[0], ('Returns', ['nothing']))
        self.assertEqual(c.arg_type, 'q_obj_cmd-arg')
        self.assertTrue(s.lookup('q_obj_cmd-arg').implicit)


if __name__ == '__main__':
    unittest.main()

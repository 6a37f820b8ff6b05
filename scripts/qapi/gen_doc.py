# SPDX-License-Identifier: GPL-2.0-or-later
# Renders the schema's doc comments as the rST QMP/QOM reference
# (docs/interop/qemu-qmp-ref.rst).

import re
import textwrap

from .schema import (Enum, Struct, Union, Alternate, Command, Event,
                     NO_HELP_MARKER, cond_text)

TITLE = 'QEMU QMP and QOM Reference'
# Underlines by level: the document title (0, with overline), '= Title'
# doc sections (1), '== Title' (2); a definition sits one level below the
# last section heading.
SECTION_CHARS = '=-~^'


def _inline(text):
    """QAPI's '@name' member references and '#type' become literals."""
    text = re.sub(r'(?<![\w`])@([A-Za-z][\w.-]*\w|[A-Za-z])', r'``\1``',
                  text)
    return re.sub(r'(?<![\w`])#(str|int|bool|number)\b', r'``\1``', text)


def _heading(text, ch):
    return '%s\n%s\n\n' % (text, ch * len(text))


def _member_text(doc):
    lines = doc.split('\n')
    if lines and lines[0].strip() == NO_HELP_MARKER:
        lines = lines[1:]
    elif lines and lines[0].startswith(NO_HELP_MARKER):
        lines[0] = lines[0][len(NO_HELP_MARKER):].strip()
    return [ln for ln in lines]


def _indent(lines, n):
    pad = ' ' * n
    return ''.join((pad + _inline(ln)).rstrip() + '\n' for ln in lines)


# Type name -> rST target of its section, filled by gen_rst().
_targets = {}


def _target(kind, name):
    # rST targets ignore case: 'stop' and 'STOP' need the kind too.
    return 'qapi-%s-%s' % (kind.lower(), name)


def _type_ref(t):
    """A type name, linked to its section when it has one."""
    inner = t[1:-1] if t.startswith('[') else t
    if inner not in _targets:
        return '``%s``' % t
    link = '`%s <%s_>`_' % (inner, _targets[inner])
    return '[%s]' % link if t.startswith('[') else link


def _members_block(title, members, extra=None):
    out = [':%s:\n' % title]
    if extra:
        out.append(_indent([extra], 3))
        out.append('\n')
    for m in members:
        attrs = [_type_ref(m.type)]
        if m.optional:
            attrs.append('optional')
        if m.cond:
            attrs.append('if %s' % cond_text(m.cond))
        out.append('   ``%s`` (%s)\n' % (m.name, ', '.join(attrs)))
        text = _member_text(m.doc) or ['Not documented']
        out.append(_indent(text, 6))
        out.append('\n')
    return ''.join(out)


def _sections(doc, ent):
    out = []
    for tag, lines in doc.sections:
        if not lines:
            continue
        if tag:
            out.append(':%s:\n' % tag)
            out.append(_indent(textwrap.dedent('\n'.join(lines))
                               .split('\n'), 3))
        else:
            out.extend(_inline(ln).rstrip() + '\n' for ln in lines)
        out.append('\n')
    if doc.features:
        out.append(':Features:\n')
        for name, lines in doc.features.items():
            out.append('   ``%s``\n' % name)
            out.append(_indent(lines, 6))
        out.append('\n')
    if ent.cond:
        out.append(':If:\n   ``%s``\n\n' % cond_text(ent.cond))
    if doc.since:
        out.append(':Since:\n   %s\n\n' % doc.since)
    return ''.join(out)


def _free_doc(doc, state):
    out = []
    for ln in doc.body:
        m = re.match(r'^(=+) (.*)$', ln)
        if m:
            level = len(m.group(1))
            state['level'] = level
            out.append('\n' + _heading(m.group(2),
                                       SECTION_CHARS[level]))
        else:
            out.append(_inline(ln).rstrip() + '\n')
    return ''.join(out) + '\n'


def _entity(schema, ent, state):
    kind = {Enum: 'Enum', Struct: 'Object', Union: 'Object',
            Alternate: 'Alternate', Command: 'Command',
            Event: 'Event'}[type(ent)]
    doc = ent.doc
    level = min(state['level'] + 1, len(SECTION_CHARS) - 1)
    out = ['.. _%s:\n\n' % _target(kind, ent.name),
           _heading('%s ``%s``' % (kind, ent.name), SECTION_CHARS[level])]
    if doc.body:
        out.append(''.join(_inline(ln).rstrip() + '\n' for ln in doc.body))
        out.append('\n')
    if isinstance(ent, Enum):
        vals = []
        for v, cond, _ in ent.values:
            vals.append('   ``%s``%s\n' % (
                v, ' (if %s)' % cond_text(cond) if cond else ''))
            vals.append(_indent(doc.args.get(v) or ['Not documented'], 6))
            vals.append('\n')
        out.append(':Values:\n' + ''.join(vals))
    elif isinstance(ent, Struct):
        if ent.base and not ent.local_members:
            out.append(':Members:\n   The members of %s.\n\n'
                       % _type_ref(ent.base))
        elif ent.local_members:
            extra = None
            if ent.base:
                extra = 'The members of %s, then:' % _type_ref(ent.base)
            out.append(_members_block('Members', ent.local_members, extra))
    elif isinstance(ent, Union):
        base = schema.lookup(ent.base)
        if base.implicit:
            out.append(_members_block('Members', base.local_members))
        else:
            out.append(':Members:\n   The members of %s.\n\n'
                       % _type_ref(ent.base))
        out.append(':Branches:\n')
        for b in ent.branches:
            out.append('   When ``%s`` is ``%s``\n      The members of %s.\n'
                       % (ent.discriminator, b.name, _type_ref(b.type)))
        out.append('\n')
    elif isinstance(ent, Alternate):
        out.append(_members_block('Alternatives', ent.branches))
    elif isinstance(ent, (Command, Event)):
        title = 'Arguments' if isinstance(ent, Command) else 'Data'
        if ent.arg_type:
            arg = schema.lookup(ent.arg_type)
            if arg.implicit:
                out.append(_members_block(title, arg.local_members))
            else:
                out.append(':%s:\n   The members of %s.\n\n'
                           % (title, _type_ref(ent.arg_type)))
        if isinstance(ent, Command):
            flags = []
            if ent.ret_type:
                flags.append(':Return type:\n   %s\n'
                             % _type_ref(ent.ret_type))
            if ent.allow_oob:
                flags.append(':Out-of-band:\n   allowed\n')
            if ent.allow_preconfig:
                flags.append(':Preconfig:\n   allowed\n')
            if flags:
                out.append('\n'.join(flags) + '\n')
    out.append(_sections(doc, ent))
    return ''.join(out)


def gen_rst(schema):
    out = ['..\n   SPDX-License-Identifier: GPL-2.0-or-later\n'
           '   Generated by scripts/qapi-gen.py from qapi/qapi-schema.json;'
           ' do not edit.\n\n',
           '=' * len(TITLE) + '\n' + TITLE + '\n' + '=' * len(TITLE)
           + '\n\n']
    state = {'level': 0}
    _targets.clear()
    for ent in schema.entities:
        if not ent.implicit and isinstance(ent, (Enum, Struct, Union,
                                                 Alternate)):
            kind = 'Enum' if isinstance(ent, Enum) else \
                'Alternate' if isinstance(ent, Alternate) else 'Object'
            _targets[ent.name] = _target(kind, ent.name)
    for kind, item in schema.items:
        if kind == 'doc':
            out.append(_free_doc(item, state))
        elif not item.implicit:
            out.append(_entity(schema, item, state))
    text = ''.join(out)
    text = re.sub(r'\n{3,}', '\n\n', text)
    return text.rstrip('\n') + '\n'

# SPDX-License-Identifier: GPL-2.0-or-later
# Checks parsed QAPI expressions and resolves them into a typed model
# (enums, structs, unions, alternates, commands, events) for the backends.

import re

from .parser import QAPIError

BUILTINS = {
    # name: JSON type for introspection
    'str': 'string', 'number': 'number', 'int': 'int', 'int8': 'int',
    'int16': 'int', 'int32': 'int', 'int64': 'int', 'uint8': 'int',
    'uint16': 'int', 'uint32': 'int', 'uint64': 'int', 'size': 'int',
    'bool': 'boolean', 'null': 'null', 'any': 'value',
}

NO_HELP_MARKER = '[no QOM help]'


def c_name(name):
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


def camel_to_upper(value):
    """QEMU's rule: HostMemPolicy -> HOST_MEM_POLICY, QMPCapability ->
    QMP_CAPABILITY, JSONType -> JSON_TYPE."""
    s = c_name(value)
    if s.isupper():
        return s
    out = ''
    for i, ch in enumerate(s):
        if ch.isupper() and i > 0 and s[i - 1] != '_':
            if i < len(s) - 1 and s[i + 1].islower():
                out += '_'
            elif s[i - 1].isdigit() or s[i - 1].islower():
                out += '_'
        out += ch
    return out.lstrip('_').upper()


def eval_if(cond, defines):
    if cond is None:
        return True
    if isinstance(cond, str):
        return cond in defines
    if 'all' in cond:
        return all(eval_if(c, defines) for c in cond['all'])
    if 'any' in cond:
        return any(eval_if(c, defines) for c in cond['any'])
    if 'not' in cond:
        return not eval_if(cond['not'], defines)
    raise ValueError('bad condition %r' % (cond,))


def cond_text(cond):
    if cond is None:
        return None
    if isinstance(cond, str):
        return cond
    if 'all' in cond:
        return ' and '.join(cond_text(c) for c in cond['all'])
    if 'any' in cond:
        return ' or '.join(cond_text(c) for c in cond['any'])
    return 'not ' + cond_text(cond['not'])


class Member:
    def __init__(self, name, typ, optional, cond=None, features=()):
        self.name = name
        self.type = typ             # type name; arrays as '[T]'
        self.optional = optional
        self.cond = cond
        self.features = list(features)
        self.doc = ''               # full doc text of this member
        self.owner = None           # defining type's name

    @property
    def qom_help(self):
        first = self.doc.split('\n', 1)[0].strip()
        if not first or first == NO_HELP_MARKER:
            return None
        return first


class Entity:
    meta = None

    def __init__(self, name, info, doc, cond=None, features=()):
        self.name = name
        self.info = info
        self.doc = doc
        self.cond = cond
        self.features = list(features)
        self.implicit = False


class Enum(Entity):
    meta = 'enum'

    def __init__(self, name, info, doc, values, prefix=None, **kw):
        super().__init__(name, info, doc, **kw)
        self.values = values         # list of (name, cond, features)
        self.prefix = prefix or camel_to_upper(name)

    def c_value(self, v):
        return '%s_%s' % (self.prefix, c_name(v).upper())


class Struct(Entity):
    meta = 'struct'

    def __init__(self, name, info, doc, members, base=None, **kw):
        super().__init__(name, info, doc, **kw)
        self.local_members = members
        self.base = base
        self.all_members = None      # base members first, resolved later


class Union(Entity):
    meta = 'union'

    def __init__(self, name, info, doc, base, discriminator, branches, **kw):
        super().__init__(name, info, doc, **kw)
        self.base = base             # struct name (possibly implicit)
        self.discriminator = discriminator
        self.branches = branches     # list of Member(name=value, type)
        self.all_members = None


class Alternate(Entity):
    meta = 'alternate'

    def __init__(self, name, info, doc, branches, **kw):
        super().__init__(name, info, doc, **kw)
        self.branches = branches


class Command(Entity):
    meta = 'command'

    def __init__(self, name, info, doc, arg_type, ret_type, boxed=False,
                 allow_oob=False, allow_preconfig=False, **kw):
        super().__init__(name, info, doc, **kw)
        self.arg_type = arg_type
        self.ret_type = ret_type
        self.boxed = boxed
        self.allow_oob = allow_oob
        self.allow_preconfig = allow_preconfig


class Event(Entity):
    meta = 'event'

    def __init__(self, name, info, doc, arg_type, boxed=False, **kw):
        super().__init__(name, info, doc, **kw)
        self.arg_type = arg_type
        self.boxed = boxed


class Schema:
    def __init__(self, parser, defines):
        self.defines = set(defines)
        self.entities = []          # definition order
        self.by_name = {}
        self.items = []             # ('doc', Doc) | ('entity', Entity)
        for kind, item in parser.items:
            if kind == 'doc':
                self.items.append(('doc', item))
                continue
            ent = self._define(item)
            if ent is not None:
                self.items.append(('entity', ent))
        self._resolve()

    # -- construction --------------------------------------------------

    def _err(self, info, msg):
        raise QAPIError(info['fname'], info['line'], msg)

    def _add(self, ent):
        if ent.name in self.by_name or ent.name in BUILTINS:
            self._err(ent.info, "'%s' is already defined" % ent.name)
        self.by_name[ent.name] = ent
        self.entities.append(ent)
        return ent

    def _members(self, info, data, owner, doc):
        out = []
        for key, val in data.items():
            optional = key.startswith('*')
            name = key[1:] if optional else key
            cond = None
            feats = ()
            if isinstance(val, dict):
                cond = val.get('if')
                feats = val.get('features', ())
                val = val['type']
            typ = '[%s]' % val[0] if isinstance(val, list) else val
            if not eval_if(cond, self.defines):
                continue
            m = Member(name, typ, optional, cond, feats)
            m.owner = owner
            if doc is not None:
                if name not in doc.args:
                    self._err(info, "member '%s' of '%s' is not documented"
                              % (name, owner))
                m.doc = doc.arg_text(name)
            out.append(m)
        return out

    def _implicit_struct(self, name, info, data, doc):
        s = Struct(name, info, None, self._members(info, data, name, doc))
        s.implicit = True
        self._add(s)
        return name

    def _define(self, entry):
        expr = entry['expr']
        doc = entry['doc']
        info = entry
        cond = expr.get('if')
        feats = expr.get('features', ())
        feats = [f if isinstance(f, str) else f['name'] for f in feats]
        kinds = [k for k in ('enum', 'struct', 'union', 'alternate',
                             'command', 'event') if k in expr]
        if len(kinds) != 1:
            self._err(info, 'expression must have exactly one of enum, '
                      'struct, union, alternate, command, event')
        kind = kinds[0]
        name = expr[kind]
        if doc is None:
            self._err(info, "definition of '%s' lacks a doc comment" % name)
        if doc.symbol != name:
            self._err(info, "doc comment is for '%s', not '%s'"
                      % (doc.symbol, name))
        if not eval_if(cond, self.defines):
            return None
        kw = {'cond': cond, 'features': feats}
        if kind == 'enum':
            values = []
            for v in expr['data']:
                vcond = None
                vfeats = ()
                if isinstance(v, dict):
                    vcond = v.get('if')
                    vfeats = v.get('features', ())
                    v = v['name']
                if not eval_if(vcond, self.defines):
                    continue
                if v not in doc.args:
                    self._err(info, "value '%s' of '%s' is not documented"
                              % (v, name))
                values.append((v, vcond, vfeats))
            return self._add(Enum(name, info, doc, values,
                                  expr.get('prefix'), **kw))
        if kind == 'struct':
            members = self._members(info, expr.get('data', {}), name, doc)
            return self._add(Struct(name, info, doc, members,
                                    expr.get('base'), **kw))
        if kind == 'union':
            base = expr['base']
            if isinstance(base, dict):
                base = self._implicit_struct('q_obj_%s-base' % name, info,
                                             base, doc)
            branches = []
            for val, typ in expr['data'].items():
                bcond = None
                if isinstance(typ, dict):
                    bcond = typ.get('if')
                    typ = typ['type']
                if not eval_if(bcond, self.defines):
                    continue
                m = Member(val, typ, False, bcond)
                m.owner = name
                m.doc = doc.arg_text(val)
                branches.append(m)
            return self._add(Union(name, info, doc, base,
                                   expr['discriminator'], branches, **kw))
        if kind == 'alternate':
            branches = self._members(info, expr['data'], name, doc)
            return self._add(Alternate(name, info, doc, branches, **kw))
        if kind in ('command', 'event'):
            data = expr.get('data')
            boxed = expr.get('boxed', False)
            arg_type = None
            if isinstance(data, dict):
                if data:
                    arg_type = self._implicit_struct(
                        'q_obj_%s-arg' % name, info, data, doc)
            elif data is not None:
                arg_type = data
            if kind == 'event':
                return self._add(Event(name, info, doc, arg_type, boxed,
                                       **kw))
            ret = expr.get('returns')
            if isinstance(ret, list):
                ret = '[%s]' % ret[0]
            return self._add(Command(
                name, info, doc, arg_type, ret, boxed,
                expr.get('allow-oob', False),
                expr.get('allow-preconfig', False), **kw))
        return None

    # -- resolution ----------------------------------------------------

    def lookup(self, name):
        return self.by_name.get(name)

    def check_type(self, info, typ, what):
        if typ.startswith('['):
            typ = typ[1:-1]
        if typ not in BUILTINS and typ not in self.by_name:
            self._err(info, "%s uses unknown type '%s'" % (what, typ))
        ent = self.by_name.get(typ)
        if ent is not None and ent.meta in ('command', 'event'):
            self._err(info, "%s uses '%s', which is not a type"
                      % (what, typ))

    def _struct_members(self, s, stack=()):
        if s.all_members is not None:
            return s.all_members
        if s.name in stack:
            self._err(s.info, "'%s' has a base cycle" % s.name)
        members = []
        if s.base is not None:
            base = self.by_name.get(s.base)
            if not isinstance(base, Struct):
                self._err(s.info, "base '%s' of '%s' is not a struct"
                          % (s.base, s.name))
            members = list(self._struct_members(base, stack + (s.name,)))
        names = {m.name for m in members}
        for m in s.local_members:
            if m.name in names:
                self._err(s.info, "member '%s' of '%s' collides with its "
                          "base" % (m.name, s.name))
            names.add(m.name)
            members.append(m)
        s.all_members = members
        return members

    def _resolve(self):
        for ent in self.entities:
            if isinstance(ent, Struct):
                self._struct_members(ent)
                for m in ent.local_members:
                    self.check_type(ent.info, m.type,
                                    "member '%s' of '%s'" % (m.name, ent.name))
        for ent in self.entities:
            if isinstance(ent, Union):
                base = self.by_name.get(ent.base)
                if not isinstance(base, Struct):
                    self._err(ent.info, "union '%s' needs a struct base"
                              % ent.name)
                ent.all_members = base.all_members
                tag = [m for m in base.all_members
                       if m.name == ent.discriminator]
                if not tag or tag[0].optional:
                    self._err(ent.info, "discriminator '%s' must be a "
                              "mandatory base member" % ent.discriminator)
                tag_enum = self.by_name.get(tag[0].type)
                if not isinstance(tag_enum, Enum):
                    self._err(ent.info, "discriminator must be an enum")
                ent.tag_enum = tag_enum
                values = [v[0] for v in tag_enum.values]
                for b in ent.branches:
                    if b.name not in values:
                        self._err(ent.info, "branch '%s' is not a value of "
                                  "'%s'" % (b.name, tag_enum.name))
                    if not isinstance(self.by_name.get(b.type), Struct):
                        self._err(ent.info, "branch '%s' must be a struct"
                                  % b.name)
                    bnames = {m.name for m in
                              self.by_name[b.type].all_members}
                    clash = bnames & {m.name for m in ent.all_members}
                    if clash:
                        self._err(ent.info, "branch '%s' member '%s' "
                                  "collides with the base" %
                                  (b.name, sorted(clash)[0]))
            elif isinstance(ent, Alternate):
                for m in ent.branches:
                    self.check_type(ent.info, m.type,
                                    "alternative '%s'" % m.name)
            elif isinstance(ent, Command):
                if ent.arg_type:
                    self.check_type(ent.info, ent.arg_type, 'argument')
                if ent.ret_type:
                    self.check_type(ent.info, ent.ret_type, 'return')
            elif isinstance(ent, Event):
                if ent.arg_type:
                    self.check_type(ent.info, ent.arg_type, 'data')

    # -- helpers for the backends ---------------------------------------

    def of(self, cls):
        return [e for e in self.entities if isinstance(e, cls)]

    def array_types(self):
        """Every '[T]' used anywhere, in first-use order."""
        seen = []

        def note(t):
            if t and t.startswith('[') and t not in seen:
                seen.append(t)
        for e in self.entities:
            if isinstance(e, Struct):
                for m in e.local_members:
                    note(m.type)
            elif isinstance(e, Alternate):
                for m in e.branches:
                    note(m.type)
            elif isinstance(e, Command):
                note(e.ret_type)
        return seen

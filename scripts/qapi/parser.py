# SPDX-License-Identifier: GPL-2.0-or-later
# Reads QAPI schema files (JSON with single quotes, '#' comments and
# '##' doc blocks) into plain Python values plus parsed doc comments.

import os
import re


class QAPIError(Exception):
    def __init__(self, fname, line, msg):
        super().__init__('%s:%d: %s' % (fname, line, msg))


class Doc:
    """One '##' doc block: either a definition's doc or free-form text."""

    def __init__(self, fname, line):
        self.fname = fname
        self.line = line
        self.symbol = None          # 'Name' for '@Name:' blocks
        self.body = []              # lines of the introduction
        self.args = {}              # member name -> list of lines
        self.features = {}          # feature name -> list of lines
        self.sections = []          # (tag, [lines]) e.g. ('Returns', ...)
        self.since = None

    def arg_text(self, name):
        return '\n'.join(self.args.get(name, [])).strip()


_SECTION_TAGS = ('Returns', 'Errors', 'Since', 'Notes', 'Note', 'Example',
                 'Examples', 'TODO')


def _parse_doc(fname, line, lines):
    doc = Doc(fname, line)
    if lines and re.match(r'^@([\w.-]+):\s*$', lines[0]):
        doc.symbol = lines[0][1:-1].strip().rstrip(':')
        lines = lines[1:]
    cur = doc.body
    mode = 'body'
    for text in lines:
        m = re.match(r'^@([\w.-]+):\s?(.*)$', text)
        if m and mode in ('body', 'args', 'features'):
            if mode == 'body':
                mode = 'args'
            cur = [m.group(2)] if m.group(2) else []
            if mode == 'features':
                doc.features[m.group(1)] = cur
            else:
                doc.args[m.group(1)] = cur
            continue
        m = re.match(r'^(%s):\s?(.*)$' % '|'.join(_SECTION_TAGS), text)
        if m:
            if m.group(1) == 'Since':
                doc.since = m.group(2).strip()
                mode = 'section'
                cur = []
                continue
            cur = [m.group(2)] if m.group(2) else []
            doc.sections.append((m.group(1), cur))
            mode = 'section'
            continue
        if text == 'Features:':
            mode = 'features'
            cur = []
            continue
        if mode in ('args', 'features') and text and not text[0].isspace():
            # An unindented line after member docs starts free text.
            cur = [text]
            doc.sections.append(('', cur))
            mode = 'section'
            continue
        if mode in ('args', 'features'):
            cur.append(text.strip())
        else:
            cur.append(text)
    # Trim blank trailing lines everywhere.
    for lst in [doc.body] + list(doc.args.values()) + \
            list(doc.features.values()) + [s[1] for s in doc.sections]:
        while lst and not lst[-1].strip():
            lst.pop()
        while lst and not lst[0].strip():
            lst.pop(0)
    return doc


class _Lexer:
    def __init__(self, fname, text):
        self.fname = fname
        self.text = text
        self.pos = 0
        self.line = 1
        self.pending_docs = []

    def error(self, msg):
        raise QAPIError(self.fname, self.line, msg)

    def _read_line(self):
        end = self.text.find('\n', self.pos)
        if end < 0:
            end = len(self.text)
        s = self.text[self.pos:end]
        self.pos = end
        return s

    def token(self, depth):
        """Next token: one of '{}[]:,', ('str', s), True, False, or None."""
        t = self.text
        while self.pos < len(t):
            c = t[self.pos]
            if c == '\n':
                self.line += 1
                self.pos += 1
            elif c in ' \t\r':
                self.pos += 1
            elif c == '#':
                start_line = self.line
                s = self._read_line()
                if s.strip() == '##' and depth == 0:
                    self._read_doc(start_line)
            else:
                break
        if self.pos >= len(t):
            return None
        c = t[self.pos]
        if c in '{}[]:,':
            self.pos += 1
            return c
        if c == "'":
            self.pos += 1
            out = []
            while True:
                if self.pos >= len(t) or t[self.pos] == '\n':
                    self.error('missing terminating "\'"')
                c = t[self.pos]
                self.pos += 1
                if c == "'":
                    break
                if c == '\\':
                    c = t[self.pos]
                    self.pos += 1
                out.append(c)
            return ('str', ''.join(out))
        for word, val in (('true', True), ('false', False)):
            if t.startswith(word, self.pos):
                self.pos += len(word)
                return val
        self.error("stray '%s'" % c)

    def _read_doc(self, start_line):
        lines = []
        while True:
            if self.pos >= len(self.text):
                self.error('unterminated doc comment')
            self.pos += 1           # newline
            self.line += 1
            s = self._read_line()
            st = s.strip()
            if st == '##':
                break
            if not st.startswith('#'):
                self.error("doc comment line must start with '#'")
            body = st[1:]
            if body.startswith(' '):
                body = body[1:]
            elif body:
                self.error("missing space after '#'")
            # Keep indentation relative to '# ' for continuation lines.
            lines.append(s[s.index('#') + 2:] if body else '')
        self.pending_docs.append(_parse_doc(self.fname, start_line, lines))


def _parse_value(lex, tok, depth):
    if tok == '{':
        obj = {}
        tok = lex.token(depth + 1)
        if tok == '}':
            return obj
        while True:
            if not isinstance(tok, tuple):
                lex.error('expected string key')
            key = tok[1]
            if key in obj:
                lex.error("duplicate key '%s'" % key)
            if lex.token(depth + 1) != ':':
                lex.error("expected ':'")
            obj[key] = _parse_value(lex, lex.token(depth + 1), depth + 1)
            tok = lex.token(depth + 1)
            if tok == '}':
                return obj
            if tok != ',':
                lex.error("expected ',' or '}'")
            tok = lex.token(depth + 1)
    if tok == '[':
        arr = []
        tok = lex.token(depth + 1)
        if tok == ']':
            return arr
        while True:
            arr.append(_parse_value(lex, tok, depth + 1))
            tok = lex.token(depth + 1)
            if tok == ']':
                return arr
            if tok != ',':
                lex.error("expected ',' or ']'")
            tok = lex.token(depth + 1)
    if isinstance(tok, tuple):
        return tok[1]
    if tok is True or tok is False:
        return tok
    lex.error('expected value')


class SchemaParser:
    """Parse a schema file and its includes, in order."""

    def __init__(self, fname):
        self.exprs = []             # list of dicts: expr, doc, fname, line
        self.free_docs = []         # free-form docs, interleaved later
        self.items = []             # ('doc', Doc) or ('expr', entry)
        self._seen = set()
        self._parse_file(fname)
        self.files = sorted(self._seen)

    def _parse_file(self, fname):
        fname = os.path.normpath(fname)
        if fname in self._seen:
            return
        self._seen.add(fname)
        with open(fname, encoding='utf-8') as f:
            lex = _Lexer(fname, f.read())
        while True:
            tok = lex.token(0)
            docs, lex.pending_docs = lex.pending_docs, []
            doc = None
            for d in docs:
                if d.symbol is None:
                    self.items.append(('doc', d))
                else:
                    doc = d
            if tok is None:
                if doc:
                    raise QAPIError(fname, doc.line,
                                    'doc comment for %s without definition'
                                    % doc.symbol)
                return
            line = lex.line
            expr = _parse_value(lex, tok, 0)
            if not isinstance(expr, dict):
                lex.error('top-level expression must be an object')
            if 'include' in expr:
                self._parse_file(os.path.join(os.path.dirname(fname),
                                              expr['include']))
                continue
            if 'pragma' in expr:
                continue
            entry = {'expr': expr, 'doc': doc, 'fname': fname,
                     'line': line}
            self.exprs.append(entry)
            self.items.append(('expr', entry))

"""Editor lint without a re-lint: an edit that only adds, removes or changes comment
and blank lines between logical lines leaves every syntax tree node as it was (only
moved down or up), so the previous findings, moved with the code, are the new ones.
So does an edit of whole logical lines that keeps every token where it was (a comment
typed after code, blanks at a line's end), and lines inserted that bind a name the file
never spelt to a number or constant (``inert_insertion`` says why and when).

The editor checks that here, on the edited lines alone plus one tokenized top-level
statement, in a few milliseconds; anything else (code changed, a comment inside
brackets or a string, a ``noqa`` comment, a finding or fix edit touching the edited
lines, a message naming a moved line, another module or the settings changed, a file
with a syntax error) is linted in full. ``TORCHWISE_INCREMENTAL=0`` turns this off
(the benchmark's baseline). ``tests/test_incremental_lint.py`` compares the result with
a full lint over many random edits. Code edited inside one top-level def or class is
re-linted alone by ``torchwise.incremental_statement``, from the snapshot's analysis, and
so is module-level code (all of it, the defs' findings kept).
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from bisect import bisect_right
from dataclasses import dataclass

from torchwise.analysis import first_line
from torchwise.lint.base import Edit, Finding, Fix
from torchwise.text import parse_python, split_lines

# Words rules search for in the raw text (not the tree): a comment naming one may
# change a verdict, so such an edit is linted in full (``%%``: a cell marker, whose cell's
# last expression is displayed, ``flow.displayed``).
_TEXT_PROBES = re.compile(r"noqa|torchwise|set_autocast|%%", re.IGNORECASE)
_LINE_NUMBER = re.compile(r"\blines? (\d+)")
_OWN_LINE = re.compile(r"\(line (\d+)\)")
_OTHER_MODULE_LINE = re.compile(r", line \d+\)")
_BLANK_OR_COMMENT = re.compile(r"[ \t\f]*(#.*)?(\r\n|\r|\n)?\Z", re.DOTALL)
_TRIVIA = (tokenize.COMMENT, tokenize.NL)
_HEADER = re.compile(r"\ufeff|#!|(.*(\r\n|\r|\n))?[ \t\f]*#.*coding[:=]|[ \t\f]*#.*coding[:=]")
MAX_CODE_LINES = 50  # edited code lines compared token by token


def enabled() -> bool:
    return os.environ.get("TORCHWISE_INCREMENTAL", "1").strip().lower() not in ("0", "false", "off", "no")


@dataclass
class Snapshot:
    """A full lint's result with what reusing it needs."""

    source: str
    lines: list[str]  # with their ends (``split_lines``)
    key: tuple[str, ...]  # the rule codes
    found: list[Finding]
    spans: list[tuple[int, int]]  # top-level statements: (first line incl. decorators, last line)
    starts: list[int]  # the spans' first lines, for bisect
    stamp: object  # whatever else the findings depend on (the project's inputs), compared with ==
    # the full lint's analysis of ``source`` (its tree is spliced by ``incremental_statement``);
    # None after a reuse, which moved lines the tree does not know of
    analysis: object = None
    # id(top-level statement) -> (it, its nodes with line numbers): re-lints move them by
    # the line delta without walking them (kept from one re-lint to the next)
    positioned: dict | None = None
    # id(top-level def/class) -> (it, its ``incremental_statement.interface`` against
    # ``analysis``): the re-lint that spliced it in computed it; the next edit of it needs it
    interfaces: dict | None = None


def snapshot(analysis, key: tuple[str, ...], found: list[Finding], stamp: object) -> Snapshot | None:
    """What a later edit needs from this full lint; None for a file with a syntax error."""
    spans = statement_spans(analysis)
    if spans is None:
        return None
    return from_spans(analysis.source, key, found, spans, stamp, analysis)


def statement_spans(analysis) -> list[tuple[int, int]] | None:
    """The top-level statements' (first line incl. decorators, last line); None for a
    file with a syntax error (no snapshot of it)."""
    if analysis.syntax_error is not None or getattr(analysis, "gave_up", False):
        return None
    return [(first_line(stmt), stmt.end_lineno or stmt.lineno) for stmt in analysis.tree.body]


def from_spans(source: str, key: tuple[str, ...], found: list[Finding], spans: list[tuple[int, int]],
               stamp: object, analysis=None) -> Snapshot:
    """A snapshot of ``source``'s findings from its statements' spans (the lint worker
    sends those, not its analysis)."""
    return Snapshot(source, split_lines(source, keepends=True), key, found, spans, [s for s, _ in spans], stamp,
                    analysis)


def reuse(old: Snapshot, source: str, key: tuple[str, ...], stamp: object) -> tuple[list[Finding], Snapshot] | None:
    """The findings of ``source`` from ``old``'s, and the snapshot for the next edit;
    None when that is not certain (the caller lints in full)."""
    if key != old.key or stamp != old.stamp:
        return None
    if source is old.source or source == old.source:
        return old.found, old
    new_lines = split_lines(source, keepends=True)
    a, b = old.lines, new_lines
    p = _common_prefix(a, b)
    s = _common_suffix(a, b, min(len(a), len(b)) - p)
    old_region, new_region = a[p:len(a) - s], b[p:len(b) - s]
    # old lines p+1 .. p+k (1-based) became new lines p+1 .. p+k2
    k = len(old_region)
    if p < 2 and (_HEADER.match("".join(a[:2])) or _HEADER.match("".join(b[:2]))):
        return None  # a coding cookie, a shebang or a BOM may be involved
    eol = _eol(a[p - 1] if p else a[0] if a else "")
    if not eol:
        return None  # the last line without its end (or an empty file)
    inserted = None
    if not (_trivia(old_region, eol) and _trivia(new_region, eol)) and not _same_code(old_region, new_region, eol):
        inserted = inert_insertion(old, p, old_region, new_region, eol)
        if inserted is None:
            return None  # code changed
    if not _fresh_line(old, p):
        return None
    delta = len(new_region) - k
    found = []
    for f in old.found:
        if inserted is not None and f.fix is not None and _fix_near(f.fix, p, inserted[0], inserted[1], old.lines):
            return None  # a fix placed relative to the statements around the new ones
        moved = _moved(f, p, k, delta)
        if moved is None:
            return None
        found.append(moved)
    spans = old.spans
    if inserted is not None and k:
        spans = [span for span in spans if not p < span[0] <= p + k]  # inert module-level lines deleted
    spans = _moved_spans(spans, p, delta)
    if inserted is not None and inserted[2]:
        spans = sorted(spans + [(line, line) for line in inserted[2]])
    return found, Snapshot(source, new_lines, key, found, spans, [s for s, _ in spans], stamp)


# An inert statement: ``name = literal`` on its own line, no comment (a type comment).
_INERT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*([^#;\\]*?)[ \t]*(\r\n|\r|\n)\Z")
_NOT_BEFORE = re.compile(r"(else|elif|except|finally|case)\b|.*__future__|([rRbBuUfF]{0,2}['\"])")
_DEFINITION = re.compile(r"@|(def|class|async)\b")
_INERT_VALUES = (int, float, complex, bool, type(None))
MAX_GAP = 200  # blank or comment lines looked through for the statement after new ones


def inert_insertion(old: Snapshot, p: int, old_region: list[str], new_region: list[str],
                    eol: str) -> tuple[int, int, list[int]] | None:
    """For old lines ``p+1``.. replaced by new ones, both blank, comments or inert
    statements (``name = literal``, a name the rest of the file never spells, not a
    dunder), indented as the next statement (old line ``q``) that they precede in its
    block: ``(r, q, new lines of the module-level ones)``, ``r`` the last code line
    before them. None for any other edit (typed, deleted or changed such lines).

    Why the findings stay (moved with the lines): old and new token streams are one
    stream with ``NAME = NUMBER NEWLINE`` added before ``q``'s, so both trees are one
    tree plus statements that call, read and import nothing, bind a name nothing reads
    and are never first before a docstring or ``__future__`` import, nor last in a
    block, nor between a decorator and its definition. No rule's verdict depends on a
    statement's neighbours or on how many a block holds (every ``body[...]`` and
    ``len(body)`` use was audited: they place fixes, and a fix placed on lines
    ``r``..``q`` is linted in full by the caller)."""
    indent = None
    codes = []
    names = []
    for j, line in enumerate(old_region + new_region):
        if _eol(line) != eol or _TEXT_PROBES.search(line) or "\f" in line:
            return None
        if _BLANK_OR_COMMENT.match(line) is not None:
            continue
        body = line.lstrip(" \t")
        lead = line[:len(line) - len(body)]
        if indent is None:
            indent = lead
        match = _INERT.match(body)
        if lead != indent or match is None or match.group(1).startswith("__"):
            return None
        try:
            tree = parse_python(body)
        except (SyntaxError, ValueError):
            return None
        stmt = tree.body[0] if len(tree.body) == 1 else None
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Constant)
                and type(stmt.value.value) in _INERT_VALUES):  # ``a = b = 1`` binds ``b`` too
            return None
        names.append(match.group(1))
        if j >= len(old_region):
            codes.append(p + 1 + j - len(old_region))
    if indent is None:
        return None
    k = len(old_region)
    rest = ("".join(old.lines[:p]), "".join(old.lines[p + k:]))
    if any(name in text for name in names for text in rest):
        return None  # a name the rest of the file spells (reads it, maybe)
    q = next((i for i in range(p + k + 1, min(p + k + MAX_GAP, len(old.lines)) + 1)
              if _BLANK_OR_COMMENT.match(old.lines[i - 1]) is None), None)
    if q is None:
        return None  # nothing after them (or too far): they would end a block
    r = next((i for i in range(p, max(p - MAX_GAP, 0), -1) if _BLANK_OR_COMMENT.match(old.lines[i - 1]) is None), None)
    if r is None and p >= MAX_GAP:
        return None
    after = old.lines[q - 1][len(indent):]
    if not old.lines[q - 1].startswith(indent) or after[:1] in (" ", "\t", "\f"):
        return None  # another block: they would end the one before
    if _DEFINITION.match(after) is not None and _after_decorator(old, p):
        return None  # between a decorator and what it decorates
    clash = _NOT_BEFORE.match(after)
    if clash is not None and not (clash.group(2) and indent == "" and r is not None):
        return None  # a clause of the statement before, a docstring (a string not after module code), a future import
    return r or 1, q, codes if indent == "" else []


def _after_decorator(old: Snapshot, p: int) -> bool:
    """Whether the last logical line ending at or before old line ``p`` is a decorator
    (``p`` inside a top-level statement; between two of them it never is)."""
    i = bisect_right(old.starts, p) - 1
    if i < 0:
        return False
    first, last = old.spans[i]
    if last <= p:
        return False
    text = "".join(line.rstrip("\r\n") + "\n" for line in old.lines[first - 1:last])
    boundary = p - first + 1
    start = True
    opener = ended = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.start[0] > boundary:
                break
            if tok.type in _TRIVIA or tok.type in (tokenize.INDENT, tokenize.DEDENT):
                continue
            if start:
                opener, start = tok, False
            if tok.type == tokenize.NEWLINE:
                ended, start = opener, True
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return True
    return ended is None or (ended.type == tokenize.OP and ended.string == "@")


def _fix_near(fix: Fix, p: int, r: int, q: int, lines: list[str]) -> bool:
    """Whether ``fix`` may be placed relative to the statements around lines inserted
    after old line ``p`` (``r``..``q``: the code lines either side): its edits span the
    insertion, or one of them on those lines is not strictly inside a line's code (a
    line inserted before or after a statement: maybe the first of its block)."""
    edits = fix.edits
    if not edits:
        return False
    if min(e.line for e in edits) <= p and max(e.end_line for e in edits) > p:
        return True
    for e in edits:
        if e.end_line < r or e.line > q:
            continue
        if e.line != e.end_line:
            return True
        text = lines[e.line - 1].rstrip("\r\n")
        if e.col <= len(text) - len(text.lstrip()) or e.end_col >= len(text.rstrip()):
            return True
    return False


def _common_prefix(a: list[str], b: list[str]) -> int:
    """How many first lines ``a`` and ``b`` share (list slices compare in C)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: list[str], b: list[str], limit: int) -> int:
    """How many last lines (at most ``limit``) ``a`` and ``b`` share."""
    lo, hi, na, nb = 0, limit, len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[na - mid:na - lo] == b[nb - mid:nb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _trivia(lines: list[str], eol: str) -> bool:
    """Blank or comment lines, none naming a text probe, each ending as the file's lines do."""
    for line in lines:
        if _eol(line) != eol or _BLANK_OR_COMMENT.match(line) is None or _TEXT_PROBES.search(line):
            return False
    return True


def _same_code(old: list[str], new: list[str], eol: str) -> bool:
    """Whether ``new`` replaces ``old`` line for line with the same tokens at the same
    places (a logical line's end: on the same row), comments and line-end blanks aside (typing a comment after code), both
    whole logical lines. Then no node moved at all."""
    if len(old) != len(new) or not 0 < len(old) <= MAX_CODE_LINES or len(old) + len(new) == 0:
        return False
    tokens = []
    for lines in (old, new):
        if any(_eol(line) != eol or _TEXT_PROBES.search(line) for line in lines):
            return False
        text = "".join(line[:len(line) - len(eol)] + "\n" for line in lines)
        try:
            tokens.append([(t.type, t.start[0]) if t.type == tokenize.NEWLINE else (t.type, t.string, t.start, t.end)
                           for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _TRIVIA])
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return False  # not whole logical lines (an open bracket or string, a continued line)
    return tokens[0] == tokens[1]


def _eol(line: str) -> str:
    if line.endswith("\r\n"):
        return "\r\n"
    return line[-1:] if line.endswith(("\n", "\r")) else ""


def _fresh_line(old: Snapshot, p: int) -> bool:
    """Whether a new line between old lines ``p`` and ``p + 1`` starts a logical line
    at bracket depth 0 (not inside a string, brackets or a continued line)."""
    i = bisect_right(old.starts, p) - 1
    if i < 0:
        return True  # before the first statement
    first, last = old.spans[i]
    if last <= p:
        return not old.lines[p - 1].rstrip("\r\n").endswith("\\")  # between top-level statements
    text = "".join(line.rstrip("\r\n") + "\n" for line in old.lines[first - 1:last])
    boundary = p - first + 1  # the statement's row whose end the new lines follow
    previous = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in _TRIVIA:
                continue
            if tok.start[0] <= boundary < tok.end[0]:
                return False  # spans the boundary (a string)
            if tok.start[0] > boundary:
                break
            previous = tok
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    return previous is not None and previous.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


def _moved(f: Finding, p: int, k: int, delta: int) -> Finding | None:
    """``f`` in the new text, or None when the edit may change it."""
    if (p < f.line <= p + k) or (p < f.end_line <= p + k):
        return None  # on an edited line
    message = f.message
    if delta and "line" in message and _LINE_NUMBER.search(message):
        message = _moved_message(message, p, k, delta)
        if message is None:
            return None
    fix = f.fix
    if fix is not None:
        for e in fix.edits:
            if (e.line <= p + k and e.end_line > p) or (e.line, e.col) == (p + k + 1, 0) \
                    or (e.end_line, e.end_col) == (p + k + 1, 0):
                return None  # on or across the edited lines, or at the start of the next one (before or after them?)
        if len(fix.edits) > 1 and min(e.line for e in fix.edits) <= p + k and max(e.end_line for e in fix.edits) > p:
            return None  # a fix edits a block line by line (indents it), and the edited lines lie inside it
    if not delta:
        return f
    line, end_line = _line(f.line, p, delta), _line(f.end_line, p, delta)
    if fix is not None:
        fix = Fix(fix.applicability, fix.message,
                  tuple(Edit(_line(e.line, p, delta), e.col, _line(e.end_line, p, delta), e.end_col, e.content)
                        for e in fix.edits))
    return Finding(f.rule, line, f.col, end_line, f.end_col, message, fix, f.url)


def _moved_message(message: str, p: int, k: int, delta: int) -> str | None:
    """Rules name a line of this file as ``(line N)`` and another module's as
    ``(module, line N)``; the first moves with the code. Any other line number past the
    edit: None (lint in full)."""
    def move(match: re.Match) -> str:
        n = int(match.group(1))
        if p < n <= p + k:
            raise ValueError(n)
        return f"(line {_line(n, p, delta)})"

    rest = _OTHER_MODULE_LINE.sub("", _OWN_LINE.sub("", message))
    if any(int(n) > p for n in _LINE_NUMBER.findall(rest)):
        return None
    try:
        return _OWN_LINE.sub(move, message)
    except ValueError:
        return None


def _line(n: int, p: int, delta: int) -> int:
    return n + delta if n > p else n


def _moved_spans(spans: list[tuple[int, int]], p: int, delta: int) -> list[tuple[int, int]]:
    if not delta:
        return spans
    return [(_line(a, p, delta), _line(b, p, delta)) for a, b in spans]


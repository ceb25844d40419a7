"""Building fix edits that add or move whole lines: insert a statement before or
after another, wrap statements in a new block (``with torch.no_grad():``,
``if __name__ == "__main__":``).

Inserted lines use the file's own line ending and indentation. Every helper returns
None when the layout makes the edit unclear (a statement sharing its line with
another, a multi-line string whose value re-indenting would change); the rule then
offers no fix rather than a wrong one.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import TYPE_CHECKING

from torchwise.analysis import first_line
from torchwise.lazy_pattern import lazy
from torchwise.lint.base import Edit, Fix

if TYPE_CHECKING:  # pragma: no cover
    from torchwise.lint.base import Context

_BREAK = lazy(r"\r\n|\r|\n")
DEFAULT_INDENT = "    "


def line_ending(source: str) -> str:
    """The file's line ending (its first one), ``\\n`` when it has none."""
    match = _BREAK.search(source)
    return match.group() if match else "\n"


def _lines(ctx: "Context") -> list[str]:
    """The file's lines without their endings, split where ``ast`` splits them."""
    cached = ctx.analysis.queries.get("fix_lines")
    if cached is None or cached[0] is not ctx.source:
        source = ctx.source
        if ctx.analysis.source is source:
            # the analysis split the text at the same breaks (``split_lines``): a copy, not a
            # second regex split of the file (a tenth of the time); a final break adds an empty line
            lines = list(ctx.analysis.lines)
            if not source or source.endswith(("\n", "\r")):
                lines.append("")
        else:
            lines = _BREAK.split(source)
        cached = (source, lines)
        ctx.analysis.queries["fix_lines"] = cached
    return cached[1]


def line_text(ctx: "Context", line: int) -> str:
    lines = _lines(ctx)
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _char_col(ctx: "Context", line: int, byte_col: int) -> int:
    return len(line_text(ctx, line).encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def indent_of(ctx: "Context", stmt: ast.stmt) -> str | None:
    """The indentation of ``stmt`` when it starts its line (else None)."""
    first = first_line(stmt)
    text = line_text(ctx, first)
    col = _char_col(ctx, stmt.lineno, stmt.col_offset) if first == stmt.lineno else len(text) - len(text.lstrip())
    prefix = text[:col]
    return prefix if not prefix.strip() else None


def _ends_line(ctx: "Context", stmt: ast.stmt) -> bool:
    """Whether nothing but a comment follows ``stmt`` on its last line."""
    end = stmt.end_lineno or stmt.lineno
    rest = line_text(ctx, end)[_char_col(ctx, end, stmt.end_col_offset or 0):].strip()
    return not rest or rest.startswith("#")


def indent_unit(ctx: "Context") -> str:
    """One level of indentation as the file writes it (from its first indented block)."""
    cached = ctx.analysis.queries.get("indent_unit")
    if cached is not None:
        return cached
    unit = DEFAULT_INDENT
    for node in ast.walk(ctx.tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.stmt) and isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            outer, inner = indent_of(ctx, node), indent_of(ctx, body[0])
            if outer is not None and inner is not None and inner.startswith(outer) and len(inner) > len(outer):
                unit = inner[len(outer):]
                break
    ctx.analysis.queries["indent_unit"] = unit
    return unit


def insert_before(ctx: "Context", stmt: ast.stmt, code: str) -> Edit | None:
    """An edit inserting the statement ``code`` on its own line before ``stmt``, at
    the same indentation."""
    indent = indent_of(ctx, stmt)
    if indent is None:
        return None
    first = first_line(stmt)
    return Edit(first, 0, first, 0, f"{indent}{code}{line_ending(ctx.source)}")


def insert_after(ctx: "Context", stmt: ast.stmt, code: str, indent: str | None = None) -> Edit | None:
    """An edit inserting the statement ``code`` on its own line after ``stmt`` (at
    ``stmt``'s indentation unless ``indent`` is given)."""
    own = indent_of(ctx, stmt)
    if own is None or not _ends_line(ctx, stmt):
        return None
    end = stmt.end_lineno or stmt.lineno
    eol = len(line_text(ctx, end))
    return Edit(end, eol, end, eol, f"{line_ending(ctx.source)}{own if indent is None else indent}{code}")


def insertion_fix(ctx: "Context", stmt: ast.stmt | None, code: str, title: str, after: bool = False) -> Fix | None:
    """An unsafe fix inserting the statement ``code`` before (or ``after``) ``stmt``; None
    where ``stmt`` is missing or the layout makes the edit unclear."""
    if stmt is None:
        return None
    edit = insert_after(ctx, stmt, code) if after else insert_before(ctx, stmt, code)
    return Fix("unsafe", title, (edit,)) if edit is not None else None


def delete_line(ctx: "Context", line: int) -> Edit | None:
    """An edit removing line ``line`` with its line ending; none for the file's last line
    when no line ending follows it."""
    if line >= len(_lines(ctx)):
        return None
    return Edit(line, 0, line + 1, 0, "")


def _string_rows(ctx: "Context") -> set[int] | None:
    """Lines (1-based) that continue a string started on an earlier line: re-indenting
    them would change the string's value. None when the file does not tokenize."""
    cached = ctx.analysis.queries.get("string_rows")
    if cached is not None and cached[0] is ctx.source:
        return cached[1]
    rows: set[int] | None = set()
    opened: list[int] = []  # f-string starts (3.12+ tokenizes f-strings in parts)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(ctx.source).readline):
            kind = tokenize.tok_name.get(tok.type, "")
            if kind == "FSTRING_START":
                opened.append(tok.start[0])
            elif kind == "FSTRING_END" and opened:
                start = opened.pop()
                rows.update(range(start + 1, tok.end[0] + 1))
            elif tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        rows = None
    ctx.analysis.queries["string_rows"] = (ctx.source, rows)
    return rows


def _string_spans(ctx: "Context") -> list[tuple[int, int]] | None:
    """For a file that parsed cleanly: the rows (first, last) each multi-line string
    literal could continue onto, from the tree. Every string token spanning lines lies
    in one of these (implicitly joined literals may add rows no token spans), so a
    range clear of them needs no tokenizing. None when the file did not parse."""
    a = ctx.analysis
    spans = a.queries.get("string_spans")
    if spans is None:
        if a.syntax_error is not None or a.gave_up or a.source is not ctx.source:
            return None
        from torchwise.lint import flow

        by_type = flow.index(a).by_type  # unsorted: only ever searched with any()
        spans = [(n.lineno + 1, n.end_lineno) for n in [*by_type.get(ast.Constant, ()), *by_type.get(ast.JoinedStr, ())]
                 if n.end_lineno > n.lineno and (n.__class__ is ast.JoinedStr or isinstance(n.value, (str, bytes)))]
        a.queries["string_spans"] = spans
    return spans


def _continues_string(ctx: "Context", first: int, last: int) -> bool | None:
    """Whether one of the lines ``first``..``last`` continues a string started on an
    earlier line (None when the file does not tokenize). Tokenizes the file (once) only
    when a multi-line literal comes near the range."""
    spans = _string_spans(ctx)
    if spans is not None and not any(start <= last and first <= end for start, end in spans):
        return False
    strings = _string_rows(ctx)
    if strings is None:
        return None
    return any(row in strings for row in range(first, last + 1))


def wrap(ctx: "Context", first: ast.stmt, last: ast.stmt, header: str) -> tuple[Edit, ...] | None:
    """Edits putting the statements ``first``..``last`` (siblings in one body) under a
    new block ``header`` (e.g. ``with torch.no_grad():``): the header goes on its own
    line at their indentation and their lines move one level in."""
    indent = indent_of(ctx, first)
    if indent is None or indent_of(ctx, last) is None or not _ends_line(ctx, last):
        return None
    unit = indent_unit(ctx)
    top = first_line(first)
    bottom = last.end_lineno or last.lineno
    if _continues_string(ctx, top + 1, bottom) is not False:
        return None  # a multi-line string inside (its value would change), or no tokens
    edits = [Edit(top, 0, top, 0, f"{indent}{header}{line_ending(ctx.source)}")]
    for row in range(top, bottom + 1):
        if line_text(ctx, row).strip():
            if row == top:
                edits[0] = Edit(top, 0, top, 0, f"{indent}{header}{line_ending(ctx.source)}{unit}")
            else:
                edits.append(Edit(row, 0, row, 0, unit))
    return tuple(edits)

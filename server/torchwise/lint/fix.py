"""Applying fixes: edits in (line, column) character positions, never overlapping."""

from __future__ import annotations

from typing import Iterable

from torchwise.lint.base import Edit, Finding, Fix, Rule
from torchwise.text import LineIndex, newline_of, split_lines, strip_eol

MAX_ROUNDS = 10


def _line_starts(source: str) -> LineIndex:
    return LineIndex(source)


def _offset(index: LineIndex, line: int, col: int) -> int:
    """The str offset of 1-based ``line`` and character ``col``, clamped to the line
    (never past its line end) and to the text."""
    if line < 1:
        return 0
    if line > index.line_count:
        return len(index.text)
    return index.starts[line - 1] + min(max(col, 0), len(index.line(line - 1)))


def edit_span(source: str, edit: Edit, starts: LineIndex | None = None) -> tuple[int, int]:
    index = starts if starts is not None and starts.text is source else LineIndex(source)
    a = _offset(index, edit.line, edit.col)
    b = _offset(index, edit.end_line, edit.end_col)
    return a, max(a, b)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    a, b = span
    for c, d in taken:
        if a < d and c < b:
            return True
        if a == b == c == d:  # two insertions at the same point: keep the first only
            return True
    return False


def apply_fixes(source: str, fixes: Iterable[Fix]) -> tuple[str, int]:
    """Apply the given fixes in order, skipping any fix whose edits overlap one already
    taken. Returns (new source, number of fixes applied)."""
    chosen, applied = choose_edits(source, fixes)
    out = source
    for a, b, content in sorted(chosen, key=lambda t: (t[0], t[1]), reverse=True):
        out = out[:a] + content + out[b:]
    return out, applied


def choose_edits(source: str, fixes: Iterable[Fix]) -> tuple[list[tuple[int, int, str]], int]:
    """The edits of the fixes that can be applied together, as (start offset, end
    offset, text), and how many fixes they come from. Fixes are taken in order; one
    whose edits overlap an earlier one's (or each other) is skipped. Line breaks in
    inserted text follow the file's own line ending."""
    newline = newline_of(source)
    starts = _line_starts(source)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for fix in fixes:
        spans = [edit_span(source, e, starts) for e in fix.edits]
        if any(_overlaps(s, taken) for s in spans) or _self_overlap(spans):
            continue
        taken.extend(spans)
        chosen.extend((a, b, _with_newline(e.content, newline)) for (a, b), e in zip(spans, fix.edits))
        applied += 1
    return chosen, applied


def _with_newline(content: str, newline: str) -> str:
    if newline == "\n" or ("\n" not in content and "\r" not in content):
        return content
    out = []
    for line in split_lines(content, keepends=True):
        body = strip_eol(line)
        out.append(body + newline if len(body) != len(line) else line)
    return "".join(out)


def _self_overlap(spans: list[tuple[int, int]]) -> bool:
    ordered = sorted(spans)
    return any(ordered[i][1] > ordered[i + 1][0] for i in range(len(ordered) - 1))


def fixable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.applicability == "safe" or unsafe)


def fix_source(source: str, path: str, rules: list[Rule], *, unsafe: bool = False,
               on_error=None) -> tuple[str, int, list[Finding]]:
    """Lint and fix until nothing fixable is left (at most a few rounds).
    Returns (fixed source, number of fixes applied, remaining findings)."""
    from torchwise.lint.engine import lint_source

    total = 0
    findings = lint_source(source, path, rules=rules, on_error=on_error)
    for _ in range(MAX_ROUNDS):
        fixes = [f.fix for f in findings if fixable(f, unsafe)]
        if not fixes:
            break
        new, applied = apply_fixes(source, fixes)  # type: ignore[arg-type]
        if applied == 0 or new == source:
            break
        source = new
        total += applied
        findings = lint_source(source, path, rules=rules, on_error=on_error)
    return source, total, findings


def unified_diff(old: str, new: str, path: str) -> str:
    import difflib  # only --diff needs it: kept off the start-up of a plain check

    return "".join(difflib.unified_diff(
        split_lines(old, keepends=True), split_lines(new, keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}"))

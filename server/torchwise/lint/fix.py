"""Applying fixes: edits in (line, column) character positions, never overlapping."""

from __future__ import annotations

import difflib
from typing import Iterable

from torchwise.lint.base import Edit, Finding, Fix, Rule

MAX_ROUNDS = 10


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _offset(starts: list[int], source: str, line: int, col: int) -> int:
    if line < 1:
        return 0
    if line > len(starts) - 1:
        return len(source)
    start = starts[line - 1]
    end = starts[line]
    text = source[start:end].rstrip("\r\n")
    return start + min(max(col, 0), len(text))


def edit_span(source: str, edit: Edit, starts: list[int] | None = None) -> tuple[int, int]:
    starts = starts or _line_starts(source)
    a = _offset(starts, source, edit.line, edit.col)
    b = _offset(starts, source, edit.end_line, edit.end_col)
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
    starts = _line_starts(source)
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for fix in fixes:
        spans = [edit_span(source, e, starts) for e in fix.edits]
        if any(_overlaps(s, taken) for s in spans) or _self_overlap(spans):
            continue
        taken.extend(spans)
        chosen.extend((a, b, e.content) for (a, b), e in zip(spans, fix.edits))
        applied += 1
    out = source
    for a, b, content in sorted(chosen, key=lambda t: (t[0], t[1]), reverse=True):
        out = out[:a] + content + out[b:]
    return out, applied


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
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}"))

"""File-level suppression and the unused-noqa rule.

``# torchwise: noqa`` on a line of its own silences the whole file;
``# torchwise: noqa: TW101, missing-eval`` silences those rules in it.

unused-noqa (TW002, off by default, like ruff's RUF100) reports the codes of a
``# noqa:`` comment that suppress nothing: a torchwise rule that runs and finds
nothing on that line, or a ``TW`` code / rule-like name that no rule has. Codes of
other tools (``E501``) and bare ``# noqa`` comments are theirs and left alone. Its fix
drops those codes (the whole comment when none is left); safe, as comments do not run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from torchwise.lint.base import Edit, Finding, Fix, Rule

if TYPE_CHECKING:  # pragma: no cover
    from torchwise.analysis import Analysis

UNUSED_NOQA_CODE = "TW002"

# Compiled on first use (``re.compile`` keeps them): most files have no noqa comment,
# and compiling these at import was ~2 ms of every ``torchwise check``.
_FILE_NOQA = (
    r"^[ \t\f]*#[ \t]*torchwise[ \t]*:[ \t]*noqa(?:[ \t]*:[ \t]*(?P<codes>[A-Za-z0-9_\-]+(?:[ \t,]+[A-Za-z0-9_\-]+)*))?"
    r"[ \t]*$", re.IGNORECASE | re.MULTILINE)
_LINE_NOQA = (
    r"(?P<space>[ \t]*)#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Za-z0-9_\-]+(?:(?:\s*,\s*|\s+)[A-Za-z0-9_\-]+)*))?",
    re.IGNORECASE)
_OURS = (r"^(tw\d+|[a-z0-9]+(-[a-z0-9]+)+)$", re.IGNORECASE)


def file_noqa(source: str) -> set[str] | None:
    """Codes/names (lowercase) a ``# torchwise: noqa`` comment silences for the whole
    file, ``{"*"}`` for all; None when there is no such comment."""
    if "torchwise" not in source.lower():
        return None
    found: set[str] | None = None
    for match in re.compile(*_FILE_NOQA).finditer(source):
        found = found or set()
        codes = match.group("codes")
        if codes:
            found.update(c.lower() for c in re.split(r"[\s,]+", codes) if c)
        else:
            found.add("*")
    return found


def file_suppressed(finding: Finding, codes: set[str]) -> bool:
    return "*" in codes or finding.rule.code.lower() in codes or finding.rule.name in codes


def unused_noqa(rule: Rule, analysis: "Analysis", findings: Iterable[Finding], selected: Iterable[Rule],
                known: Iterable[Rule]) -> list[Finding]:
    """The unused-noqa findings of a file, given every finding of the selected rules
    before suppression."""
    source = analysis.source
    if "noqa" not in source.lower():
        return []
    by_line: dict[int, set[str]] = {}
    for f in findings:
        by_line.setdefault(f.line, set()).update((f.rule.code.lower(), f.rule.name))
    running = {key for r in selected for key in (r.code.lower(), r.name)}
    rules_by_key = {key: r for r in known for key in (r.code.lower(), r.name)}
    out = []
    line_noqa_re, ours_re = re.compile(*_LINE_NOQA), re.compile(*_OURS)
    for number, text in enumerate(analysis.lines, start=1):
        if ("q" not in text and "Q" not in text) or "noqa" not in text.lower():  # no copy of most lines
            continue
        for match in line_noqa_re.finditer(text):
            codes = match.group("codes")
            if not codes or re.compile(*_FILE_NOQA).match(text):
                continue
            listed = [c for c in re.split(r"[\s,]+", codes) if c]
            unknown = [c for c in listed if ours_re.match(c) and c.lower() not in rules_by_key]
            unused = [c for c in listed if c.lower() in running and c.lower() not in by_line.get(number, set())]
            drop = unknown + unused
            if not drop:
                continue
            keep = [c for c in listed if c not in drop]
            start = match.start() + len(match.group("space"))
            if keep:
                edit = Edit(number, match.start("codes"), number, match.end("codes"), ", ".join(keep))
            elif match.end() >= len(text.rstrip()):  # ends the line: drop it and the space before
                edit = Edit(number, match.start(), number, len(text), "")
            else:  # more comment follows: drop it and the space after
                after = len(text) - len(text[match.end():].lstrip(" \t"))
                edit = Edit(number, start, number, after, "")
            parts = []
            if unused:
                parts.append("unused (nothing to suppress on this line): " + ", ".join(
                    f"{c} ({rules_by_key[c.lower()].name if c.lower().startswith('tw') else rules_by_key[c.lower()].code})"
                    for c in unused))
            if unknown:
                parts.append("unknown: " + ", ".join(unknown))
            out.append(Finding(
                rule=rule, line=number, col=start, end_line=number, end_col=match.end(),
                message="Noqa code(s) " + "; ".join(parts),
                fix=Fix("safe", "Remove the unused noqa code(s)" if keep else "Remove the noqa comment", (edit,)),
            ))
    return out

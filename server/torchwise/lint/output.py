"""Report formats: text (like ruff), JSON, SARIF 2.1.0 and GitHub annotations.

Positions in every format are 1-based lines and 1-based columns (characters).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable, Sequence

from torchwise import __version__
from torchwise.lint.base import Finding, Rule

FileFindings = Sequence[tuple[str, Sequence[Finding]]]  # (display path, findings)


def finding_dict(path: str, f: Finding) -> dict:
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": f.fix.applicability,
            "message": f.fix.message,
            "edits": [
                {"line": e.line, "column": e.col + 1, "end_line": e.end_line, "end_column": e.end_col + 1,
                 "content": e.content}
                for e in f.fix.edits
            ],
        }
    return {
        "path": path,
        "line": f.line,
        "column": f.col + 1,
        "end_line": f.end_line,
        "end_column": f.end_col + 1,
        "code": f.rule.code,
        "name": f.rule.name,
        "severity": f.rule.severity,
        "message": f.message,
        "url": f.rule.url,
        "fix": fix,
    }


def format_json(files: FileFindings) -> str:
    return json.dumps([finding_dict(path, f) for path, findings in files for f in findings], indent=2) + "\n"


def format_text(files: FileFindings, *, fixed: int = 0, unsafe_hidden: int = 0, show_fix_hint: bool = True) -> str:
    lines = []
    total = 0
    fixable = 0
    for path, findings in files:
        for f in findings:
            total += 1
            marker = ""
            if f.fix is not None and f.fix.applicability == "safe":
                fixable += 1
                marker = " [*]"
            lines.append(f"{path}:{f.line}:{f.col + 1}: {f.rule.code}{marker} [{f.rule.name}] {f.message}")
    if total:
        summary = f"Found {total} finding{'s' if total != 1 else ''}"
        if fixed:
            summary += f" ({fixed} fixed, {total} remaining)"
        lines.append(summary + ".")
        if fixable and show_fix_hint:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
        if unsafe_hidden and show_fix_hint:
            lines.append(f"{unsafe_hidden} more fixable with `--fix --unsafe-fixes`.")
    elif fixed:
        lines.append(f"Found {fixed} finding{'s' if fixed != 1 else ''} ({fixed} fixed, 0 remaining).")
    else:
        lines.append("All checks passed!")
    return "\n".join(lines) + "\n"


def format_statistics(files: FileFindings) -> str:
    counts: Counter = Counter()
    rules: dict[str, Rule] = {}
    fixable: Counter = Counter()
    for _, findings in files:
        for f in findings:
            counts[f.rule.code] += 1
            rules[f.rule.code] = f.rule
            if f.fix is not None and f.fix.applicability == "safe":
                fixable[f.rule.code] += 1
    if not counts:
        return "All checks passed!\n"
    width = max(len(str(n)) for n in counts.values())
    name_width = max(len(rules[c].name) for c in counts)
    out = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "[*]" if fixable[code] else "   "
        out.append(f"{n:>{width}}  {code}  {mark}  {rules[code].name:<{name_width}}  {rules[code].summary}")
    out.append(f"Found {sum(counts.values())} findings.")
    return "\n".join(out) + "\n"


_SARIF_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def _uri(path: str) -> str:
    """A SARIF artifact URI: relative paths stay relative (code scanning resolves them
    against the checkout), absolute ones become file URIs; unsafe characters are escaped."""
    from pathlib import Path
    from urllib.parse import quote

    if Path(path).is_absolute():
        return Path(path).as_uri()
    return quote(path.replace("\\", "/"))


def sarif_rule(r: Rule) -> dict:
    """A SARIF reportingDescriptor with what code scanning shows: short and full
    description, help as text and Markdown (the rule's page) and the docs link."""
    from torchwise.lint import rule_docs

    page = rule_docs.page_markdown(r)
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": rule_docs.what_it_finds(page) or r.summary},
        "help": {"text": rule_docs.render_terminal(page, color=False), "markdown": page},
        "helpUri": r.url,
        "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity], "enabled": r.default},
        "properties": {"group": r.group, "fix": r.fix or "none", "tags": ["pytorch", r.group],
                       "precision": "high" if r.severity == "error" else "medium"},
    }


def format_sarif(files: FileFindings, rules: Iterable[Rule]) -> str:
    rules = sorted(set(rules) | {f.rule for _, fs in files for f in fs}, key=lambda r: r.code)
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for path, findings in files:
        uri = _uri(path)
        for f in findings:
            result = {
                "ruleId": f.rule.code,
                "ruleIndex": index[f.rule.code],
                "level": _SARIF_LEVEL[f.rule.severity],
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": f.line, "startColumn": f.col + 1,
                                   "endLine": f.end_line, "endColumn": f.end_col + 1},
                    }
                }],
            }
            if f.fix is not None:
                result["fixes"] = [{
                    "description": {"text": f.fix.message},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri},
                        "replacements": [{
                            "deletedRegion": {"startLine": e.line, "startColumn": e.col + 1,
                                              "endLine": e.end_line, "endColumn": e.end_col + 1},
                            "insertedContent": {"text": e.content},
                        } for e in f.fix.edits],
                    }],
                }]
            results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "torchwise",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [sarif_rule(r) for r in rules],
            }},
            # columns count characters (code points), not SARIF's default UTF-16 units
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def format_github(files: FileFindings) -> str:
    out = []
    for path, findings in files:
        for f in findings:
            props = ",".join([
                f"file={_escape_property(path)}", f"line={f.line}", f"col={f.col + 1}",
                f"endLine={f.end_line}", f"endColumn={f.end_col + 1}",
                f"title={_escape_property(f'{f.rule.code} {f.rule.name}')}",
            ])
            out.append(f"::{_GITHUB_LEVEL[f.rule.severity]} {props}::{_escape_data(f'{f.rule.code} {f.message}')}")
    return "\n".join(out) + ("\n" if out else "")

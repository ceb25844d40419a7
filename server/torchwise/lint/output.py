"""Report formats, named as ruff names them: concise (one line per finding), full (with
the source line and a caret), json, json-lines, sarif (2.1.0), github (workflow
annotations), gitlab (Code Quality), junit (XML) and pylint.

Positions in every format are 1-based lines and 1-based columns (characters).
"""

from __future__ import annotations

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
    from torchwise.lint.rule_docs import finding_url  # here: text reports need no page addresses

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
        "url": finding_url(f),
        "fix": fix,
    }


def format_json(files: FileFindings) -> str:
    import json  # here: most reports are text, and json's import is start-up time

    return json.dumps([finding_dict(path, f) for path, findings in files for f in findings], indent=2) + "\n"


class Style:
    """ANSI styles for the terminal formats (all empty when colour is off)."""

    def __init__(self, color: bool):
        self.bold, self.red, self.cyan, self.dim, self.reset = (
            ("\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[2m", "\x1b[0m") if color else ("",) * 5)


def _line(path: str, f: Finding, st: Style) -> str:
    marker = f" {st.cyan}[*]{st.reset}" if f.fix is not None and f.fix.applicability == "safe" else ""
    return (f"{st.bold}{path}{st.reset}:{f.line}:{f.col + 1}: {st.bold}{st.red}{f.rule.code}{st.reset}{marker} "
            f"[{f.rule.name}] {f.message}")


def summary_lines(total: int, fixed: int, fixable: int, unsafe_hidden: int, show_fix_hint: bool = True) -> list[str]:
    """``Found 5 findings (2 fixed, 3 remaining).`` and the fix hints; ``total`` counts
    the findings left, ``fixed`` those fixed."""
    lines = []
    found = total + fixed
    if found:
        summary = f"Found {found} finding{'s' if found != 1 else ''}"
        if fixed:
            summary += f" ({fixed} fixed, {total} remaining)"
        lines.append(summary + ".")
        if fixable and show_fix_hint:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
        if unsafe_hidden and show_fix_hint:
            lines.append(f"{unsafe_hidden} more fixable with `--fix --unsafe-fixes`.")
    else:
        lines.append("All checks passed!")
    return lines


def _safe_fixable(files: FileFindings) -> int:
    return sum(1 for _, fs in files for f in fs if f.fix is not None and f.fix.applicability == "safe")


def format_text(files: FileFindings, *, fixed: int = 0, unsafe_hidden: int = 0, show_fix_hint: bool = True,
                color: bool = False, summary: bool = True) -> str:
    """The ``concise`` format: one line per finding, then the summary."""
    st = Style(color)
    lines = [_line(path, f, st) for path, findings in files for f in findings]
    total = len(lines)
    if summary:
        lines += summary_lines(total, fixed, _safe_fixable(files), unsafe_hidden, show_fix_hint)
    return "\n".join(lines) + "\n" if lines else ""


def format_full(files: FileFindings, sources: dict[str, str], *, fixed: int = 0, unsafe_hidden: int = 0,
                show_fix_hint: bool = True, color: bool = False, summary: bool = True) -> str:
    """The ``full`` format: each finding with its source line(s), a caret under the
    span, and the fix it offers."""
    import re

    st = Style(color)
    out: list[str] = []
    total = 0
    for path, findings in files:
        lines = re.split(r"\r\n|\r|\n", sources.get(path, ""))
        for f in findings:
            total += 1
            out.append(_line(path, f, st))
            width = len(str(f.end_line))
            gutter = f"{st.dim}{' ' * width} |{st.reset}"
            out.append(gutter)
            last = min(f.end_line, f.line + 4)  # at most five lines of context
            for number in range(f.line, last + 1):
                text = lines[number - 1] if 0 < number <= len(lines) else ""
                out.append(f"{st.dim}{number:>{width}} |{st.reset} {text}")
                start = f.col if number == f.line else len(text) - len(text.lstrip())
                end = f.end_col if number == f.end_line else len(text)
                if end > start:
                    out.append(f"{gutter} {' ' * start}{st.red}{'^' * (end - start)}{st.reset}")
            if f.fix is not None:
                out.append(f"{' ' * width} = fix ({f.fix.applicability}): {f.fix.message}")
            out.append("")
    if summary:
        out += summary_lines(total, fixed, _safe_fixable(files), unsafe_hidden, show_fix_hint)
    return "\n".join(out) + "\n" if out else ""


def format_json_lines(files: FileFindings) -> str:
    import json  # here: most reports are text, and json's import is start-up time

    return "".join(json.dumps(finding_dict(path, f)) + "\n" for path, findings in files for f in findings)


def format_pylint(files: FileFindings) -> str:
    return "".join(f"{path}:{f.line}: [{f.rule.code}({f.rule.name})] {f.message}\n"
                   for path, findings in files for f in findings)


_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "information": "info", "hint": "info"}


def format_gitlab(files: FileFindings) -> str:
    """GitLab Code Quality (a subset of Code Climate's format); fingerprints stay the
    same when lines move (path, rule, message and the occurrence count)."""
    import hashlib
    import json  # here: most reports are text, and json's import is start-up time

    out = []
    for path, findings in files:
        seen: Counter = Counter()
        for f in findings:
            key = (path, f.rule.code, f.message)
            seen[key] += 1
            fingerprint = hashlib.sha256("\0".join([*key, str(seen[key])]).encode()).hexdigest()
            out.append({
                "description": f"{f.rule.code} {f.message}",
                "check_name": f"{f.rule.code} {f.rule.name}",
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[f.rule.severity],
                "location": {"path": path.replace("\\", "/"),
                             "positions": {"begin": {"line": f.line, "column": f.col + 1},
                                           "end": {"line": f.end_line, "column": f.end_col + 1}}},
            })
    return json.dumps(out, indent=2) + "\n"


def format_junit(files: FileFindings) -> str:
    """JUnit XML: a test suite per file, a failing test case per finding."""
    from xml.sax.saxutils import quoteattr, escape

    total = sum(len(fs) for _, fs in files)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="torchwise" tests="{max(total, 1)}" failures="{total}" errors="0">']
    if not total:
        out += ['  <testsuite name="torchwise" tests="1" failures="0" errors="0">',
                '    <testcase name="No findings" classname="torchwise"/>', "  </testsuite>"]
    for path, findings in files:
        if not findings:
            continue
        out.append(f'  <testsuite name={quoteattr(path)} tests="{len(findings)}" failures="{len(findings)}" errors="0">')
        for f in findings:
            out.append(f'    <testcase name={quoteattr(f"torchwise.{f.rule.code}.{f.rule.name}")} '
                       f'classname={quoteattr(path)} file={quoteattr(path)} line="{f.line}">')
            out.append(f'      <failure message={quoteattr(f.message)} type={quoteattr(f.rule.code)}>'
                       f'{escape(f"line {f.line}, column {f.col + 1}: {f.message}")}</failure>')
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


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
    import json  # here: most reports are text, and json's import is start-up time

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

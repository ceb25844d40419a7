"""The vocabulary of the linter: rules, findings, fixes.

Each rule is declared once, with the ``@rule`` decorator on its check function,
inside a topic module of ``torchwise.lint.rules``. The decorator is the single
place that gives the rule its code, name, group, severity, default and fix
applicability; the registry, CLI, LSP diagnostics and docs all read from it.

Positions follow ``ast``: ``line`` is 1-based, ``col`` a 0-based offset in
characters (str indices) of that line.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Callable, Iterator, Literal

from torchwise.lazy_pattern import lazy
from torchwise.records import record, setfield
from torchwise.text import split_lines, split_lines_full

if TYPE_CHECKING:  # pragma: no cover
    from torchwise.analysis import Analysis

Severity = Literal["error", "warning", "information", "hint"]
Applicability = Literal["safe", "unsafe"]


@record(frozen=True)
class Edit:
    line: int
    col: int
    end_line: int
    end_col: int
    content: str

    def __init__(self, line: int, col: int, end_line: int, end_col: int, content: str) -> None:
        setfield(self, "line", line)
        setfield(self, "col", col)
        setfield(self, "end_line", end_line)
        setfield(self, "end_col", end_col)
        setfield(self, "content", content)


@record(frozen=True)
class Fix:
    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]

    def __init__(self, applicability: Applicability, message: str, edits: tuple[Edit, ...]) -> None:
        setfield(self, "applicability", applicability)
        setfield(self, "message", message)
        setfield(self, "edits", edits)


@record(frozen=True, unshown=("check",), uncompared=("check",))
class Rule:
    code: str  # e.g. "TW101"
    name: str  # kebab-case, e.g. "missing-zero-grad"
    group: str  # e.g. "training"
    severity: Severity
    summary: str  # one line, used in docs lists and --statistics
    default: bool  # enabled without explicit --select
    fix: Applicability | None  # applicability of the fix the rule can offer, if any
    check: Callable[["Context"], Iterator["Finding"] | None]
    # its verdict on a node depends on code elsewhere in the module in ways the editor's
    # re-lint of one edited statement does not compare (``torchwise.incremental_statement``):
    # that re-lint runs it over the whole module
    module_wide: bool = False
    # its findings say what happens when the code runs (not what an API is): in a notebook,
    # silent in a function that nothing the notebook runs calls (``flow.never_called``)
    runtime: bool = False

    def __init__(self, code: str, name: str, group: str, severity: Severity, summary: str, default: bool,
                 fix: Applicability | None, check: Callable[["Context"], Iterator["Finding"] | None],
                 module_wide: bool = False, runtime: bool = False) -> None:
        setfield(self, "code", code)
        setfield(self, "name", name)
        setfield(self, "group", group)
        setfield(self, "severity", severity)
        setfield(self, "summary", summary)
        setfield(self, "default", default)
        setfield(self, "fix", fix)
        setfield(self, "check", check)
        setfield(self, "module_wide", module_wide)
        setfield(self, "runtime", runtime)

    @property
    def url(self) -> str:
        """The PyTorch documentation of the rule's API (see ``lint.rule_docs``)."""
        from torchwise.lint.rule_docs import rule_url

        return rule_url(self)


@record(frozen=True)
class Finding:
    rule: Rule
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    fix: Fix | None = None
    # the documentation of this finding's API where the rule covers many (deprecated-function:
    # ``torch.qr``'s page, not the rule's); None: the rule's (``lint.rule_docs.finding_url``)
    url: str | None = None

    def __init__(self, rule: Rule, line: int, col: int, end_line: int, end_col: int, message: str,
                 fix: Fix | None = None, url: str | None = None) -> None:
        setfield(self, "rule", rule)
        setfield(self, "line", line)
        setfield(self, "col", col)
        setfield(self, "end_line", end_line)
        setfield(self, "end_col", end_col)
        setfield(self, "message", message)
        setfield(self, "fix", fix)
        setfield(self, "url", url)


def finding_row(f: Finding) -> tuple:
    """``f`` as plain data for another process (a worker's answer): its rule by code, the
    other fields in ``Finding``'s order."""
    return (f.rule.code, f.line, f.col, f.end_line, f.end_col, f.message, f.fix, f.url)


def finding_from_row(row: tuple, rule_of: Callable[[str], Rule]) -> Finding:
    """The finding ``finding_row`` wrote, its rule looked up by ``rule_of``."""
    return Finding(rule_of(row[0]), *row[1:])


RULES: list[Rule] = []


def rule(
    *,
    code: str,
    name: str,
    group: str,
    severity: Severity = "warning",
    summary: str,
    default: bool = True,
    fix: Applicability | None = None,
    module_wide: bool = False,
    runtime: bool = False,
):
    """Declare a rule: decorate its check function, ``check(ctx) -> iterable of Finding``."""

    def decorate(check: Callable[["Context"], Iterator[Finding] | None]):
        RULES.append(
            Rule(code=code, name=name, group=group, severity=severity, summary=summary,
                 default=default, fix=fix, check=check, module_wide=module_wide, runtime=runtime)
        )
        return check

    return decorate


_QUOTED = lazy(r"`([^`]*)`")
_OPEN, _CLOSE = "([{", ")]}"


def one_line(message: str) -> str:
    """A message on one line: in code quoted from several lines, a bracket that spans
    lines shows ``...`` for what it holds (``train_epoch(\\n model,\\n ...)`` reads
    ``train_epoch(...)``); other line breaks become spaces (a diagnostic, a CLI row and
    a SARIF result each show one line)."""
    def shorten(match: re.Match) -> str:
        code = match.group(1)
        if "\n" not in code and "\r" not in code:
            return match.group(0)
        out, depth, opened = [], 0, 0
        for i, char in enumerate(code):
            if char in _OPEN:
                depth += 1
                if depth == 1:
                    opened = i
                    continue
            elif char in _CLOSE and depth:
                depth -= 1
                if depth == 0:
                    inner = code[opened + 1:i]
                    out.append(code[opened] + ("..." if "\n" in inner or "\r" in inner else inner) + char)
                continue
            if depth == 0:
                out.append(char)
        if depth:  # unbalanced (a bracket in a string): the text as it is
            out = [code]
        return "`" + " ".join("".join(out).split()) + "`"
    return " ".join(_QUOTED.sub(shorten, message).split())


class Context:
    """What a rule's check function sees of one file."""

    def __init__(self, path: str, source: str, analysis: "Analysis", rule_: Rule | None = None):
        self.path = path
        self.source = source
        # the analysis already split this text; do not split it again for every rule
        self.lines = analysis.lines if analysis.source is source else split_lines(source)
        self.analysis = analysis
        self.tree: ast.Module = analysis.tree
        self.rule = rule_

    def nodes(self, *types: type) -> list[ast.AST]:
        """All nodes of the given types in the file, in source order, from one walk
        shared by every rule (much faster than each rule calling ``ast.walk``)."""
        from torchwise.lint import flow

        return flow.index(self.analysis).of(*types)

    def walk(self) -> list[ast.AST]:
        """Every node of the file (the shared walk; the nodes of ``ast.walk(ctx.tree)`` less
        the ``ast.Load``/``ast.Add``-style ctx and operator singletons)."""
        from torchwise.lint import flow

        return flow.index(self.analysis).all

    def finding(self, node: ast.AST, message: str, fix: Fix | None = None, url: str | None = None) -> Finding:
        """A finding of the current rule spanning ``node`` (``url``: its API's page, where
        not the rule's)."""
        assert self.rule is not None
        return Finding(
            rule=self.rule,
            line=node.lineno,
            col=self.analysis.char_col(node.lineno, node.col_offset),
            end_line=node.end_lineno or node.lineno,
            end_col=self.analysis.char_col(node.end_lineno or node.lineno, node.end_col_offset or 0),
            message=one_line(message) if "\n" in message or "\r" in message else message,
            fix=fix,
            url=url,
        )

    def replace(self, node: ast.AST, content: str) -> Edit:
        """An edit replacing the source span of ``node`` by ``content``."""
        end_line = node.end_lineno or node.lineno
        return Edit(
            line=node.lineno,
            col=self.analysis.char_col(node.lineno, node.col_offset),
            end_line=end_line,
            end_col=self.analysis.char_col(end_line, node.end_col_offset or 0),
            content=content,
        )

    def text(self, node: ast.AST) -> str:
        """The source text of ``node`` (like ``ast.get_source_segment``, without
        re-splitting the whole file on every call)."""
        try:
            line, end_line = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined,operator]
            col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            return ""
        if end_col is None:
            return ""
        lines = _source_lines(self.analysis, self.source)
        if not 0 <= line <= end_line < len(lines):
            return ""
        if line == end_line:
            return lines[line].encode()[col:end_col].decode(errors="replace")
        first = lines[line].encode()[col:].decode(errors="replace")
        last = lines[end_line].encode()[:end_col].decode(errors="replace")
        return first + "".join(lines[line + 1:end_line]) + last


def _source_lines(analysis: "Analysis", source: str) -> list[str]:
    """The source split the way ``ast`` counts lines (only \\r\\n, \\r and \\n), with
    line ends kept; cached on the analysis."""
    cached = analysis.queries.get("source_lines")
    if cached is None or cached[0] is not source:
        lines = split_lines_full(source)
        if analysis.bom and lines and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]  # ast's byte columns do not count the BOM
        cached = (source, lines)
        analysis.queries["source_lines"] = cached
    return cached[1]

"""The lint engine: run the selected rules on one source text.

``lint_source(source, path, settings)`` parses the file once (through the shared
:class:`~torchwise.analysis.Analysis`, which repairs lines that do not parse),
runs every selected rule's check on it, drops findings suppressed by ``# noqa``
comments and returns the rest sorted by position. It never raises: a file that
does not parse gives one ``syntax-error`` finding (the rules still run on the
repaired tree) and a rule that raises is reported in one line and skipped.
"""

from __future__ import annotations

import fnmatch
import gc
import re
import sys
from contextlib import contextmanager
from pathlib import PurePath
from typing import Callable, Generator, Iterable

from torchwise.analysis import Analysis, build_analysis
from torchwise.lazy_pattern import lazy
from torchwise.lint.base import RULES, Context, Finding, Rule
from torchwise.records import record

SYNTAX_ERROR_CODE = "TW001"

ErrorHandler = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def all_rules() -> list[Rule]:
    """Every declared rule, sorted by code (importing the rule modules on first use)."""
    import torchwise.lint.rules  # noqa: F401  (the decorators fill RULES)

    return sorted(RULES, key=lambda r: r.code)


def get_rule(code_or_name: str) -> Rule | None:
    key = code_or_name.strip()
    for r in all_rules():
        if r.code.lower() == key.lower() or r.name == key.lower():
            return r
    return None


# ---------------------------------------------------------------- selection
_PREFIX = lazy(r"^TW\d{0,3}$", re.I)


def selector_matches(r: Rule, selector: str) -> bool:
    """A selector is ``ALL``, a code (``TW101``), a code prefix (``TW1``), a rule name
    (``missing-zero-grad``) or a group (``training``)."""
    sel = selector.strip()
    if not sel:
        return False
    if sel.upper() == "ALL":
        return True
    if _PREFIX.match(sel):
        return r.code.upper().startswith(sel.upper())
    low = sel.lower()
    return r.name == low or r.group == low


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    rules = all_rules()
    return [s for s in selectors if s.strip() and not any(selector_matches(r, s) for r in rules)]


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] = (),
                 extend_select: Iterable[str] = ()) -> list[Rule]:
    """The rules to run: ``select`` (default: the rules on by default) plus
    ``extend_select``, minus ``ignore``. A rule off by default runs only when a
    selector names it (or ``ALL``/its prefix/its group)."""
    rules = all_rules()
    select = list(select) if select else None
    chosen = [r for r in rules if (any(selector_matches(r, s) for s in select) if select else r.default)]
    extra = list(extend_select)
    chosen += [r for r in rules if r not in chosen and any(selector_matches(r, s) for s in extra)]
    ignore = list(ignore)
    return sorted((r for r in chosen if not any(selector_matches(r, s) for s in ignore)), key=lambda r: r.code)


@record()
class LintSettings:
    """What to check; built from ``[tool.torchwise]``, CLI flags or editor options."""

    select: list[str]  # empty: the default rules
    ignore: list[str]
    extend_select: list[str]
    per_file_ignores: dict[str, list[str]]  # glob -> selectors
    exclude: list[str]  # globs of files not to check
    root: str | None  # directory the globs are relative to
    fix_grad_off_context: str | None  # missing-no-grad's fix: "no_grad" (default) or "inference_mode"
    torch_version: str | None  # the oldest torch the code supports ("2.1"); None: any (see lint/options.py)

    def __init__(self, select: list[str] | None = None, ignore: list[str] | None = None,
                 extend_select: list[str] | None = None, per_file_ignores: dict[str, list[str]] | None = None,
                 exclude: list[str] | None = None, root: str | None = None,
                 fix_grad_off_context: str | None = None, torch_version: str | None = None) -> None:
        self.select = [] if select is None else select
        self.ignore = [] if ignore is None else ignore
        self.extend_select = [] if extend_select is None else extend_select
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.exclude = [] if exclude is None else exclude
        self.root, self.fix_grad_off_context = root, fix_grad_off_context
        self.torch_version = torch_version

    def _relative(self, path: str) -> str:
        p = PurePath(path)
        if self.root:
            try:
                return p.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    @staticmethod
    def _glob_match(rel: str, pattern: str) -> bool:
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            return False
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern + "/*"):
            return True
        parts = rel.split("/")
        if "/" not in pattern:  # a bare name matches any path component
            return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
        # "dir/**" style patterns
        return fnmatch.fnmatchcase(rel, pattern.replace("**/", "*").replace("/**", "/*"))

    def is_excluded(self, path: str) -> bool:
        rel = self._relative(path)
        return any(self._glob_match(rel, pattern) for pattern in self.exclude)

    def rules_for(self, path: str) -> list[Rule]:
        ignore = list(self.ignore)
        if self.per_file_ignores:
            rel = self._relative(path)
            for pattern, selectors in self.per_file_ignores.items():
                if self._glob_match(rel, pattern):
                    ignore.extend(selectors)
        key = (tuple(self.select), tuple(ignore), tuple(self.extend_select), len(RULES))
        if key not in _SELECTED:  # once per selection, not once per file of a check
            _SELECTED[key] = tuple(select_rules(self.select or None, ignore, self.extend_select))
        return list(_SELECTED[key])


_SELECTED: dict[tuple, tuple[Rule, ...]] = {}


# ---------------------------------------------------------------- noqa
_NOQA = lazy(
    r"#\s*noqa(?P<sep>\s*:\s*(?P<codes>[A-Za-z0-9_\-]+(?:(?:\s*,\s*|\s+)[A-Za-z0-9_\-]+)*))?",
    re.IGNORECASE,
)
ALL_CODES = "*"
_HAS_NOQA = lazy("noqa", re.IGNORECASE)


def _noqa_lines(lines: list[str], source: str | None) -> Iterable[int]:
    """The numbers (1-based, ascending) of the lines that may hold a noqa comment: found
    by one scan of ``source`` (the text ``lines`` were split from) when its only line
    break is ``\n``, rather than a regex search of every line; else every line."""
    if source is None or "\r" in source:
        return range(1, len(lines) + 1)
    # lowercased (the only characters ``(?i)noqa`` matches are those whose lower() is one of its
    # letters; lower() keeps every "\n", so the line numbers hold), then plain finds: a case-blind
    # regex scan of the whole text is several times slower
    low = source.lower()
    numbers: list[int] = []
    line, last = 1, 0
    at = low.find("noqa")
    while at != -1:
        line += low.count("\n", last, at)
        last = at
        if not numbers or numbers[-1] != line:
            numbers.append(line)
        at = low.find("noqa", at + 4)
    return numbers


def noqa_map(lines: list[str], source: str | None = None) -> dict[int, set[str]]:
    """line (1-based) -> suppressed codes/names (lowercase), ``{"*"}`` for a bare noqa.
    ``source``: the text ``lines`` were split from (``split_lines``), to find the lines
    with a noqa in one scan."""
    out: dict[int, set[str]] = {}
    for number in _noqa_lines(lines, source):
        text = lines[number - 1] if number <= len(lines) else ""
        if _HAS_NOQA.search(text) is None:  # any case, as the pattern below (`# NoQA` too)
            continue
        for match in _NOQA.finditer(text):
            codes = match.group("codes")
            entry = out.setdefault(number, set())
            if codes:
                entry.update(c.lower() for c in re.split(r"[\s,]+", codes) if c)
            else:
                entry.add(ALL_CODES)
    return out


def is_suppressed(finding: Finding, noqa: dict[int, set[str]]) -> bool:
    codes = noqa.get(finding.line)
    if not codes:
        return False
    return ALL_CODES in codes or finding.rule.code.lower() in codes or finding.rule.name in codes


# ---------------------------------------------------------------- running
def run_rules(analysis: Analysis, rules: Iterable[Rule], path: str,
              on_error: ErrorHandler | None = None) -> list[Finding]:
    """All findings of ``rules`` on an analysed file, unsuppressed and unsorted."""
    report = on_error or _stderr
    findings: list[Finding] = []
    from torchwise.lint import flow

    flow.accelerate(analysis)
    source = analysis.source
    for r in rules:
        if r.code == "TW002":
            continue  # unused-noqa: the engine computes it after the other rules
        if r.code == SYNTAX_ERROR_CODE:
            if analysis.syntax_error is not None and not _newer_grammar(analysis) and not _python2_script(analysis):
                findings.append(_syntax_finding(r, analysis))
            continue
        if r.group == "training" and flow.other_framework(analysis):
            continue  # another framework's training loop (paddle's ``optimizer.clear_grad()``), not torch's
        ctx = Context(path, source, analysis, r)
        try:
            produced = r.check(ctx)
            if produced:
                if analysis.cell_starts and r.runtime:
                    dead = flow.never_called(analysis)
                    if dead:  # a notebook's function nothing calls: what it would do never happens
                        produced = [f for f in produced if not any(a <= f.line <= b for a, b in dead)]
                findings.extend(produced)
        except RecursionError:  # before Exception, of which it is a subclass
            report(f"torchwise: rule {r.code} ({r.name}) recursed too deep on {path}; skipped")
        except Exception as exc:  # a broken rule must not stop the others
            line = _one_line(f"{exc!r}")
            report(f"torchwise: rule {r.code} ({r.name}) failed on {path}: {line}; skipped")
    return findings


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 300 else text[:297] + "..."


# an f-string whose replacement field holds its own quote (``f"{d["X"]}"``): valid from Python 3.12 (PEP 701)
_PEP701 = lazy(r"""\bf(["'])[^"'\n]*\{[^}\n]*?\1[^}\n]*?\1[^}\n]*\}""", re.IGNORECASE)


def _newer_grammar(analysis: Analysis) -> bool:
    """The syntax error is an f-string that reuses its quotes inside a replacement field,
    which Python 3.12 reads (PEP 701) and the older Python running the linter cannot: the
    code is fine where it is meant to run (CS-433/project-2-astiflop's notebook, on 3.13).
    Its line is still skipped by the other rules, as for any line that does not parse here."""
    if sys.version_info >= (3, 12):
        return False
    exc = analysis.syntax_error
    if exc is None or not str(getattr(exc, "msg", "")).startswith("f-string"):
        return False
    line = exc.lineno or 0
    text = analysis.lines[line - 1] if 0 < line <= len(analysis.lines) else ""
    return _PEP701.search(text) is not None


_PYTHON2_SHEBANG = lazy(r"#!.*\bpython2(?:\.\d+)?\b")


def _python2_script(analysis: Analysis) -> bool:
    """A script whose shebang names Python 2 (``#!/usr/bin/env python2``: ESPnet's
    ``text2token.py``, copied into kaituoxu/Listen-Attend-Spell and run as an executable by
    its shell scripts): Python 3's grammar is not the one it runs under."""
    lines = analysis.lines
    return bool(lines) and _PYTHON2_SHEBANG.match(lines[0]) is not None


def _syntax_finding(r: Rule, analysis: Analysis) -> Finding:
    exc = analysis.syntax_error
    assert exc is not None
    lines = analysis.lines
    line = exc.lineno or 1
    line = min(max(line, 1), max(len(lines), 1))
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    col = max((exc.offset or 1) - 1, 0)
    col = min(col, len(text))
    end = len(text) if col >= len(text.rstrip()) or not text.strip() else len(text.rstrip())
    message = str(exc.msg or "invalid syntax") if hasattr(exc, "msg") else str(exc)
    skipped = "this line"
    if analysis.cell_starts:  # ("after 'for' statement on line 184": the joined cells' line, named as its cell)
        from torchwise.lint import flow

        opener = re.search(r"after '\w+' statement on line (\d+)", message)
        if opener is not None and 0 < int(opener.group(1)) <= len(lines) \
                and flow.cell_of(analysis, int(opener.group(1))) != flow.cell_of(analysis, line):
            # a cell that ends with a block's header and no body: Python met the next cell's first
            # line, but the error is the header's, in its own cell (the cells run one by one)
            skipped, line = flow.line_ref(analysis, line), int(opener.group(1))
            text = lines[line - 1]
            col, end = len(text) - len(text.lstrip()), len(text.rstrip())
        message = re.sub(r"\bline (\d+)", lambda m: flow.line_ref(analysis, int(m.group(1))), message)
    if analysis.gave_up:
        message = f"{_one_line(message)}; no other rule checked the file"
    elif line in analysis.retabbed_lines:
        message = (f"SyntaxError: {_one_line(message)}; the other rules checked the file reading its tabs as "
                   "8 columns, as Python 2 did")
    else:
        message = f"SyntaxError: {_one_line(message)}; the other rules checked the file with {skipped} skipped"
    return Finding(rule=r, line=line, col=col, end_line=line, end_col=max(end, col), message=message)


@contextmanager
def no_gc():
    """Pause the cyclic garbage collector: a lint allocates a large, acyclic AST plus
    indexes, and the collector's repeated full scans of them cost more than the lint
    itself on big files. Memory is still freed by reference counting."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# Young objects (allocated since the last collection) a ``torchwise check`` process
# lets build up before the collector scans them: about a 50,000-line file's lint.
CHECK_YOUNG_LIMIT = 1_000_000


def collect_less() -> None:
    """For a ``torchwise check`` process (and its workers): with the default threshold
    (700), the first allocation after each lint's ``no_gc`` scans everything the lint
    allocated (the live syntax tree and indexes, kept by the project): half an
    ``ast.parse`` of the file. Raised, a run scans once per ``CHECK_YOUNG_LIMIT``
    objects, so its garbage (a dropped analysis is cyclic) is still collected."""
    gc.set_threshold(CHECK_YOUNG_LIMIT, *gc.get_threshold()[1:])


def lint_analysis(analysis: Analysis, path: str, rules: Iterable[Rule],
                  on_error: ErrorHandler | None = None) -> list[Finding]:
    with no_gc():
        return _lint_analysis(analysis, path, rules, on_error)


def lint_slices(analysis: Analysis, path: str, rules: Iterable[Rule],
                on_error: ErrorHandler | None = None) -> Generator[None, None, list[Finding]]:
    """``lint_analysis`` in slices, for a caller that must stay responsive (the
    editor's event loop): each ``next()`` runs one rule, and the generator returns
    the same findings as ``lint_analysis``. A caller may stop between slices."""
    rules = list(rules)
    findings: list[Finding] = []
    for r in rules:
        with no_gc():
            findings += run_rules(analysis, (r,), path, on_error)
        yield
    with no_gc():
        return _finish(analysis, rules, findings)


def _lint_analysis(analysis: Analysis, path: str, rules: Iterable[Rule],
                   on_error: ErrorHandler | None = None) -> list[Finding]:
    rules = list(rules)
    return _finish(analysis, rules, run_rules(analysis, rules, path, on_error))


def _finish(analysis: Analysis, rules: list[Rule], findings: list[Finding]) -> list[Finding]:
    """The findings of ``rules`` plus unused-noqa's, less the suppressed ones, sorted."""
    from torchwise.lint import noqa as file_noqa

    unused_rule = next((r for r in rules if r.code == file_noqa.UNUSED_NOQA_CODE), None)
    unused = file_noqa.unused_noqa(unused_rule, analysis, findings, rules, all_rules()) if unused_rule else []
    if findings and _HAS_NOQA.search(analysis.source) is not None:  # one scan of the text first
        noqa = noqa_map(analysis.lines, analysis.source)
        if noqa:
            findings = [f for f in findings if not is_suppressed(f, noqa)]
        whole_file = file_noqa.file_noqa(analysis.source)
        if whole_file:
            findings = [f for f in findings if not file_noqa.file_suppressed(f, whole_file)]
    findings += unused
    if analysis.retabbed_lines:
        findings = _untabbed(analysis, findings)
    findings.sort(key=lambda f: (f.line, f.col, f.rule.code, f.end_line, f.end_col))
    return findings


def _untabbed(analysis: Analysis, findings: list[Finding]) -> list[Finding]:
    """Findings of a file read with some lines' tabs as 8 columns (``Analysis._retab``):
    no fix (its edits and indentation were computed on text the file does not have), and
    a range that starts or ends on such a line covers that line's code."""
    lines, retabbed = analysis.lines, analysis.retabbed_lines
    out = []
    for f in findings:
        if f.fix is None and f.line not in retabbed and f.end_line not in retabbed:
            out.append(f)
            continue
        col, end_col = f.col, f.end_col
        if f.line in retabbed:
            text = lines[f.line - 1]
            col = len(text) - len(text.lstrip())
        if f.end_line in retabbed:
            end_col = len(lines[f.end_line - 1].rstrip())
        out.append(Finding(f.rule, f.line, col, f.end_line, max(end_col, col) if f.end_line == f.line else end_col,
                           f.message, url=f.url))
    return out


# The project model ``torchwise check`` lints against (cross-module facts), if any: set
# for the duration of a run by ``project_context``.
_PROJECT: list = []


@contextmanager
def project_context(project):
    """Lint every ``lint_source`` call of this block with ``project``'s cross-module facts."""
    _PROJECT.append(project)
    try:
        yield project
    finally:
        _PROJECT.remove(project)


def _with_project(source: str, path: str) -> Analysis:
    """The file's analysis, seeing the project when a run set one (and serving as its
    module's unit afterwards: a module imported by a later file is not parsed twice)."""
    if not _PROJECT or path in ("<stdin>", "-") or path.startswith("<"):
        return build_analysis(source, path)
    from pathlib import Path

    try:
        project, file = _PROJECT[-1], Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop: the file on its own
        return build_analysis(source, path)
    if file.suffix == ".py" and project._texts.get(file, source) != source:
        project.changed([file])  # a fixed text: what other modules were told of it is stale
    analysis = build_analysis(source, path, env=project.env_for(file))
    if file.suffix == ".py":
        project.adopt(file, source, analysis)
    return analysis


def project_env_for(path: str):
    """The running check's ``ProjectEnv`` for ``path`` (None outside ``project_context``)."""
    if not _PROJECT:
        return None
    from pathlib import Path

    try:
        return _PROJECT[-1].env_for(Path(path).resolve())
    except Exception:  # the project model must never stop a check
        return None


def lint_source(source: str, path: str = "<stdin>", settings: LintSettings | None = None, *,
                rules: Iterable[Rule] | None = None, on_error: ErrorHandler | None = None,
                env=None, cell_starts: tuple[int, ...] = (), cell_labels: tuple[int, ...] = ()) -> list[Finding]:
    """Lint one file's text. ``rules`` overrides the settings' selection; ``env`` (a
    project's ``ProjectEnv``) lets rules see the file's imports and callers;
    ``cell_starts``: for a notebook's joined cells, the line (0-based) each starts on;
    ``cell_labels``: each one's number among all the notebook's cells (from 1)."""
    settings = settings or LintSettings()
    selected = list(rules) if rules is not None else settings.rules_for(path)
    with no_gc():
        try:
            analysis = _with_project(source, path) if env is None else build_analysis(source, path, env)
        except Exception as exc:  # the analysis itself should never fail; be safe anyway
            (on_error or _stderr)(f"torchwise: could not analyse {path}: {_one_line(repr(exc))}")
            analysis = Analysis("", path)
            analysis.syntax_error = SyntaxError(f"could not analyse the file: {exc!r}", (path, 1, 1, ""))
        analysis.cell_starts, analysis.cell_labels = tuple(cell_starts), tuple(cell_labels)
        return _lint_analysis(analysis, path, selected, on_error)

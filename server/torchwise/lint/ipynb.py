"""``torchwise check`` on Jupyter notebooks (nbformat 4).

The code cells are linted as one module (:mod:`torchwise.notebook_cells`); findings
are reported per cell as ``path:cell N:line:col`` (N counts every cell, from 1, like
ruff). ``--fix`` edits only the sources of the cells it changes, splicing them into
the original JSON text, so indentation, key order, outputs and metadata stay
byte-identical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from pathlib import Path

from torchwise.lint.base import Finding
from torchwise.lint.engine import lint_source
from torchwise.lint.fix import MAX_ROUNDS, apply_fixes, fixable, unified_diff
from torchwise.notebook_cells import join_cells

_WS = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_KEEP_ENDS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class NotebookError(Exception):
    """A notebook that cannot be checked: one clear line."""


@dataclass
class Outcome:
    results: list[tuple[str, list[Finding]]] = field(default_factory=list)
    fixed: int = 0
    new_text: str | None = None  # the rewritten file, when fixes changed it
    diff: str = ""
    # each reported cell's text (as linted last), by its ``path:cell N`` name: the ``full``
    # output format shows the lines around a finding from it, not from the JSON
    sources: dict[str, str] = field(default_factory=dict)


# -------------------------------------------------------------- JSON with positions
def _source_spans(text: str) -> dict[int, tuple[int, int]]:
    """Cell index -> (start, end) of its ``"source"`` value in the JSON text."""
    spans: dict[int, tuple[int, int]] = {}

    def value(pos: int, path: tuple) -> int:
        pos = _WS.match(text, pos).end()
        char = text[pos:pos + 1]
        if char == "{":
            pos = _WS.match(text, pos + 1).end()
            if text[pos] == "}":
                return pos + 1
            while True:
                key, pos = scanstring(text, _WS.match(text, pos).end() + 1)
                pos = _WS.match(text, pos).end() + 1  # the colon
                start = _WS.match(text, pos).end()
                pos = value(pos, path + (key,))
                if len(path) == 2 and path[0] == "cells" and key == "source":
                    spans[path[1]] = (start, pos)
                pos = _WS.match(text, pos).end()
                if text[pos] == "}":
                    return pos + 1
                pos += 1  # a comma
        if char == "[":
            pos = _WS.match(text, pos + 1).end()
            if text[pos] == "]":
                return pos + 1
            index = 0
            while True:
                pos = value(pos, path + (index,))
                pos = _WS.match(text, pos).end()
                if text[pos] == "]":
                    return pos + 1
                pos += 1
                index += 1
        if char == '"':
            return scanstring(text, pos + 1)[1]
        match = _SCALAR.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected character at {pos}")
        return match.end()

    value(0, ())
    return spans


def _render_source(old_json: str, lines: list[str]) -> str:
    """The new ``source`` list in the layout of the old one."""
    if old_json.startswith('"'):
        return json.dumps("".join(lines), ensure_ascii=False)
    if not lines:
        return "[]"
    items = [json.dumps(line, ensure_ascii=False) for line in lines]
    layout = re.match(r"\[(\s*)", old_json)
    inner = layout.group(1) if layout else ""
    if "\n" not in inner:
        return "[" + ", ".join(items) + "]"
    closing = re.search(r"(\s*)\]$", old_json)
    close_ws = closing.group(1) if closing and "\n" in closing.group(1) else "\n"
    return "[" + inner + ("," + inner).join(items) + close_ws + "]"


# -------------------------------------------------------------- checking
def load(path: Path) -> tuple[str, dict]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: not a notebook (not UTF-8 text)") from None
    if not text.strip():
        # an empty file: a notebook not yet saved (VS Code's "New File..." creates one
        # empty), or committed empty. Nothing to check, and no reason to fail the run.
        return text, {"cells": [], "nbformat": 4}
    if text.startswith("version https://git-lfs.github.com/spec/"):
        raise NotebookError(f"{path}: a Git LFS pointer, not the notebook (run `git lfs pull` to fetch it)")
    try:
        notebook = json.loads(text)
    except ValueError as exc:
        raise NotebookError(f"{path}: not a notebook (invalid JSON: {exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells", None), list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        if version is not None and version < 4:
            raise NotebookError(f"{path}: nbformat {version} is not supported; convert it with "
                                "`jupyter nbconvert --to notebook --nbformat 4`")
        raise NotebookError(f"{path}: not a notebook (no cells list)")
    version = notebook.get("nbformat", 4)
    if not isinstance(version, int) or version < 4:
        raise NotebookError(f"{path}: nbformat {version} is not supported; convert it with "
                            "`jupyter nbconvert --to notebook --nbformat 4`")
    return text, notebook


def _code_cells(notebook: dict) -> list[tuple[int, str]]:
    cells = []
    for i, cell in enumerate(notebook["cells"]):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((i, "".join(source) if isinstance(source, list) else str(source)))
    return cells


def _per_cell(findings: list[Finding], joined) -> dict[int, list[Finding]]:
    out: dict[int, list[Finding]] = {}
    for finding in findings:
        placed = joined.to_cell(finding)
        if placed is not None:
            out.setdefault(joined.keys[placed[0]], []).append(placed[1])
    return out


def check(path: Path, display: str, rules, *, fix: bool = False, unsafe: bool = False,
          diff: bool = False, on_error=None, env=None) -> Outcome:
    text, notebook = load(path)
    cells = dict(_code_cells(notebook))
    outcome = Outcome()

    def lint() -> dict[int, list[Finding]]:
        joined = join_cells(list(cells.items()))
        return _per_cell(lint_source(joined.source, display, rules=rules, on_error=on_error,
                                     env=None if fix else env, cell_starts=tuple(joined.starts),
                                     cell_labels=tuple(index + 1 for index in joined.keys)), joined)

    found = lint()
    changed: set[int] = set()
    if fix:
        for _ in range(MAX_ROUNDS):
            progress = False
            for index, findings in found.items():
                fixes = [f.fix for f in findings if fixable(f, unsafe)]
                if not fixes:
                    continue
                new, applied = apply_fixes(cells[index], fixes)  # type: ignore[arg-type]
                if applied and new != cells[index]:
                    cells[index] = new
                    changed.add(index)
                    outcome.fixed += applied
                    progress = True
            if not progress:
                break
            found = lint()
    for index in sorted(found):
        if found[index]:
            outcome.results.append((f"{display}:cell {index + 1}", found[index]))
            outcome.sources[f"{display}:cell {index + 1}"] = cells[index]
    if changed:
        spans = _source_spans(text)
        pieces, last = [], 0
        for index in sorted(changed):
            start, end = spans[index]
            pieces += [text[last:start], _render_source(text[start:end], _KEEP_ENDS.findall(cells[index]))]
            last = end
        outcome.new_text = "".join(pieces) + text[last:]
        if diff:
            outcome.diff = unified_diff(text, outcome.new_text, display)
    return outcome

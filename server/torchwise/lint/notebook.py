"""Linting Jupyter notebooks (``.ipynb``) named on the command line (pre-commit's
``jupyter`` files): the code cells are checked as one script, in order, so names
defined in one cell are known in the next; findings point at their cell
(``nb.ipynb:cell 3:2:1``). IPython magics and shell escapes (``%time``, ``!pip``)
are blanked first. ``--fix`` does not rewrite notebooks (yet): they are reported only.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from torchwise.lint.base import Finding

_BREAK = re.compile(r"\r\n|\r|\n")
_MAGIC = re.compile(r"^\s*[%!?]|^\s*\w+\s*=\s*[%!]")


class NotebookError(ValueError):
    """A file that is not a readable notebook; the message is one line."""


def script(path: Path) -> tuple[str, list[tuple[int, int]]]:
    """The code cells as one script, and for each of its lines (0-based) the cell
    number (1-based, as Jupyter shows cells) and the line within that cell."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise NotebookError(f"{path}: not a readable notebook ({exc.__class__.__name__})") from None
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for index, line in enumerate(_BREAK.split(text), start=1):
            lines.append("" if _MAGIC.match(line) else line)
            where.append((number, index))
    return "\n".join(lines) + "\n", where


def findings_by_cell(display: str, findings: list[Finding],
                     where: list[tuple[int, int]]) -> list[tuple[str, list[Finding]]]:
    """The findings of the joined script, moved to their cells: (``nb.ipynb:cell N``,
    findings with cell-relative lines, without fixes), in cell order."""
    out: dict[int, list[Finding]] = {}
    for f in findings:
        if not where:
            continue
        cell, line = where[min(max(f.line, 1), len(where)) - 1]
        moved = dataclasses.replace(f, line=line, end_line=line + max(f.end_line - f.line, 0), fix=None)
        out.setdefault(cell, []).append(moved)
    return [(f"{display}:cell {cell}", out[cell]) for cell in sorted(out)]

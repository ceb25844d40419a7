"""``# %%`` cells of a Python file (pure text work; no torch, no ast needed)."""

from __future__ import annotations

from torchwise.text import CELL_MARKER as MARKER, split_lines


def cell_at(source: str, line: int) -> tuple[str, int]:
    """The code of the cell containing 0-based ``line`` and the 0-based line it starts on.

    A cell runs from its marker line (kept: it is a comment, and keeping it keeps
    line numbers exact) up to the next marker. Text above the first marker is a
    cell of its own; a file without markers is one cell.
    """
    lines = split_lines(source, keepends=True)  # LSP's lines: a form feed is not a line end
    if not lines:
        return "", 0
    line = max(0, min(line, len(lines) - 1))
    markers = [index for index, text in enumerate(lines) if MARKER.match(text)]
    start = 0
    end = len(lines)
    for index in markers:
        if index <= line:
            start = index
        else:
            end = index
            break
    return "".join(lines[start:end]), start

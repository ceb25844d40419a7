"""A notebook's code cells as one Python module, and positions back to each cell.

The cells run in order in one namespace, so they are analysed as one module: code
cells joined in order (markdown skipped), IPython syntax blanked line by line so every
position keeps its place — ``%magic`` and ``!shell`` lines, ``name?`` help, whole
cells of non-Python cell magics (``%%bash``), and a one-line cell calling a line magic
without its ``%`` (``pip install timm``: IPython's automagic). A cell whose first line is
indented runs in IPython with that indentation taken off every line that starts with it;
so it is here, and positions on those lines move back by that many columns
(``CellModule.to_cell``). Lines follow one notion of a line (``\\n``, ``\\r\\n`` or
``\\r``). Shared by the language server and ``torchwise check``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from torchwise.records import replace
from torchwise.text import python_state

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_IPYTHON_LINE = re.compile(r"^\s*(?:[%!]|[A-Za-z_*][\w.*]*\?\??\s*$|\?)")
# ``files = !ls`` / ``t = %timeit -o f()``: IPython assigns a shell command's or a magic's
# result (the target kept, the value blanked)
_MAGIC_ASSIGN = re.compile(r"^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)[%!]")
# line magics (and the shell aliases IPython defines on POSIX) a one-line cell may call
# without its ``%``: IPython's automagic, applied to single-line cells only
_AUTOMAGIC = re.compile(
    r"^\s*(?:pip|conda|mamba|cd|pwd|env|set_env|load_ext|reload_ext|unload_ext|matplotlib|pylab|time|timeit|"
    r"run|ls|cat|mkdir|rmdir|rm|cp|mv|ldir|lf|lk|lx|history|who|whos|who_ls|reset|config|autoreload|"
    r"aimport|bookmark|pushd|popd|dhist|dirs|store|precision|sx|system|alias|unalias|xmode|lsmagic|"
    r"magic|pinfo|psearch|save|load|writefile|tensorflow_version)(?:\s|$)")
# cell magics whose body is still Python
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "px"})


def split_lines(text: str) -> list[str]:
    """Lines without their endings (``\\n``, ``\\r\\n``, ``\\r``); "" has one empty line."""
    return _LINE_BREAK.split(text)


def python_lines(text: str) -> list[str]:
    """A cell's lines with IPython-only syntax blanked (same number of lines). Only at
    the start of a logical line, as IPython reads them: a ``%`` that starts a line inside
    brackets is Python's modulo (``print('%d'\n      % n)``); a shell or magic line that
    ends in a backslash goes on to the next."""
    lines = split_lines(text)
    if _automagic(lines):  # ``pip install timm`` alone in a cell: IPython runs ``%pip install timm``
        return [""] * len(lines)
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        name = first[2:].split(None, 1)[0] if len(first) > 2 else ""
        if name not in _PYTHON_CELL_MAGICS:
            return [""] * len(lines)
        lines = [""] + lines[1:]
    out = []
    depth, quote, continued = 0, None, False  # where the Python above stands (text.python_state)
    shell_goes_on = False
    for line in lines:
        if shell_goes_on:  # the continuation of a shell or magic line
            out.append("")
            shell_goes_on = line.endswith("\\")
            continue
        if depth == 0 and quote is None and not continued:  # a logical line starts here
            assign = _MAGIC_ASSIGN.match(line)
            if assign is not None:
                out.append(assign.group(1) + "None")
                shell_goes_on = line.endswith("\\")
                continue
            if _IPYTHON_LINE.match(line):
                indent = line[: len(line) - len(line.lstrip())]
                out.append(f"{indent}pass" if indent else "")
                shell_goes_on = line.endswith("\\")
                continue
        depth, quote, continued = python_state(line + "\n", depth, quote)
        out.append(line)
    return out


def _automagic(lines: list[str]) -> bool:
    """A cell of one line (what follows it empty) that names a line magic without its ``%``
    and is not Python: IPython's automagic runs it as the magic (on single-line cells only)."""
    if not lines or any(line.strip() for line in lines[1:]) or not _AUTOMAGIC.match(lines[0]):
        return False
    try:
        compile(lines[0].strip(), "<cell>", "exec")
    except SyntaxError:
        return True
    except (ValueError, RecursionError, MemoryError):
        return False
    return False


def leading_indent(lines: list[str]) -> int:
    """How many characters of indentation IPython takes off a cell's lines: the
    whitespace its first line that is not blank starts with (pasted code); IPython takes
    it off every line that starts with it and leaves the others as they are (its
    ``leading_indent`` transform: rattaoup/pytorch-simclr's cell indents only its first
    statement). 0: the cell stays as it is."""
    first = next((line for line in lines if line.strip()), "")
    return len(first) - len(first.lstrip(" \t"))


def _dedented(lines: list[str], n: int) -> tuple[list[str], frozenset[int]]:
    """``lines`` less the first code line's ``n`` columns of indentation where they start
    with it, and the lines (0-based) that do not (not blank), which keep their columns."""
    if not n:
        return lines, frozenset()
    first = next(line for line in lines if line.strip())
    prefix = first[:n]
    out, kept = [], set()
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            out.append(line[n:])
        elif line.strip():
            out.append(line)
            kept.add(i)
        else:
            out.append("")  # (a blank line shorter than that)
    return out, frozenset(kept)


def shift_finding(finding, delta: int, cell_lines: int, dedent: int = 0, end_dedent: int | None = None):
    """A finding moved by ``delta`` lines and ``dedent`` columns (``end_dedent`` for its end
    line, where that differs: a cell whose indentation was taken off some lines); its fix
    kept only if it stays inside the cell, and never in a dedented cell (a line it inserts
    would lack the cell's indentation)."""
    end_dedent = dedent if end_dedent is None else end_dedent
    fix = finding.fix
    if fix is not None:
        edits = tuple(replace(e, line=e.line + delta, end_line=e.end_line + delta) for e in fix.edits)
        inside = not dedent and not end_dedent and all(1 <= e.line and e.end_line <= cell_lines for e in edits)
        fix = replace(fix, edits=edits) if inside else None
    return replace(finding, line=finding.line + delta, end_line=finding.end_line + delta,
                   col=finding.col + dedent, end_col=finding.end_col + end_dedent, fix=fix)


@dataclass
class CellModule:
    """The joined source and where each code cell starts in it (0-based line)."""

    source: str
    starts: list[int]  # per code cell, in order
    keys: list[object]  # per code cell: the caller's key (a cell uri, a cell index)
    lengths: list[int]
    dedents: list[int] = field(default_factory=list)  # per code cell: columns taken off its lines
    kept: list[frozenset[int]] = field(default_factory=list)  # per code cell: lines left as they were

    def dedent(self, i: int, line: int | None = None) -> int:
        """Columns taken off cell ``i``'s lines (``line``: off that 0-based line of it)."""
        if i >= len(self.dedents) or (line is not None and i < len(self.kept) and line in self.kept[i]):
            return 0
        return self.dedents[i]

    def to_cell(self, finding) -> tuple[int, object] | None:
        """(cell position, ``finding`` in that cell's own lines and columns), or None when
        it lies in no cell."""
        placed = self.cell_at(finding.line - 1)
        if placed is None:
            return None
        i = placed[0]
        start = self.starts[i]
        if self.dedent(i) and finding.fix is not None:
            finding = replace(finding, fix=None)  # (a dedented cell: no fix, even on a line it left as it was)
        return i, shift_finding(finding, -start, self.lengths[i], self.dedent(i, finding.line - 1 - start),
                                self.dedent(i, finding.end_line - 1 - start))

    def cell_at(self, line: int) -> tuple[int, int] | None:
        """(cell position, 0-based line in the cell) of a 0-based module line."""
        i = bisect_right(self.starts, line) - 1
        if i < 0 or line - self.starts[i] >= self.lengths[i]:
            return None
        return i, line - self.starts[i]

    def module_line(self, key: object, line: int) -> int | None:
        """The 0-based module line of 0-based ``line`` in the cell ``key``."""
        try:
            i = self.keys.index(key)
        except ValueError:
            return None
        return self.starts[i] + line


def join_cells(cells: list[tuple[object, str]]) -> CellModule:
    """``cells``: (key, text) of the code cells in order."""
    parts: list[str] = []
    starts, keys, lengths, dedents, kept = [], [], [], [], []
    line = 0
    for key, text in cells:
        lines = python_lines(text)
        n = leading_indent(lines)
        lines, left = _dedented(lines, n)
        starts.append(line)
        keys.append(key)
        lengths.append(len(lines))
        dedents.append(n)
        kept.append(left)
        parts.extend(lines)
        line += len(lines)
    return CellModule("\n".join(parts) + "\n", starts, keys, lengths, dedents, kept)

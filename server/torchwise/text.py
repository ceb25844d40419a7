"""One notion of a line and of a column, for every part of torchwise.

Python's tokenizer and the Language Server Protocol end a line only at ``\\n``,
``\\r\\n`` or ``\\r``. ``str.splitlines`` also breaks at ``\\v``, ``\\f``,
``\\x1c``–``\\x1e``, U+0085, U+2028 and U+2029, so using it puts positions on the
wrong line as soon as such a character sits in a comment or a string. Everything
that splits a source, maps an offset to a (line, column) or converts a column to the
client's units goes through this module.

Columns here are str indices (code points) unless a name says otherwise; LSP
columns are in the negotiated encoding's code units (UTF-16 by default).

``parse_python`` is the one way the user's code is parsed without the warnings Python
prints about it.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings

from torchwise.lazy_pattern import lazy

_BREAK = lazy(r"\r\n|\r|\n")
# VS Code / Jupyter / Spyder cell markers at the start of a line: "# %%", "#%%", "# %% [markdown]"
CELL_MARKER = lazy(r"^#\s*%%")
# What str.splitlines also breaks at; each tested with ``in`` (a fast scan of the text,
# where a regex character class costs ~70x more on a large file)
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


# Python's lexical structure, as far as where a line starts: what the scanner stops at
# outside strings (comments, string openers with their prefix letters, brackets and
# backslash continuations), and the rest of each kind of string
_PY_TOKEN = lazy(r"#[^\n]*|[rRbBuUfFtT]{0,2}(\"\"\"|'''|\"|')|[(\[{]|[)\]}]|\\\r?\n")
_STRING_END = {
    '"""': lazy(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
    "'''": lazy(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
    '"': lazy(r'(?:[^"\\\n]|\\.)*"', re.S),
    "'": lazy(r"(?:[^'\\\n]|\\.)*'", re.S),
}


def python_state(text: str, depth: int = 0, quote: str | None = None) -> tuple[int, str | None, bool]:
    """Where Python code stands after ``text`` (whole lines): the depth of open
    brackets, the quotes of a triple-quoted string left open, and whether it ends in a
    backslash continuation. ``depth``/``quote``: where it stood before ``text``, to scan
    a source line by line. A small regex scanner: it needs no parse, so half-typed code
    and IPython lines answer too."""
    pos, end = 0, len(text)
    if quote is not None:
        closing = _STRING_END[quote].match(text)
        if closing is None:
            return depth, quote, False
        pos = closing.end()
    continued = False
    while True:
        m = _PY_TOKEN.search(text, pos)
        if m is None:
            return depth, None, continued
        token = m.group()
        continued = False
        opened = m.group(1)
        if opened:
            closing = _STRING_END[opened].match(text, m.end())
            if closing is None:
                if len(opened) == 3:
                    return depth, opened, False
                newline = text.find("\n", m.end())  # unterminated one-line string: skip the line
                pos = end if newline < 0 else newline
                continue
            pos = closing.end()
            continue
        if token[0] == "#":
            pass
        elif token in "([{":
            depth += 1
        elif token in ")]}":
            depth = max(0, depth - 1)
        else:  # backslash-newline
            continued = m.end() == end
        pos = m.end()


def parse_python(text: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """``ast.parse(text)`` without printing the warnings of the user's code ("invalid
    escape sequence": a SyntaxWarning, a DeprecationWarning before 3.12), which are theirs
    to see from their own tools: Python prints them on stderr, the server's log and the
    terminal of ``torchwise check``. Raises what ``ast.parse`` raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename, mode=mode, type_comments=False)


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """``text`` split at ``\\n``, ``\\r\\n`` and ``\\r`` only.

    Like ``str.splitlines``, a final line end does not start an empty last line
    (``"a\\n"`` → ``["a\\n"]``); an empty text has no lines."""
    if not any(c in text for c in _OTHER_BREAKS):  # the usual case: str.splitlines agrees (faster)
        return text.splitlines(keepends)
    lines: list[str] = []
    start = 0
    for match in _BREAK.finditer(text):
        lines.append(text[start:match.end() if keepends else match.start()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


def split_lines_full(text: str) -> list[str]:
    """Lines with their ends kept, plus the (possibly empty) text after the last line
    end: the document as an LSP client sees it (``"a\\n"`` has two lines, the second
    empty). ``"".join`` of the result is ``text``."""
    lines = split_lines(text, keepends=True)
    if not lines or lines[-1].endswith(("\n", "\r")):
        lines.append("")
    return lines


def line_starts(text: str) -> list[int]:
    """Offsets where each LSP line of ``text`` starts (always at least ``[0]``)."""
    starts = [0]
    for match in _BREAK.finditer(text):
        starts.append(match.end())
    return starts


def strip_eol(line: str) -> str:
    """``line`` without its line end (only ``\\r\\n``, ``\\r``, ``\\n`` count)."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def newline_of(text: str) -> str:
    """The line ending ``text`` uses (its first one; ``\\n`` when it has none)."""
    match = _BREAK.search(text)
    return match.group(0) if match else "\n"


# ------------------------------------------------------------------ columns
def units(text: str, encoding: str = UTF16) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def to_units(line: str, col: int, encoding: str = UTF16) -> int:
    """A str column on ``line`` (no line end) in client code units."""
    col = max(0, min(col, len(line)))
    if encoding == UTF32 or line.isascii():
        return col
    return units(line[:col], encoding)


def from_units(line: str, col: int, encoding: str = UTF16) -> int:
    """A client column (code units) on ``line`` (no line end) as a str index, clamped
    to the line's length as LSP asks; a column inside a surrogate pair or a UTF-8
    sequence means the start of that character."""
    if col <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(col, len(line))
    count = 0
    for index, ch in enumerate(line):
        if encoding == UTF8:
            count += len(ch.encode("utf-8", "surrogatepass"))
        else:
            count += 2 if ord(ch) > 0xFFFF else 1
        if count > col:
            return index
    return len(line)


def byte_to_char(line: str, byte_col: int) -> int:
    """An ``ast`` column (UTF-8 bytes) on ``line`` as a str index."""
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", errors="ignore"))


def char_to_byte(line: str, col: int) -> int:
    """A str index on ``line`` as an ``ast`` column (UTF-8 bytes)."""
    if line.isascii():
        return col
    return len(line[:col].encode("utf-8", "surrogatepass"))


class LineIndex:
    """Offsets ↔ (line, column) for one text, with LSP's line semantics.

    Lines and columns are 0-based here (LSP's convention); out-of-range positions
    clamp as the LSP specification says: a column past the line's end means the end
    of the line (before its line end), a line past the last means the end of the text."""

    __slots__ = ("text", "starts")

    def __init__(self, text: str):
        self.text = text
        self.starts = line_starts(text)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        """Line ``index`` (0-based) without its line end; "" past the end."""
        if not 0 <= index < len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return strip_eol(self.text[start:end])

    def replaced(self, start: int, end: int, new_text: str) -> "LineIndex":
        """The index of ``text[:start] + new_text + text[end:]``, updated from this one
        without rescanning the whole text (a keystroke in a 2 MB file costs a few
        milliseconds, not a full scan). Only line breaks near the edit are re-read: a
        ``\r`` before it and a ``\n`` after it may join or part."""
        old = self.text
        text = old[:start] + new_text + old[end:]
        delta = len(new_text) - (end - start)
        starts = self.starts
        keep = max(1, bisect.bisect_right(starts, start - 1))  # 0 and starts <= start - 1 stay
        tail = bisect.bisect_left(starts, end + 2)              # starts >= end + 2 only shift
        w0, w1 = max(0, start - 2), min(len(text), start + len(new_text) + 2)
        middle = [m.end() for m in _BREAK.finditer(text, w0, w1)
                  if start <= m.end() <= start + len(new_text) + 1]
        index = LineIndex.__new__(LineIndex)
        index.text = text
        index.starts = starts[:keep] + middle + [s + delta for s in starts[tail:]]
        return index

    def offset(self, line: int, col_units: int, encoding: str = UTF16) -> int:
        """The str offset of an LSP position (clamped)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        text = self.line(line)
        return self.starts[line] + from_units(text, col_units, encoding)

    def position(self, offset: int, encoding: str = UTF16) -> tuple[int, int]:
        """The LSP (line, column in code units) of a str offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        text = self.line(line)
        return line, to_units(text, offset - self.starts[line], encoding)

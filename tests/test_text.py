"""The line and column model (torchwise.text) and the server's document model
(torchwise.documents), checked against small independent reference models."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from torchwise import text as tx
from torchwise.documents import Document

# every character str.splitlines() breaks at; only the first three end a line for Python and LSP
UNICODE_BREAKS = ["\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
ALPHABET = st.sampled_from(["a", "b", " ", "é", "😀", "𝔘", "\t", "#", "(", *UNICODE_BREAKS])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


def ref_lines(text: str) -> list[tuple[str, str]]:
    """(line body, line end) pairs the way LSP counts: the last line may be empty."""
    out, start = [], 0
    for m in re.finditer(r"\r\n|\r|\n", text):
        out.append((text[start:m.start()], m.group()))
        start = m.end()
    out.append((text[start:], ""))
    return out


def ref_offset(text: str, line: int, col16: int) -> int:
    """The str offset of an LSP (UTF-16) position, clamped as the specification says."""
    lines = ref_lines(text)
    if line >= len(lines):
        return len(text)
    before = sum(len(b) + len(e) for b, e in lines[:line])
    body = lines[line][0]
    encoded = body.encode("utf-16-le")[: 2 * col16]
    return before + len(encoded.decode("utf-16-le", errors="ignore"))


@given(TEXTS)
def test_split_lines_matches_lsp_lines(text: str) -> None:
    expected = [b + e for b, e in ref_lines(text)]
    if expected[-1] == "":
        expected.pop()
    assert tx.split_lines(text, keepends=True) == expected
    assert tx.split_lines(text) == [tx.strip_eol(line) for line in expected]
    assert "".join(tx.split_lines_full(text)) == text
    assert len(tx.split_lines_full(text)) == len(ref_lines(text)) == len(tx.line_starts(text))


@given(TEXTS, st.integers(0, 12), st.integers(0, 50))
def test_offsets_match_reference(text: str, line: int, col: int) -> None:
    index = tx.LineIndex(text)
    assert index.offset(line, col) == ref_offset(text, line, col)


@given(TEXTS, st.data())
def test_position_round_trip(text: str, data) -> None:
    index = tx.LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1  # between \r and \n is not a position
    line, col = index.position(offset)
    assert index.offset(line, col) == offset


def test_form_feed_and_unicode_separators_do_not_start_lines() -> None:
    source = "import torch\n# part one\x0cpart two\ny = 1\u2028 # still line 3\r\nz\rw"
    assert tx.split_lines(source) == ["import torch", "# part one\x0cpart two", "y = 1\u2028 # still line 3", "z", "w"]
    assert tx.newline_of("a\r\nb\n") == "\r\n"
    assert tx.newline_of("ab") == "\n"


@pytest.mark.parametrize("line, col, units16, units8", [
    ("x = '😀'", 6, 7, 9),     # after the emoji: 2 UTF-16 units, 4 UTF-8 bytes
    ("x = 'é'", 6, 6, 7),
    ("abc", 2, 2, 2),
])
def test_column_units(line: str, col: int, units16: int, units8: int) -> None:
    assert tx.to_units(line, col) == units16
    assert tx.to_units(line, col, tx.UTF8) == units8
    assert tx.to_units(line, col, tx.UTF32) == col
    assert tx.from_units(line, units16) == col
    assert tx.from_units(line, units8, tx.UTF8) == col
    assert tx.from_units(line, 10_000) == len(line)  # past the end: clamped to the line


def test_byte_columns() -> None:
    line = "y = '😀' + é"
    char = line.index("+")
    byte = len(line[:char].encode())
    assert tx.byte_to_char(line, byte) == char
    assert tx.char_to_byte(line, char) == byte


# ------------------------------------------------------------------ document model
def _document(text: str) -> Document:
    return Document("file:///t.py", source=text, version=1)


def _change(line: int, col: int, end_line: int, end_col: int, new: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(line=line, character=col),
                          end=types.Position(line=end_line, character=end_col)), text=new)


def test_edit_after_a_form_feed_lands_on_the_editors_line() -> None:
    doc = _document("a\x0cb\nc\n")
    doc.apply_change(_change(1, 0, 1, 1, "X"))  # the editor's line 1 is "c"
    assert doc.source == "a\x0cb\nX\n"


def test_edit_past_the_line_end_is_clamped_to_the_line_end() -> None:
    doc = _document("ab\ncd\n")
    doc.apply_change(_change(0, 3, 0, 3, "!"))  # line length + 1
    assert doc.source == "ab!\ncd\n"
    doc.apply_change(_change(9, 0, 9, 0, "tail"))  # a line past the end: the end of the text
    assert doc.source == "ab!\ncd\ntail"


def test_positions_convert_in_utf16() -> None:
    doc = _document("s = '😀'\r\nt\r")
    assert doc.position_from_client_units(types.Position(line=0, character=7)).character == 6
    assert doc.position_to_client_units(types.Position(line=0, character=6)).character == 7
    assert doc.lines == ("s = '😀'\r\n", "t\r")


EDIT = st.tuples(st.integers(0, 8), st.integers(0, 14), st.integers(0, 8), st.integers(0, 14), TEXTS)


@settings(max_examples=int(os.environ.get("TORCHWISE_FUZZ_EXAMPLES", "300")),
          suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.lists(EDIT, max_size=12))
def test_document_equals_reference_after_random_edits(text: str, edits) -> None:
    doc = _document(text)
    expected = text
    for line, col, end_line, end_col, new in edits:
        a, b = ref_offset(expected, line, col), ref_offset(expected, end_line, end_col)
        if b < a:
            a, b = b, a
        expected = expected[:a] + new + expected[b:]
        doc.apply_change(_change(line, col, end_line, end_col, new))
        assert doc.source == expected


@settings(max_examples=int(os.environ.get("TORCHWISE_FUZZ_EXAMPLES", "500")))
@given(TEXTS, st.data())
def test_incremental_line_index_equals_a_fresh_one(text: str, data) -> None:
    index = tx.LineIndex(text)
    for _ in range(data.draw(st.integers(1, 6))):
        a = data.draw(st.integers(0, len(index.text)))
        b = data.draw(st.integers(a, len(index.text)))
        new = data.draw(TEXTS)
        index = index.replaced(a, b, new)
        fresh = tx.LineIndex(index.text)
        assert index.starts == fresh.starts, (repr(index.text), a, b, repr(new))

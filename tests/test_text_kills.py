"""Exact values for torchwise.text that kill its surviving mutants: the encodings by the
names LSP negotiates, characters outside the BMP, a lone ``\\r`` at the end."""

from __future__ import annotations

import pytest

from torchwise.text import LineIndex, from_units, split_lines_full, to_units, units

FACE = "\U0001F600"  # 4 UTF-8 bytes, 2 UTF-16 units, 1 code point


@pytest.mark.parametrize("encoding, expected", [("utf-8", 4 + 1 + 2), ("utf-16", 2 + 1 + 1), ("utf-32", 1 + 1 + 1)])
def test_units_by_the_names_lsp_uses(encoding, expected):
    assert units(FACE + "a\u00e9", encoding) == expected


@pytest.mark.parametrize("encoding, col, units_col", [
    ("utf-8", 1, 4), ("utf-8", 2, 5), ("utf-16", 1, 2), ("utf-16", 2, 3), ("utf-32", 1, 1), ("utf-32", 2, 2),
])
def test_columns_round_trip(encoding, col, units_col):
    line = FACE + "ab"
    assert to_units(line, col, encoding) == units_col
    assert from_units(line, units_col, encoding) == col


def test_a_column_inside_a_character_means_its_start():
    line = "a" + FACE + "b"
    assert [from_units(line, c, "utf-16") for c in range(5)] == [0, 1, 1, 2, 3]
    assert [from_units(line, c, "utf-8") for c in range(7)] == [0, 1, 1, 1, 1, 2, 3]
    assert from_units(line, 99, "utf-32") == 3


@pytest.mark.parametrize("text, lines", [
    ("a\r", ["a\r", ""]),
    ("a\n", ["a\n", ""]),
    ("a\r\n", ["a\r\n", ""]),
    ("a", ["a"]),
    ("", [""]),
])
def test_split_lines_full(text, lines):
    assert split_lines_full(text) == lines


def test_line_index_positions_in_each_encoding():
    index = LineIndex("x\r\n" + FACE + "y\rz")
    assert index.position(4, "utf-16") == (1, 2)
    assert index.position(4, "utf-8") == (1, 4)
    assert index.position(4, "utf-32") == (1, 1)
    assert index.offset(1, 2, "utf-16") == 4
    assert index.offset(1, 4, "utf-8") == 4
    assert index.offset(2, 1, "utf-32") == 7


def test_a_lone_surrogate_counts_as_three_utf8_bytes():
    """JSON can carry a lone surrogate into a document; no column function may raise on it."""
    from torchwise.text import byte_to_char, char_to_byte

    line = "a\ud800b"
    assert units(line, "utf-8") == 5
    assert to_units(line, 2, "utf-8") == 4
    assert from_units(line, 4, "utf-8") == 2
    assert char_to_byte(line, 2) == 4
    assert byte_to_char(line, 4) == 1  # the surrogate itself does not decode back


def test_the_bmp_boundary():
    """U+FFFF is one UTF-16 unit, U+10000 (the first outside the BMP) two."""
    assert units("\uffff", "utf-16") == 1
    assert units("\U00010000", "utf-16") == 2
    assert from_units("\uffffa", 1, "utf-16") == 1
    assert from_units("\U00010000a", 2, "utf-16") == 1
    assert to_units("\U00010000a", 1, "utf-16") == 2


def test_a_byte_column_inside_a_character_means_its_start():
    from torchwise.text import byte_to_char

    assert [byte_to_char("\u00e9" + FACE + "x", b) for b in range(8)] == [0, 0, 1, 1, 1, 1, 2, 3]


def test_line_index_lines_and_clamping():
    index = LineIndex("a\r\nb\n")
    assert [index.line(i) for i in (-1, 0, 1, 2, 3)] == ["", "a", "b", "", ""]
    assert index.line_count == 3
    assert index.offset(-1, 5) == 0
    assert index.offset(9, 0) == len(index.text)
    assert index.offset(0, 99) == 1  # past the line's end: before its line end
    assert index.position(-4) == (0, 0)
    assert index.position(99) == (2, 0)

"""Where a snippet completion may start (completion.line_start_state / statement_word), at the
edges the LSP tests do not reach; written to kill the mutants tests/test_completion_lsp.py's
scanner cases left alive (scripts/mutation.sh completion.py --lines 44-112)."""

from __future__ import annotations

import pytest

from torchwise.completion import _WORD, line_start_state, statement_word


@pytest.mark.parametrize("text, state", [
    ("x = )\n", "code"),  # a stray closer never goes below zero...
    ("x = ())\ny = (\n", "bracket"),  # ...and the next opener counts again
    ("x = ((1)\n", "bracket"),
    ("x = (1)\n", "code"),
    ("x = [1,\n 2]\n", "code"),
    ("x = {\n", "bracket"),
    ('s = "unterminated', "code"),  # an unterminated one-line string at the very end
    ("s = 'a\\'b'\ny = 1\n", "code"),  # an escaped quote does not end the string
    ('s = "a\\"(b"\n', "code"),
    ("s = b'''\n", "string"),
    ('s = """a\n"""\n', "code"),
    ('s = """a""" + """\n', "string"),
    ("x = 1 \\\n", "continuation"),
    ("x = (1 + \\\n", "bracket"),  # inside brackets the bracket wins
    ("x = 1  # \\\n", "code"),  # a backslash in a comment continues nothing
    ("x = 1 \\\ny = 2\n", "code"),
    ("s = '#' + (\n", "bracket"),
    ("s = 'a' \\\r\n", "continuation"),
    ("x = 1  # a comment at the very end", "code"),  # no newline after it: still not a continuation
])
def test_line_start_state_edges(text, state):
    assert line_start_state(text) == state


@pytest.mark.parametrize("lines, line, character, expected", [
    (["pt"], 1, 0, None),  # one past the last line
    (["pt"], 0, 10, (0, "pt")),  # a column past the end means the end
    (["pt-x"], 0, 2, None),  # code ("-x") after the cursor
    (["pt-x"], 0, 4, (0, "pt-x")),
    (["  pt_1-a"], 0, 8, (2, "pt_1-a")),
    (["1pt"], 0, 3, None),  # a word starts with a letter or _: "1" is code before it
    (["_p"], 0, 2, (0, "_p")),
    (["\tpt"], 0, 3, (1, "pt")),
    (["pt", "x"], 1, 1, (0, "x")),
    (["x = 1", "pt"], 1, 2, (0, "pt")),
    (["x = (", "pt"], 1, 2, None),
    (["s = '''", "pt"], 1, 2, None),
    (["x = 1 \\", "pt"], 1, 2, None),
    (["pt   "], 0, 2, (0, "pt")),  # only spaces after
    (["pt #"], 0, 2, (0, "pt")),
    (["# note"], 0, 0, (0, "")),  # at column 0 nothing is before the cursor, a comment after it
])
def test_statement_word_edges(lines, line, character, expected):
    assert statement_word(lines, line, character) == expected


def test_statement_word_asks_the_state_of_the_whole_lines_above():
    asked = []

    def state(above: str) -> str:
        asked.append(above)
        return "code"

    assert statement_word(["a = 1", "b = 2", "pt"], 2, 2, state=state) == (0, "pt")
    assert asked == ["a = 1\nb = 2\n"]
    asked.clear()
    assert statement_word(["pt"], 0, 2, state=state) == (0, "pt")
    assert asked == [""]
    assert statement_word(["pt"], 0, 2, state=lambda above: "bracket") is None


def test_the_word_pattern():
    assert _WORD.search("x pt-train").group() == "pt-train"
    assert _WORD.search("x pt-train ") is None  # only at the end
    assert _WORD.search("-pt").group() == "pt"

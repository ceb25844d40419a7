"""Terminal semantics of run output (kernel/terminal.py): what the client shows is what a
Jupyter notebook shows for the same writes, whatever the chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from torchwise.kernel.terminal import TerminalStream


def reference(text: str) -> str:
    """Jupyter's rule, on the whole text at once: per line, what follows the last \\r, then \\b folded."""
    lines = text.replace("\r\n", "\n").split("\n")
    shown = []
    for line in lines:
        line = line.rsplit("\r", 1)[-1]
        out: list[str] = []
        for char in line:
            if char == "\b":
                if out:
                    out.pop()
            else:
                out.append(char)
        shown.append("".join(out))
    return "\n".join(shown)


class Client:
    """Applies (text, rewrite) deltas the way the output panel does."""

    def __init__(self) -> None:
        self.text = ""
        self.deltas = 0

    def apply(self, delta) -> None:
        if delta is None:
            return
        text, rewrite = delta
        self.deltas += 1
        if rewrite:
            self.text = self.text[: self.text.rfind("\n") + 1]
        self.text += text


def play(chunks, flush_every=1) -> Client:
    stream, client = TerminalStream(), Client()
    for index, chunk in enumerate(chunks, 1):
        stream.feed(chunk)
        if index % flush_every == 0:
            client.apply(stream.flush())
    client.apply(stream.flush())
    return client


def test_carriage_return_rewrites_the_line():
    assert play(["0\r", "1\r", "2\r", "done\n"]).text == "done\n"
    assert play(["a\nprogress 1", "\rprogress 2", "\rprogress 3\n", "b\n"]).text == "a\nprogress 3\nb\n"


def test_crlf_split_across_chunks_is_one_newline():
    assert play(["line\r", "\nnext\n"]).text == "line\nnext\n"


def test_a_trailing_carriage_return_keeps_the_line_until_more_comes():
    assert play(["50%\r"]).text == "50%"
    assert play(["50%\r", "75%\r"]).text == "75%"


def test_backspace_deletes_the_character_before_it():
    assert play(["abc\b\bX\n"]).text == "aX\n"
    assert play(["\b\bstart\n"]).text == "start\n"
    assert play(["ab", "\b", "c\n"]).text == "ac\n"


def test_a_fast_loop_folds_into_few_deltas():
    chunks = [f"\r{i:5d}/20000" for i in range(20000)] + ["\n"]
    client = play(chunks, flush_every=5000)
    assert client.text == "20000/20000\n".replace("20000/", "19999/")
    assert client.deltas <= 6


def test_appending_sends_only_the_new_text():
    stream = TerminalStream()
    stream.feed("hello ")
    assert stream.flush() == ("hello ", False)
    stream.feed("world\n")
    assert stream.flush() == ("world\n", False)
    stream.feed("\rnew")
    assert stream.flush() == ("new", False)  # the \r starts a fresh (empty) line: nothing to drop
    stream.feed("\rnewer")
    assert stream.flush() == ("er", False)  # still a prefix of what is shown: only the rest
    stream.feed("\rnext")
    assert stream.flush() == ("next", True)
    assert stream.flush() is None


def test_ansi_colours_pass_through():
    assert play(["\x1b[31mred\x1b[0m\n"]).text == "\x1b[31mred\x1b[0m\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab\r\n\b ", max_size=12), max_size=12), st.integers(1, 4))
def test_any_chunking_shows_what_jupyter_shows(chunks, flush_every):
    whole = "".join(chunks)
    expected = reference(whole)
    if whole.endswith("\r") and not whole.endswith("\r\n"):
        # a trailing \r has not cleared the line yet: the terminal still shows it
        expected = reference(whole[:-1])
    assert play(chunks, flush_every).text == expected

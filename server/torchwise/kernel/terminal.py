"""Terminal semantics for a run's text streams, in one place.

A progress bar (tqdm) or a ``print(..., end="\\r")`` loop writes thousands of updates to
one line. The bridge folds them here before anything is counted or sent: ``\\r`` (not
followed by ``\\n``) rewrites the current line, ``\\b`` deletes the character before it,
as Jupyter does. What the client gets is a delta against what it already shows: append
``text``, or, with ``rewrite``, first drop its unfinished last line. ANSI colour codes pass
through untouched (the client renders them).

Stdlib only: the bridge loads this file on the workspace interpreter.
"""

from __future__ import annotations

import re

_BACKSPACES = re.compile("[^\n\x08]\x08")


def _apply(line: str, segment: str) -> str:
    """``line`` after writing ``segment`` (which holds no newline)."""
    if "\r" in segment:
        line, segment = "", segment.rsplit("\r", 1)[1]
    if "\b" not in segment:
        return line + segment
    text = line + segment
    while True:
        folded = _BACKSPACES.sub("", text)
        if folded == text:
            return folded.replace("\b", "")  # a backspace at the start of a line does nothing
        text = folded


class TerminalStream:
    """One stream of one run: completed lines not yet sent, and the unfinished last line."""

    def __init__(self) -> None:
        self.shown = ""  # the unfinished line as the client shows it
        self.done: list[str] = []  # completed lines (with their newline) not yet sent
        self.line = ""  # the unfinished line now
        self.carriage = False  # the last chunk ended in "\r": a "\n" next makes it "\r\n"

    def feed(self, text: str) -> None:
        if self.carriage:
            self.carriage = False
            if not text.startswith("\n"):
                text = "\r" + text
        if text.endswith("\r"):
            self.carriage, text = True, text[:-1]
        text = text.replace("\r\n", "\n")
        pieces = text.split("\n")
        for piece in pieces[:-1]:
            self.done.append(_apply(self.line, piece) + "\n")
            self.line = ""
        self.line = _apply(self.line, pieces[-1])

    def pending(self) -> bool:
        return bool(self.done) or self.line != self.shown

    def completed_chars(self) -> int:
        return sum(len(line) for line in self.done)

    def flush(self) -> tuple[str, bool] | None:
        """The delta to send: (text, rewrite), or None when the client is up to date.
        A trailing "\r" leaves the line shown (the cursor is at its start) until more comes."""
        full = "".join(self.done) + self.line
        shown, self.shown, self.done = self.shown, self.line, []
        if full.startswith(shown):
            text = full[len(shown):]
            return (text, False) if text else None
        return full, True


__all__ = ["TerminalStream"]

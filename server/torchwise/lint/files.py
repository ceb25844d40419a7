"""Reading and writing users' files without ever losing a byte.

A file is read as bytes and decoded with the encoding Python itself would use
(its BOM or ``coding:`` cookie, else UTF-8, via ``tokenize.detect_encoding``).
Fixes are written back in that same encoding, with the BOM kept and line endings
untouched, through a temporary file in the same folder that is flushed, fsynced,
given the original's mode and renamed over the original: a failure at any point
(full disk, file-size limit, permissions) leaves the original byte-identical.
"""

from __future__ import annotations

import codecs
import io
import os
import tokenize
from pathlib import Path

from torchwise.records import record, setfield


class SourceError(Exception):
    """A file that cannot be read, decoded or written; the message is one line."""


@record(frozen=True)
class SourceFile:
    text: str            # decoded, without the BOM
    encoding: str        # a codec name, e.g. "utf-8", "latin-1"
    bom: bool            # the file starts with a UTF-8 BOM
    decodes: bool        # False: the bytes are not valid in ``encoding`` (text has U+FFFD)
    problem: str = ""    # why it does not decode, when it does not

    def __init__(self, text: str, encoding: str, bom: bool, decodes: bool, problem: str = "") -> None:
        setfield(self, "text", text)
        setfield(self, "encoding", encoding)
        setfield(self, "bom", bom)
        setfield(self, "decodes", decodes)
        setfield(self, "problem", problem)


# codecs that packages register to rewrite UTF-8 source as it is imported (future-fstrings
# backports f-strings): the text is UTF-8, and Python 3.6+ reads it as such once installed
_UTF8_TRANSFORMS = ("future_fstrings", "future-fstrings")


def decode_source(data: bytes, name: str = "<stdin>") -> SourceFile:
    """Decode the bytes of a Python file as Python would. Raises ``SourceError`` for
    an unknown or contradictory coding declaration."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = exc.msg if hasattr(exc, "msg") else str(exc)
        if not any(f"unknown encoding: {codec}" in message for codec in _UTF8_TRANSFORMS):
            raise SourceError(f"{name}: {message}") from None
        encoding = "utf-8"  # a source transform over UTF-8 (chrischoy/FCGF's ``coding: future_fstrings``)
    bom = encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        text = body.decode(codec)
        return SourceFile(text, codec, bom, True)
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        problem = f"invalid {codec} byte(s) at line {line} (byte offset {exc.start + (3 if bom else 0)})"
        return SourceFile(body.decode(codec, errors="replace"), codec, bom, False, problem)


def read_source_file(path: Path) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except RuntimeError as exc:  # Python 3.11's "Symlink loop"
        raise SourceError(f"{path}: cannot read: {exc}") from None
    return decode_source(data, str(path))


def encode_source(text: str, original: SourceFile, name: str) -> bytes:
    """``text`` in the original's encoding and BOM; ``SourceError`` when a character
    cannot be written in that encoding."""
    try:
        data = text.encode(original.encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(f"{name}: the fixed text has {text[exc.start:exc.end]!r}, which "
                          f"{original.encoding} cannot encode; file left unchanged") from None
    return codecs.BOM_UTF8 + data if original.bom else data


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the contents of ``path`` (a symlink's target, if it is one) with
    ``data`` atomically; on any error the original is untouched and ``SourceError``
    says why in one line."""
    try:
        target = path.resolve(strict=True)
        mode = target.stat().st_mode & 0o7777
    except (OSError, RuntimeError) as exc:
        raise SourceError(f"{path}: cannot write: {getattr(exc, 'strerror', None) or exc}") from None
    tmp_name = None
    try:
        import tempfile  # only --fix writes: kept off the start-up of a plain check

        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".torchwise-tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
        tmp_name = None
        try:  # make the rename itself durable
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass
    except OSError as exc:
        raise SourceError(f"{path}: cannot write: {exc.strerror or exc}; file left unchanged") from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass

"""``torchwise.lint.files`` in-process: decoding as Python does, encoding back byte for
byte, atomic writes that leave the original intact on failure. Whole values are
compared (the end-to-end CLI checks are in test_fix_files.py); fast enough to run
against every mutant of the module (scripts/mutation.sh)."""

from __future__ import annotations

import codecs
import os
import resource
import signal
import stat
from pathlib import Path

import pytest

from torchwise.lint.files import SourceError, SourceFile, decode_source, encode_source, read_source_file, write_atomic


@pytest.mark.parametrize("data, expected", [
    (b"x = 1\n", SourceFile("x = 1\n", "utf-8", False, True)),
    (codecs.BOM_UTF8 + b"x = 1\r\n", SourceFile("x = 1\r\n", "utf-8", True, True)),
    (b"# -*- coding: latin-1 -*-\nname = '\xe9'\n",
     SourceFile("# -*- coding: latin-1 -*-\nname = '\xe9'\n", "iso-8859-1", False, True)),
    (b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n",
     SourceFile("#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\u20ac'\n", "cp1252", False, True)),
    (b"", SourceFile("", "utf-8", False, True)),
])
def test_decode_source_as_python_does(data, expected):
    assert decode_source(data, "f.py") == expected


def test_undecodable_bytes_say_where():
    assert decode_source(b"a = 1\nb = '\xff'\n", "f.py") == SourceFile(
        "a = 1\nb = '\ufffd'\n", "utf-8", False, False, "invalid utf-8 byte(s) at line 2 (byte offset 11)")
    # the offset counts the BOM, as a hex editor would
    assert decode_source(codecs.BOM_UTF8 + b"a\nb\nc = '\xff'\n", "f.py").problem == (
        "invalid utf-8 byte(s) at line 3 (byte offset 12)")


def test_a_bad_coding_declaration_is_one_line():
    with pytest.raises(SourceError) as info:
        decode_source(b"# coding: no-such-codec\nx = 1\n", "bad.py")
    assert str(info.value) == "bad.py: unknown encoding: no-such-codec"
    with pytest.raises(SourceError) as info:
        decode_source(codecs.BOM_UTF8 + b"# coding: latin-1\n", "both.py")
    assert str(info.value) == "both.py: encoding problem: utf-8"


def test_a_source_transform_codec_over_utf8_reads_as_utf8():
    """chrischoy/FCGF starts files with ``# -*- coding: future_fstrings -*-`` (a codec the
    future-fstrings package registers): the text is UTF-8; it round-trips unchanged."""
    data = "# -*- coding: future_fstrings -*-\nname = 'é'\nprint(f'{name}')\n".encode("utf-8")
    source = decode_source(data, "f.py")
    assert source.text.endswith("print(f'{name}')\n") and source.encoding == "utf-8" and source.decodes
    assert encode_source(source.text, source, "f.py") == data


@pytest.mark.parametrize("data", [
    b"x = 1\r\ny = 2\r\n",
    codecs.BOM_UTF8 + b"x = '\xc3\xa9'\n",
    b"# coding: latin-1\nx = '\xe9'\r",
])
def test_encode_gives_back_the_same_bytes(data):
    source = decode_source(data, "f.py")
    assert encode_source(source.text, source, "f.py") == data


def test_encode_refuses_a_character_the_encoding_lacks():
    source = decode_source(b"# coding: latin-1\nx = 1\n", "f.py")
    with pytest.raises(SourceError) as info:
        encode_source("# coding: latin-1\nx = '\u20ac'\n", source, "f.py")
    assert str(info.value) == "f.py: the fixed text has '\u20ac', which iso-8859-1 cannot encode; file left unchanged"


def test_read_source_file(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_bytes(codecs.BOM_UTF8 + b"x = 1\n")
    assert read_source_file(path) == SourceFile("x = 1\n", "utf-8", True, True)
    with pytest.raises(SourceError) as info:
        read_source_file(tmp_path / "missing.py")
    assert str(info.value) == f"{tmp_path / 'missing.py'}: cannot read: No such file or directory"


def test_write_atomic_replaces_contents_keeps_mode_and_leaves_no_temporary(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(path, b"new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_atomic_through_a_symlink_writes_the_target(tmp_path: Path):
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_atomic(link, b"new\n")
    assert link.is_symlink() and target.read_bytes() == b"new\n"


def test_write_atomic_failure_leaves_the_original(tmp_path: Path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "a.py"
    path.write_bytes(b"old\n")
    os.chmod(folder, 0o500)
    try:
        with pytest.raises(SourceError) as info:
            write_atomic(path, b"new\n")
        assert str(info.value) == f"{path}: cannot write: Permission denied; file left unchanged"
        assert path.read_bytes() == b"old\n"
    finally:
        os.chmod(folder, 0o700)


def test_write_atomic_past_the_file_size_limit_leaves_the_original_and_no_temporary(tmp_path: Path):
    path = tmp_path / "a.py"
    path.write_bytes(b"old\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, hard))
    try:
        with pytest.raises(SourceError) as info:
            write_atomic(path, b"x" * 5000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert str(info.value) == f"{path}: cannot write: File too large; file left unchanged"
    assert path.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_write_atomic_on_a_missing_file(tmp_path: Path):
    with pytest.raises(SourceError) as info:
        write_atomic(tmp_path / "gone.py", b"x")
    assert str(info.value) == f"{tmp_path / 'gone.py'}: cannot write: No such file or directory"
    assert list(tmp_path.iterdir()) == []


def test_source_file_defaults_and_immutability():
    import dataclasses

    source = decode_source(b"x = 1\n")
    assert source.problem == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.text = "y"  # type: ignore[misc]
    with pytest.raises(SourceError) as info:
        decode_source(b"# coding: no-such-codec\n")
    assert str(info.value) == "<stdin>: unknown encoding: no-such-codec"

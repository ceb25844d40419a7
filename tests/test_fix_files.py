"""`torchwise check --fix` never corrupts, truncates or re-encodes a file: the
right line after form feeds, encodings and BOMs kept, CRLF kept (inserted lines
too), undecodable files refused, write failures leave the original byte-identical,
symlink loops and unreadable folders are errors (exit 2), not crashes."""

from __future__ import annotations

import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = [sys.executable, "-m", "torchwise", "check"]
SUPER = b"import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 2)\n"


def check(*args: str, cwd: Path, stdin: bytes | None = None, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([*CHECK, *args], cwd=cwd, input=stdin, capture_output=True, timeout=120,
                          preexec_fn=preexec)


def test_form_feed_in_a_comment_does_not_move_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "ff.py"
    path.write_bytes(b"import torch\n# part one\x0cpart two\ny = torch.ones(3)\nx = torch.log(1 + y)\n")
    proc = check("--fix", "ff.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert path.read_bytes() == b"import torch\n# part one\x0cpart two\ny = torch.ones(3)\nx = torch.log1p(y)\n"


@pytest.mark.parametrize("sep", ["\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_every_unicode_separator_keeps_fixes_on_their_line(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "sep.py"
    path.write_text(f"import torch\n# a{sep}b\ny = torch.ones(3)\nx = torch.log(1 + y)\n", encoding="utf-8")
    assert check("--fix", "sep.py", cwd=tmp_path).returncode == 0
    assert path.read_text(encoding="utf-8") == f"import torch\n# a{sep}b\ny = torch.ones(3)\nx = torch.log1p(y)\n"


def test_latin1_file_with_cookie_keeps_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    original = "# -*- coding: latin-1 -*-\nimport torch\nname = 'café'\nx = torch.log(1 + torch.ones(2))\n"
    path.write_bytes(original.encode("latin-1"))
    assert check("--fix", "latin.py", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == original.replace("torch.log(1 + torch.ones(2))", "torch.log1p(torch.ones(2))").encode("latin-1")
    run = subprocess.run([sys.executable, "-c", "exec(open('latin.py','rb').read()); print(name)"], cwd=tmp_path,
                         capture_output=True, text=True, encoding="utf-8")
    assert run.stdout.strip() == "café"


def test_utf8_bom_and_crlf_are_kept_and_inserted_lines_use_crlf(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + SUPER.replace(b"\n", b"\r\n"))
    proc = check("--fix", "bom.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"        super().__init__()\r\n        self.fc" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_cr_only_line_endings_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "cr.py"
    path.write_bytes(SUPER.replace(b"\n", b"\r"))
    assert check("--fix", "cr.py", cwd=tmp_path).returncode == 0
    data = path.read_bytes()
    assert b"super().__init__()\r" in data and b"\n" not in data


def test_invalid_bytes_are_refused_for_fixing(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    original = b"import torch\nname = '\xff\xfe'\nx = torch.log(1 + torch.ones(2))\n"
    path.write_bytes(original)
    proc = check("--fix", "bad.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"invalid utf-8 byte(s) at line 2" in proc.stderr and b"not fixed" in proc.stderr
    assert path.read_bytes() == original
    assert b"All checks passed" not in proc.stdout


def test_unknown_coding_cookie_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "odd.py").write_bytes(b"# coding: klingon\nimport torch\n")
    proc = check("odd.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"klingon" in proc.stderr
    assert b"All checks passed" not in proc.stdout


def test_stdin_honours_the_cookie_and_reports_invalid_utf8_plainly(tmp_path: Path) -> None:
    latin = "# coding: latin-1\nimport torch\ns = 'é'\nx = torch.log(1 + torch.ones(2))\n".encode("latin-1")
    proc = check("--fix", "-", cwd=tmp_path, stdin=latin)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == latin.replace(b"torch.log(1 + torch.ones(2))", b"torch.log1p(torch.ones(2))")
    proc = check("-", cwd=tmp_path, stdin=b"import torch\ns = '\xff'\ntorch.no_grad()\n")
    assert proc.returncode == 2
    assert b"invalid utf-8" in proc.stderr
    assert b"SyntaxError" not in proc.stdout
    assert b"TW107" in proc.stdout  # the other rules still ran


def _limit_file_size(limit: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_failed_write_leaves_the_original_intact(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    original = b"import torch\n" + b"".join(b"w%d = torch.ones(%d)\n" % (i, i) for i in range(400)) + \
        b"x = torch.log(1 + torch.ones(2))\n"
    path.write_bytes(original)
    path.chmod(0o640)
    proc = check("--fix", "big.py", cwd=tmp_path, preexec=_limit_file_size(len(original) // 2))
    assert proc.returncode == 2
    assert b"cannot write" in proc.stderr and b"left unchanged" in proc.stderr
    assert path.read_bytes() == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name != "big.py"]  # no temporary file left behind
    assert b"fixed" not in proc.stdout


def test_fix_keeps_the_mode_and_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(b"import torch\nx = torch.log(1 + torch.ones(2))\n")
    real.chmod(0o750)
    (tmp_path / "link.py").symlink_to("real.py")
    assert check("--fix", "link.py", cwd=tmp_path).returncode == 0
    assert (tmp_path / "link.py").is_symlink()
    assert b"log1p" in real.read_bytes()
    assert stat.S_IMODE(real.stat().st_mode) == 0o750


def test_symlink_loop_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "a.py").symlink_to("b.py")
    (tmp_path / "b.py").symlink_to("a.py")
    proc = check("a.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr and b"a.py" in proc.stderr
    assert b"All checks passed" not in proc.stdout


@pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) is needed to run as another user")
def test_unreadable_folder_is_reported(tmp_path_factory) -> None:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="torchwise-perm-"))  # pytest's own temp root is private to root
    root.chmod(0o755)
    (root / "locked").mkdir()
    (root / "ok.py").write_text("import torch\n")
    (root / "locked" / "hidden.py").write_text("import torch\n")
    (root / "locked").chmod(0o000)
    command = [*CHECK, "--no-respect-gitignore", str(root)]
    if os.geteuid() == 0:  # root reads everything: check as an unprivileged user
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        probe = subprocess.run([*command[:4], sys.executable, "-c", "import torchwise"],
                               capture_output=True, text=True, timeout=120, cwd="/")
        if probe.returncode != 0:  # e.g. the checkout lies in a folder only root may enter
            (root / "locked").chmod(0o755)
            shutil.rmtree(root)
            pytest.skip(f"the unprivileged user cannot import torchwise here: {probe.stderr.strip()[-200:]}")
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    finally:
        (root / "locked").chmod(0o755)
        shutil.rmtree(root)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "locked: cannot read directory" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "All checks passed" not in proc.stdout

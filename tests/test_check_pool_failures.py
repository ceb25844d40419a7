"""A file whose check raises, or a pool worker that dies, costs that file one clear line
(exit 2); every other file is still checked and reported, as one process reports it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from torchwise.cli import main
from torchwise.lint import cli, engine

BAD = "import torch\nfrom torch.autograd import Variable\nv = Variable(torch.ones(2))\n"


def tree(root: Path, files: int = 24) -> Path:
    for i in range(files):
        (root / f"m{i:02d}.py").write_text(BAD)
    (root / "m17_bad.py").write_text("x = 1\n")
    return root


def failing(how: str):
    real = engine.lint_source

    def lint_source(source, path="<stdin>", *args, **kwargs):
        if path.endswith("_bad.py"):
            if how == "dies":
                os._exit(3)  # in a pool worker: the process is gone, its chunk's results with it
            raise RuntimeError("boom")
        return real(source, path, *args, **kwargs)

    return lint_source


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--statistics", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fix", [False, True])
def test_a_file_that_raises_is_one_line_in_either_shape(tmp_path: Path, capsys, monkeypatch, fix) -> None:
    monkeypatch.chdir(tree(tmp_path))
    monkeypatch.setattr(engine, "lint_source", failing("raises"))
    monkeypatch.setattr(cli, "lint_source", engine.lint_source)  # the one-process path's own import
    args = ("--diff",) if fix else ()
    monkeypatch.setenv("TORCHWISE_JOBS", "1")
    single = check(capsys, ".", *args)
    monkeypatch.setenv("TORCHWISE_JOBS", "2")
    assert check(capsys, ".", *args) == single
    assert single[0] == 2
    assert single[2].splitlines() == ["torchwise: error: m17_bad.py: could not be checked: RuntimeError('boom')"] \
        or fix  # --diff also says what it would fix
    assert "m17_bad.py: could not be checked" in single[2] and (fix or "24  TW602" in single[1])


def test_a_worker_that_dies_costs_its_file_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tree(tmp_path))
    monkeypatch.setenv("TORCHWISE_JOBS", "1")
    expected = check(capsys, ".")[1]  # the report without the bad file's (it has no findings)
    monkeypatch.setattr(engine, "lint_source", failing("dies"))
    monkeypatch.setenv("TORCHWISE_JOBS", "2")
    code, out, err = check(capsys, ".")
    assert code == 2 and out == expected and "24  TW602" in out
    assert err.splitlines() == ["torchwise: error: m17_bad.py: the process checking it died; the other files "
                                "were checked"]

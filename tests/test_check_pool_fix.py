"""``torchwise check --fix`` (and ``--diff``) on many files runs in the process pool: the
files, the report and the exit status are a single process's, byte for byte, and a
write that fails in a worker leaves that file byte-identical and says so."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from torchwise.cli import main
from torchwise.lint import pool

FIXTURES = Path(__file__).parent / "lint_fixtures"
FIXABLE = sorted(p for p in FIXTURES.glob("*.py") if p.with_name(p.stem + ".fixed.py").exists())


def tree(root: Path, copies: int = 40) -> Path:
    """Copies of the fixtures that have fixes, in three folders, plus a notebook-free package."""
    root.mkdir()
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "engine.py").write_text("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    pass\n")
    for i in range(copies):
        source = FIXABLE[i % len(FIXABLE)]
        (root / f"d{i % 3}").mkdir(exist_ok=True)
        shutil.copy(source, root / f"d{i % 3}" / f"{i:02d}_{source.name}")
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_in(root: Path, jobs: str, args: tuple[str, ...], capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    monkeypatch.setenv("TORCHWISE_JOBS", jobs)
    code = main(["check", *args, "."])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("args", [("--fix", "--show-fixes"), ("--fix", "--unsafe-fixes", "--output-format", "json"),
                                  ("--diff",)])
def test_the_pool_fixes_what_one_process_fixes(tmp_path: Path, capsys, monkeypatch, args) -> None:
    assert len(FIXABLE) >= 5
    single_root, pooled_root = tree(tmp_path / "a"), tree(tmp_path / "b")
    before = files_of(single_root)
    calls = []
    real = pool.fix_many
    monkeypatch.setattr(pool, "fix_many", lambda *a, **k: calls.append(len(a[0])) or real(*a, **k))
    single = run_in(single_root, "1", args, capsys, monkeypatch)
    assert calls == []
    pooled = run_in(pooled_root, "2", args, capsys, monkeypatch)
    assert calls and calls[0] >= 40  # the pool did the fixing
    assert pooled == single
    assert files_of(pooled_root) == files_of(single_root)
    if "--diff" in args:
        assert files_of(single_root) == before and single[0] == 1 and single[1].count("\n--- ") >= 10
    else:
        changed = [name for name, data in files_of(single_root).items() if data != before[name]]
        assert len(changed) >= 10  # the fixes were written, not only counted
    assert run_in(pooled_root, "2", args, capsys, monkeypatch)[1:] == run_in(single_root, "1", args, capsys,
                                                                           monkeypatch)[1:]


def _limit_file_size(limit: int):
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_write_that_fails_in_a_worker_leaves_the_file_and_says_so(tmp_path: Path) -> None:
    big = b"import torch\n" + b"".join(b"w%d = torch.ones(%d)\n" % (i, i) for i in range(2000)) + \
        b"x = torch.log(1 + torch.ones(2))\n"
    small = b"import torch\nx = torch.log(1 + torch.ones(2))\n"
    outcomes = []
    for jobs in ("1", "2"):
        root = tmp_path / f"jobs{jobs}"
        root.mkdir()
        for i in range(24):
            (root / f"f{i:02d}.py").write_bytes(big if i == 7 else small)
        (root / "f07.py").chmod(0o640)
        env = dict(os.environ, TORCHWISE_JOBS=jobs, PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run([sys.executable, "-m", "torchwise", "check", "--isolated", "--fix", "."], cwd=root,
                              env=env, capture_output=True, timeout=300, preexec_fn=_limit_file_size(len(big) // 2))
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count(b"cannot write") == 1 and b"f07.py" in proc.stderr
        assert b"left unchanged" in proc.stderr
        assert (root / "f07.py").read_bytes() == big and (root / "f07.py").stat().st_mode & 0o777 == 0o640
        fixed = small.replace(b"torch.log(1 + torch.ones(2))", b"torch.log1p(torch.ones(2))")
        assert all((root / f"f{i:02d}.py").read_bytes() == fixed for i in range(24) if i != 7)
        assert sorted(p.name for p in root.iterdir()) == [f"f{i:02d}.py" for i in range(24)]  # no temp files
        outcomes.append((proc.stdout, proc.stderr.replace(b"jobs1", b"jobs2")))
    assert outcomes[0] == outcomes[1]


def test_without_fork_the_workers_build_their_own_model_and_report_the_same(tmp_path: Path, capsys,
                                                                          monkeypatch) -> None:
    """Where processes cannot fork (macOS, Windows), jobs travel whole to spawned workers."""
    import multiprocessing

    single_root, pooled_root = tree(tmp_path / "a", copies=24), tree(tmp_path / "b", copies=24)
    (single_root / "train.py").write_text("import torch\nfrom pkg.engine import Net\n\ntorch.save(Net(), 'm.pt')\n")
    (pooled_root / "train.py").write_text((single_root / "train.py").read_text())
    for args in (("--output-format", "json"), ("--fix", "--show-fixes")):
        single = run_in(single_root, "1", args, capsys, monkeypatch)
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
        pooled = run_in(pooled_root, "2", args, capsys, monkeypatch)
        monkeypatch.undo()
        assert pooled == single
        assert "TW502" in single[1] or "--fix" in args  # the project's facts reach spawned workers
    assert files_of(pooled_root) == files_of(single_root)

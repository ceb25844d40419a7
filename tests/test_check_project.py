"""``torchwise check`` on a tree: cross-module facts from the project model (a model class
defined in another module is an ``nn.Module``), and the process pool for many files, whose
report is the single process's, byte for byte, in the same order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from torchwise.cli import main

ENGINE = '''\
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)
'''
TRAIN = '''\
import torch
from pkg.engine import Net

model = Net()
torch.save(model, "m.pt")
'''
FIXTURES = Path(__file__).parent / "lint_fixtures"


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def workspace(root: Path, copies: int = 0) -> None:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "engine.py").write_text(ENGINE)
    (root / "train.py").write_text(TRAIN)
    fixtures = sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))
    for i in range(copies):
        source = fixtures[i % len(fixtures)]
        (root / "more" / f"d{i % 3}").mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / "more" / f"d{i % 3}" / f"{i:02d}_{source.name}")


def test_a_module_defined_elsewhere_is_known(tmp_path: Path, capsys, monkeypatch) -> None:
    workspace(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = check(capsys, "train.py")
    assert code == 1 and "train.py:5:1: TW502 [save-whole-model]" in out, out
    code, out, _ = check(capsys, str(tmp_path))  # from anywhere: the checked directory is a root
    assert "TW502" in out


@pytest.mark.parametrize("args", [(), ("--output-format", "json"), ("--statistics",)])
def test_the_pool_reports_what_one_process_reports(tmp_path: Path, capsys, monkeypatch, args) -> None:
    workspace(tmp_path, copies=40)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TORCHWISE_JOBS", "1")
    single = check(capsys, ".", *args)
    monkeypatch.setenv("TORCHWISE_JOBS", "2")
    from torchwise.lint import pool

    assert pool.workers_for(43) == 2
    pooled = check(capsys, ".", *args)
    assert pooled == single
    assert single[0] == 1 and "TW502" in single[1]  # the project's facts reach the workers too
    assert check(capsys, ".", *args) == single  # the same order every time


def test_the_pool_is_not_used_for_a_few_files_or_fixes(monkeypatch) -> None:
    from torchwise.lint import pool

    monkeypatch.setenv("TORCHWISE_JOBS", "2")
    assert pool.workers_for(1) == 1 and pool.workers_for(15) == 1 and pool.workers_for(16) == 2
    monkeypatch.setenv("TORCHWISE_JOBS", "1")
    assert pool.workers_for(10_000) == 1



def test_every_worker_starts_with_the_first_files_read() -> None:
    """A streaming run sends a chunk once its files are read: a first chunk of a tenth of
    the tree kept the second core idle while the parent read it (about 0.1 s of 500,000 lines)."""
    from torchwise.lint import pool

    for files, workers in ((3400, 2), (40, 2), (17, 2), (1000, 4)):
        sizes = pool._sizes(files, workers)
        assert sum(sizes) == files and all(size > 0 for size in sizes)
        assert sizes[:workers] == [pool.MIN_FILES_PER_WORKER] * workers
        assert max(sizes) > pool.MIN_FILES_PER_WORKER or files < 100  # then large chunks, shrinking

def test_a_check_keeps_a_few_analyses_not_every_file_it_lints(tmp_path: Path) -> None:
    """Analyses are cyclic: a check that kept every linted file's analysis grew without
    bound (and the collector walked all of them, again and again)."""
    from torchwise.lint import pool
    from torchwise.lint.engine import lint_source, project_context

    workspace(tmp_path, copies=pool.CHECK_UNITS + 8)
    files = sorted(tmp_path.rglob("*.py"))
    with project_context(pool.project_for([str(tmp_path)])) as project:
        for path in files:
            lint_source(path.read_text(), str(path))
        held = {id(u.analysis) for u in (*project._units.values(), *project._adopted.values())}
        assert 0 < len(held) <= pool.CHECK_UNITS + pool.ADOPTED_UNITS < len(files)
        assert project.unit("pkg.engine") is not None  # an evicted module comes back when asked


def test_a_check_keeps_the_last_linted_files_apart_from_the_modules_importers_ask_for(tmp_path: Path) -> None:
    """Linted files' analyses stay only while a sibling may import them (kept alive long,
    each was freed out of the caches: a tenth of a check's CPU), and do not push out
    the modules that later files import."""
    from torchwise.lint import pool
    from torchwise.lint.engine import lint_source, project_context

    workspace(tmp_path, copies=pool.CHECK_UNITS + 8)
    engine = tmp_path / "pkg" / "engine.py"
    with project_context(pool.project_for([str(tmp_path)])) as project:
        assert project.unit("pkg.engine") is not None  # built for an importer
        built = project._units[engine].analysis
        for path in sorted((tmp_path / "more").rglob("*.py")):
            lint_source(path.read_text(), str(path))
        held = [u.analysis for u in (*project._units.values(), *project._adopted.values())]
        assert len(held) == 1 + pool.ADOPTED_UNITS
        assert project.unit("pkg.engine").analysis is built  # not built again


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_file_git_ignores_is_checked_when_named(tmp_path: Path, capsys, monkeypatch) -> None:
    """The project model skips what git ignores, but a file named on the command line is
    still checked, with its imports resolved."""
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    workspace(tmp_path)
    (tmp_path / "bundled").mkdir()
    (tmp_path / "bundled" / "train.py").write_text(TRAIN)
    (tmp_path / ".gitignore").write_text("bundled/\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = check(capsys, ".")
    assert "bundled" not in out and "train.py:5:1: TW502" in out, out
    code, out, _ = check(capsys, "bundled/train.py")
    assert code == 1 and "bundled/train.py:5:1: TW502 [save-whole-model]" in out, out


def test_a_dropped_analysis_leaves_no_cyclic_garbage(tmp_path: Path, monkeypatch) -> None:
    """Function summaries are a query of the analysis, not attributes hung on its syntax
    nodes: an analysis a check drops is freed by reference counting, and the collector
    (whose scans cost a check about a tenth of its time) finds nothing to do."""
    import gc

    from torchwise.lint import engine, pool

    workspace(tmp_path)
    helper = "def fit(model, opt, x):\n    model.train()\n    model(x).sum().backward()\n    opt.step()\n"
    (tmp_path / "pkg" / "helpers.py").write_text(helper)
    loop = "from pkg.helpers import fit\n\n\ndef run(model, opt, xs):\n    for x in xs:\n        fit(model, opt, x)\n"
    monkeypatch.chdir(tmp_path)
    rules = list(engine.all_rules())
    with engine.project_context(pool.project_for(["."])):
        engine.lint_source(loop, str(tmp_path / "first.py"), rules=rules)  # warm: imports, knowledge
        gc.collect()
        enabled = gc.isenabled()
        gc.disable()
        try:
            for i in range(pool.CHECK_UNITS + 3):  # the project keeps a few; the others are dropped
                engine.lint_source(loop, str(tmp_path / f"loop{i}.py"), rules=rules)
            assert gc.collect() == 0
        finally:
            if enabled:
                gc.enable()

"""The pre-commit hooks, run for real: ``pre-commit`` installs torchwise from a local
git repository (a snapshot of this checkout, at a commit SHA, as the README says to
pin it) into its own environment and runs the hooks on a temporary project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900),
              pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is in the dev extra; not installed here")]

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


def _snapshot_of_this_checkout(dest: Path) -> str:
    """A git repository holding this checkout's working tree (what pre-commit installs);
    returns its commit SHA."""
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("server", "knowledge", "snippets"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return _git(dest, "rev-parse", "HEAD")


def test_pre_commit_runs_the_hooks_for_real(tmp_path: Path) -> None:
    sha = _snapshot_of_this_checkout(tmp_path / "torchwise-src")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.torchwise]\nexclude = ["generated"]\n')
    (project / "train.py").write_text("import torch\n\ntorch.no_grad()\nscaler = torch.cuda.amp.GradScaler()\n")
    (project / "generated").mkdir()
    (project / "generated" / "stub.py").write_text("import torch\ntorch.no_grad()\n")
    (project / "ok.py").write_text("import torch\n")
    (project / "notes.txt").write_text("torch.no_grad()\n")
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": ["import torch\n", "torch.no_grad()\n"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (project / "explore.ipynb").write_text(json.dumps(notebook))
    # the README's snippet, with this snapshot as the repository and its SHA as rev
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "rev:" in snippet and "id: torchwise-check" in snippet
    config = snippet.replace("https://github.com/OWNER/torchwise", str(tmp_path / "torchwise-src"))
    config = config.replace("COMMIT_SHA", sha).replace("# - id: torchwise-fix", "- id: torchwise-fix")
    assert "- id: torchwise-fix" in config
    (project / ".pre-commit-config.yaml").write_text(config)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)  # the hook runs the torchwise pre-commit installed, not this checkout's
    done = subprocess.run([PRE_COMMIT, "run", "torchwise-check", "--all-files"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=800)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "train.py:3:1: TW107" in out and "train.py:4:10: TW404" in out
    assert "explore.ipynb:cell 1:2:1: TW107" in out  # notebooks are checked (types_or: jupyter)
    assert "generated" not in out  # exclude honoured for files pre-commit names (--force-exclude)
    assert "notes.txt" not in out and "ok.py" not in out
    # the fix hook rewrites the safe fix and fails the commit, as pre-commit hooks do
    done = subprocess.run([PRE_COMMIT, "run", "torchwise-fix", "--all-files"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=800)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'torch.amp.GradScaler("cuda")' in (project / "train.py").read_text()
    assert (project / "generated" / "stub.py").read_text() == "import torch\ntorch.no_grad()\n"

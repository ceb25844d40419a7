"""The wheel carries the knowledge base and snippets, so an installed server finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
    )
    (path,) = out.glob("torchwise-*.whl")
    return path


def test_wheel_contents(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "torchwise/server.py" in names
    assert "torchwise/runtime_docs/docworker.py" in names
    assert any(n.startswith("torchwise/_data/knowledge/api/") and n.endswith(".toml") for n in names)
    assert any(n.startswith("torchwise/_data/knowledge/rules/") and n.endswith(".md") for n in names)
    assert any(n.startswith("torchwise/_data/snippets/") and n.endswith(".code-snippets") for n in names)
    assert not any("tests/" in n or n.startswith("client/") for n in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not [r for r in requires if "torch" in r.split(";")[0]], requires  # the server never needs torch


def test_installed_wheel_finds_its_data(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True)
    code = (
        "from torchwise.resources import data_dir\n"
        "from torchwise.knowledge import KnowledgeBase\n"
        f"assert str(data_dir('knowledge')).startswith({str(target)!r}), data_dir('knowledge')\n"
        "print(len(KnowledgeBase.load()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 200

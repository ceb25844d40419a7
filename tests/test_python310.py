"""The oldest supported Python (pyproject: requires-python >= 3.10) runs the linter for real:
``torchwise check`` on the whole lint fixture corpus gives, under Python 3.10 with the .vsix's
bundled libraries, byte for byte the output of the Python running the tests."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from vsix_build import ensure_vsix

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "bundled" / "libs"  # npm run bundle-python (the .vsix build) fills it


def _python310() -> str | None:
    candidates = [os.environ.get("TORCHWISE_PYTHON310", ""), shutil.which("python3.10") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.10*/bin/python3.10")))
    for candidate in filter(None, candidates):
        proc = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 10))"],
                              capture_output=True, text=True)  # fmt: skip
        if proc.stdout.strip() == "True":
            return candidate
    return None


def _check(python: str, libs: list[Path]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in [ROOT / "server", *libs]))
    return subprocess.run(
        [python, "-m", "torchwise", "check", "tests/lint_fixtures", "--select", "ALL", "--output-format", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.timeout(1500)  # may wait for the .vsix build
def test_check_under_python_310_equals_the_current_python():
    python = _python310()
    if python is None:
        pytest.skip("no Python 3.10 here (set TORCHWISE_PYTHON310 to one)")
    ensure_vsix()  # its build fills bundled/libs
    old = _check(python, [BUNDLED])
    assert old.stderr == "" and old.returncode == 1, old.stderr[-2000:]  # findings: exit 1, no error
    current = _check(sys.executable, [])
    assert old.stdout == current.stdout
    assert old.stdout.count('"code": "TW') > 100  # the corpus was really checked

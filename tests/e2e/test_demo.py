"""`scripts/demo.sh` runs up to "ready" and never deletes what a user added to or
changed in its workspace."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demo(workspace: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, TORCHWISE_DEMO_EXIT_AFTER_READY="1", TORCHWISE_DEMO_WORKSPACE=str(workspace),
               PORT=str(_free_port()))
    return subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)


def test_demo_starts_and_keeps_the_users_files(tmp_path: Path) -> None:
    workspace = tmp_path / "samples"
    first = _demo(workspace)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert "Torchwise is running" in first.stdout
    assert "created the sample workspace" in first.stderr
    sample = sorted(p.name for p in (ROOT / "samples").iterdir())
    assert sorted(p.name for p in workspace.iterdir()) == sample
    (workspace / "mine.py").write_text("print('my work')\n")
    edited = workspace / sample[0]
    edited.write_text("# my edit\n")
    second = _demo(workspace)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert "your changes there are kept" in second.stderr
    assert "the extension is up to date" in second.stderr  # nothing changed: no second build
    assert (workspace / "mine.py").read_text() == "print('my work')\n"
    assert edited.read_text() == "# my edit\n"


def test_demo_calls_no_gallery_and_shows_no_parent_git_toast() -> None:
    """The demo's code-server has no extension gallery (the workbench would call open-vsx.org,
    unreachable offline; test_vscode.py checks the page a code-server started so serves) and
    opens its sample workspace, which lives inside this repository, without the "git
    repository found in parent folders" toast."""
    import json
    import re

    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    exported = re.search(r"^export EXTENSIONS_GALLERY='([^']*)'$", script, re.MULTILINE)
    assert exported and json.loads(exported.group(1)) == {}  # no serviceUrl: the gallery is off
    assert exported.start() < script.index('"$CODE_SERVER" "${CS_ARGS[@]}" >')  # set before code-server starts
    settings = re.search(r'settings\.json" <<JSON\n(.*?)\nJSON\n', script, re.DOTALL)
    assert settings and json.loads(settings.group(1))["git.openRepositoryInParentFolders"] == "never"

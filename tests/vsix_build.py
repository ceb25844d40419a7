"""The packaged extension (`npm run package` → torchwise-<version>.vsix) that the real-VS-Code
tests, tests/test_vsix.py, tests/test_python310.py (its bundled/libs) and scripts/demo.sh use.

Built when it is missing or older than one of its inputs, under a lock (.cache/vsix.lock, the
one demo.sh takes too): the suite runs on several pytest-xdist workers, and a second build
rewriting the archive while another test installs it would hand that test a truncated file.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = json.loads((ROOT / "package.json").read_text())["version"]
VSIX = ROOT / f"torchwise-{VERSION}.vsix"
# What the .vsix is built from (scripts/demo.sh reads the same list): when one is newer, it is rebuilt.
INPUTS = (ROOT / "scripts" / "vsix-inputs.txt").read_text(encoding="utf-8").split()


def newest_input_mtime() -> float:
    newest = 0.0
    for rel in INPUTS:
        path = ROOT / rel
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for sub in path.rglob("*"):
                if sub.is_file() and "__pycache__" not in sub.parts:
                    newest = max(newest, sub.stat().st_mtime)
    return newest


def ensure_vsix() -> Path:
    """The up-to-date .vsix, built here if needed; raises RuntimeError with the build's output."""
    lock_path = ROOT / ".cache" / "vsix.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if os.environ.get("TORCHWISE_E2E_REUSE_VSIX") == "1" and VSIX.exists():  # quick local iterations
            return VSIX
        if VSIX.exists() and VSIX.stat().st_mtime >= newest_input_mtime():
            return VSIX
        if not (ROOT / "node_modules" / "@vscode" / "vsce").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True, capture_output=True)
        proc = subprocess.run(["npm", "run", "package"], cwd=ROOT, capture_output=True, text=True, timeout=1200)
        if proc.returncode != 0 or not VSIX.exists():
            raise RuntimeError(f"npm run package failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return VSIX

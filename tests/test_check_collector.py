"""``torchwise check`` as its own process raises the collector's young-generation
threshold (``engine.collect_less``): with the default one, the first allocation after
each lint scanned every object the lint had allocated (the live tree and indexes), half
an ``ast.parse`` of the file. A caller's ``main([...])`` leaves its own process alone."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from torchwise.cli import main
from torchwise.lint.engine import CHECK_YOUNG_LIMIT

ROOT = Path(__file__).resolve().parent.parent
TRAIN = "import torch\n\nfor x in loader:\n    loss = model(x)\n    loss.backward()\n    optimizer.step()\n"

# counts the collections of a check run from inside the process, on stderr (the
# check ends with os._exit: nothing runs after it)
PROBE = """
import gc, sys
from torchwise.lint import engine
linted = [0]
def count(phase, info):
    if phase == "stop" and linted[0]:
        print("collection after a lint, threshold", gc.get_threshold()[0], file=sys.stderr, flush=True)
gc.callbacks.append(count)
real = engine.lint_source
def lint_source(*args, **kwargs):
    linted[0] += 1
    return real(*args, **kwargs)
engine.lint_source = lint_source  # before torchwise.lint.cli imports it
sys.argv = ["torchwise", *sys.argv[1:]]
from torchwise.cli import main
main()
"""


def _check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "server"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", PROBE, "check", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_check_process_does_not_scan_its_lint_after_each_file(tmp_path: Path):
    (tmp_path / "train.py").write_text(TRAIN * 400)  # 2,400 lines: far under the limit
    proc = _check(tmp_path, "--statistics", "train.py")
    assert proc.returncode == 1 and "TW101" in proc.stdout, proc.stderr
    assert "collection after a lint" not in proc.stderr, proc.stderr  # (the default threshold: one)


def test_a_long_run_still_collects(tmp_path: Path):
    """Garbage (a dropped analysis is cyclic) is still collected, once per limit's worth."""
    (tmp_path / "big.py").write_text(TRAIN * 36_000)  # 216,000 lines: over a million objects
    proc = _check(tmp_path, "--statistics", "big.py")
    assert proc.returncode == 1, proc.stderr
    lines = [line.split()[-1] for line in proc.stderr.splitlines() if line.startswith("collection after")]
    assert lines and all(int(limit) == CHECK_YOUNG_LIMIT for limit in lines), proc.stderr


def test_main_called_by_a_caller_leaves_its_collector_alone(tmp_path: Path, capsys, monkeypatch):
    (tmp_path / "train.py").write_text(TRAIN)
    monkeypatch.chdir(tmp_path)
    before = gc.get_threshold()
    assert main(["check", "train.py"]) == 1
    assert gc.get_threshold() == before

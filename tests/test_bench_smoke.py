"""Smoke runs of the benchmarks users run, with tiny sizes: each must finish and print
its ratio lines. No thresholds (timings on a shared machine are not assertions)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script, args, patterns", [
    ("lint_speed.py", ["--lines", "200", "--torchfix-lines", "100", "--editor-lines", "100", "--changes", "3",
                       "--repeat", "1", "--skip-torchfix"],
     [r"engine, default rules +[\d.]+ ms +[\d.]+x ast\.parse", r"engine, ALL rules +[\d.]+ ms +[\d.]+x ast\.parse",
      r"p95 +[\d.]+ ms +max +[\d.]+ ms +\(p95 is [\d.]+x the 50 ms goal\)",
      r"edit -> full report +p50 +[\d.]+ ms +p95 +[\d.]+ ms +[\d.]+x the pushed p50",
      r"re-pull, unchanged +p50 +[\d.]+ ms .*x the pushed p50", r"workspace/diagnostic poll +p50 .*x the pushed p50"]),
    ("lsp_latency.py", ["--hovers", "5", "--lines", "100"],
     [r"torchwise / jedi-language-server", r"median hover +[\d.]+x", r"p95 hover +[\d.]+x",
      r"start-up +[\d.]+x", r"RSS +[\d.]+x"]),
    ("reliability.py", ["--hovers", "3", "--edits", "20", "--big-lines", "500"],
     [r"hover, small file, large one edited median +[\d.]+ ms +p95 +[\d.]+ ms +ratio \(median\) [\d.]+x",
      r"RSS \d+ MB -> \d+ MB \([\d.]+x\)"]),
    ("project_check.py", ["--modules", "4", "--skip-single"],
     [r"check \(project model, pool\) +[\d.]+ ms +[\d.]+x ast\.parse", r"background indexing \(busy\) +[\d.]+ ms +[\d.]+x",
      r"server RSS after indexing +[\d.]+ MB"]),
    ("kernel_latency.py", ["--runs", "3", "--starts", "1"],
     [r"trivial run round trip, median of 3: .* ratio [\d.]+x", r"kernel ready with torch, median of 1: .* ratio [\d.]+x"]),
])
def test_benchmark_runs_and_prints_its_ratios(script, args, patterns):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "server"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    missing = [p for p in patterns if not re.search(p, proc.stdout)]
    assert not missing, f"{script} did not print {missing}:\n{proc.stdout[-3000:]}"


def test_instruction_counts_run_and_print_their_ratio():
    """``lint_speed.py --instructions``: valgrind counts both sides (setup subtracted), the
    same in every run where address randomisation can be turned off."""
    import shutil

    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed: the instruction counts are skipped (apt-get install valgrind)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "server"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "lint_speed.py"), "--instructions",
                           "--instructions-lines", "100"], capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"engine, default rules +[\d.]+ M instructions +[\d.]+x ast\.parse", proc.stdout), proc.stdout
    if "setarch -R is unavailable" not in proc.stdout:  # addresses fixed: a second run counts the same
        again = subprocess.run([sys.executable, str(ROOT / "bench" / "lint_speed.py"), "--instructions",
                                "--instructions-lines", "100"], capture_output=True, text=True, timeout=600, cwd=ROOT,
                               env=env)
        counts = [[float(c) for c in re.findall(r"([\d.]+) M instructions", out)] for out in (proc.stdout, again.stdout)]
        # within 2 % (randomised addresses moved them up to 10 %): under a parallel test run one
        # count moved by a rounding step (ast.parse 7.9 vs 8.0 M) while the other stayed put
        assert counts[0] and len(counts[0]) == len(counts[1]), counts
        assert all(abs(a - b) <= 0.02 * max(a, b) + 0.1 for a, b in zip(*counts)), counts

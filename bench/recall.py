"""Recall of `torchwise check` on a held-out set of real mistakes, per kind.

The set lives outside the repository (code from other projects stays out of it).
Its layout: one folder per case, holding the fixture files (``.py``, ``.ipynb``,
several modules where the mistake spans them) and a ``CASE`` file::

    kind = helpers
    rule = missing-zero-grad
    source = https://github.com/...

A case is found when ``torchwise check`` (default rules, no configuration), run in
the case's folder as its own project, reports the expected rule anywhere in it.
Prints found/total per kind and overall; asserts nothing.

Run: ``.venv/bin/python bench/recall.py /path/to/heldout/cases [--verbose]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _read_case(folder: Path) -> dict[str, str]:
    meta = {}
    for line in (folder / "CASE").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            meta[key.strip()] = value.strip()
    return meta


def _check(folder: Path) -> list[dict]:
    """Runs the CLI in the case's folder; one JSON object per finding."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "server") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "torchwise", "check", "--isolated", "--exit-zero",
         "--output-format", "json-lines", "."],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )
    if proc.returncode not in (0, 1):
        print(f"  {folder.name}: check failed: {proc.stderr.strip()[:200]}", file=sys.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="folder holding one folder per case")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every case")
    args = parser.parse_args()
    folders = sorted(p for p in args.cases.iterdir() if (p / "CASE").is_file())
    if not folders:
        print(f"no cases (folders with a CASE file) under {args.cases}", file=sys.stderr)
        return 2
    found: dict[str, list[bool]] = defaultdict(list)
    missed: list[str] = []
    for folder in folders:
        meta = _read_case(folder)
        names = {f["name"] for f in _check(folder)}
        hit = meta["rule"] in names
        found[meta["kind"]].append(hit)
        if not hit:
            missed.append(f"{folder.name} (expects {meta['rule']}; got {sorted(names) or 'nothing'})")
        if args.verbose:
            print(f"{'found ' if hit else 'MISSED'} {folder.name}: {meta['rule']}")
    total = sum(len(v) for v in found.values())
    hits = sum(sum(v) for v in found.values())
    print(f"{'kind':<14}{'found':>6}{'total':>7}{'recall':>9}")
    for kind in sorted(found):
        v = found[kind]
        print(f"{kind:<14}{sum(v):>6}{len(v):>7}{sum(v) / len(v):>9.0%}")
    print(f"{'all':<14}{hits:>6}{total:>7}{hits / total:>9.0%}")
    if missed:
        print("\nmissed:")
        for line in missed:
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much of the torch/torchvision code in a tree the hover answers, and from where.

Every Name/Attribute use in the tree's Python files is resolved statically by the
server's own Analysis, the way hover does (imports, aliases, inferred instances,
methods through base classes). Each use of a torch/torchvision/torchaudio name counts
once; the outermost name of a dotted chain is the one counted (``torch.nn.Linear``,
not also ``torch.nn``), imports are not uses. A use is

- *curated* when the knowledge base has an entry for it (the hover shows it),
- *answered* when it is curated or the installed torch has a docstring for it (the
  runtime-docstring fallback, asked of the docs worker in its own process exactly as
  the server does; torchvision names count only when torchvision imports there).

    python bench/knowledge_coverage.py TREE [TREE ...] [--missing 25] [--interpreter PY]

prints, per tree, the uses and distinct names with the curated and answered shares
(weighted by use and by distinct name) and the most used names without an entry.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from torchwise.analysis import Analysis  # noqa: E402
from torchwise.knowledge import default_knowledge  # noqa: E402

ROOTS = ("torch", "torchvision", "torchaudio")
WORKER = Path(__file__).resolve().parents[1] / "server" / "torchwise" / "runtime_docs" / "docworker.py"


def uses_in_file(path: Path) -> Counter:
    """Qualified torch names used in one file, with how often."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return Counter()
    analysis = Analysis(source, str(path))
    counts: Counter = Counter()
    for node, scope in analysis.indexed_nodes():
        if isinstance(node, ast.alias):
            continue
        parent = analysis.parent(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            continue  # an inner part of a dotted chain: the chain's last name is the use
        value = analysis.resolve(node, scope)
        if value is None or value.kind != "symbol" or value.qualname.split(".")[0] not in ROOTS:
            continue
        counts[value.qualname] += 1
    return counts


def entry_for(kb, analysis_for_mro: Analysis, qualname: str):
    """The entry hover would show: the name itself, or a method through the class's bases."""
    entry = kb.get(qualname)
    if entry is None and "." in qualname:
        owner, _, attr = qualname.rpartition(".")
        if owner.rsplit(".", 1)[-1][:1].isupper():
            for klass in analysis_for_mro.mro(owner)[1:]:
                entry = kb.get(f"{klass}.{attr}")
                if entry is not None:
                    break
    return entry


def runtime_documented(names: list[str], interpreter: str) -> tuple[set[str], set[str]]:
    """(names with a docstring, names that exist) per the docs worker on ``interpreter``."""
    if not names:
        return set(), set()
    request = json.dumps({"names": names}) + "\n"
    try:
        proc = subprocess.run([interpreter, str(WORKER)], input=request, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"runtime docs unavailable: {exc}", file=sys.stderr)
        return set(), set()
    lines = proc.stdout.splitlines()
    if len(lines) < 2 or not json.loads(lines[0]).get("ready"):
        print(f"runtime docs unavailable: {lines[:1] or proc.stderr[-300:]}", file=sys.stderr)
        return set(), set()
    results = json.loads(lines[1]).get("results", {})
    exists = {name for name, doc in results.items() if doc is not None}
    return {name for name in exists if results[name].get("doc") or results[name].get("signature")}, exists


def measure(tree: Path, interpreter: str, missing: int) -> dict:
    files = sorted(p for p in tree.rglob("*.py") if p.is_file())
    uses: Counter = Counter()
    for path in files:
        uses.update(uses_in_file(path))
    kb = default_knowledge()
    mro_analysis = Analysis("", "<coverage>")
    curated = {name for name in uses if entry_for(kb, mro_analysis, name) is not None}
    runtime, exists = runtime_documented(sorted(set(uses) - curated), interpreter)
    # torch.* names that neither have an entry nor exist in torch are not torch API: attributes
    # of the user's own modules reached through a torch class (self.encoder.layers -> Module.layers)
    # or of legacy objects. They are reported, not counted. torchvision cannot always be imported,
    # so its names always count.
    not_api = Counter({n: c for n, c in uses.items()
                       if n not in curated and n not in exists and n.split(".")[0] == "torch"})
    uses = uses - not_api
    answered = curated | runtime
    total = sum(uses.values())

    def share(names: set[str]) -> tuple[float, float]:
        weighted = sum(uses[n] for n in names) / total if total else 1.0
        distinct = len(names) / len(uses) if uses else 1.0
        return 100 * weighted, 100 * distinct

    return {
        "tree": str(tree), "files": len(files), "uses": total, "distinct": len(uses),
        "curated": share(curated), "answered": share(answered),
        "missing": [(n, c, n in runtime) for n, c in uses.most_common() if n not in curated][:missing],
        "not_api": (sum(not_api.values()), len(not_api)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--missing", type=int, default=25, help="how many uncurated names to list")
    parser.add_argument("--interpreter", default=sys.executable, help="the Python with torch (runtime docs)")
    args = parser.parse_args(argv)
    totals: Counter = Counter()
    for tree in args.trees:
        r = measure(tree, args.interpreter, args.missing)
        print(f"{r['tree']}: {r['files']} files, {r['uses']} uses of {r['distinct']} torch names "
              f"(not counted: {r['not_api'][0]} uses of {r['not_api'][1]} names that are not torch API)")
        print(f"  curated  {r['curated'][0]:5.1f} % of uses, {r['curated'][1]:5.1f} % of names")
        print(f"  answered {r['answered'][0]:5.1f} % of uses, {r['answered'][1]:5.1f} % of names")
        for name, count, runtime in r["missing"]:
            print(f"    {count:5d}  {name}{'' if runtime else '   (no answer)'}")
        totals["uses"] += r["uses"]
        totals["curated"] += r["curated"][0] * r["uses"] / 100
        totals["answered"] += r["answered"][0] * r["uses"] / 100
    if len(args.trees) > 1 and totals["uses"]:
        print(f"all trees: {totals['uses']} uses, curated {100 * totals['curated'] / totals['uses']:.1f} %, "
              f"answered {100 * totals['answered'] / totals['uses']:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())

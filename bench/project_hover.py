"""Cross-module hover and workspace indexing: torchwise vs jedi-language-server and basedpyright.

Generates a package of many modules (models, engines re-exported through
``__init__.py``) and a training script that uses them, opens only the script, and
hovers the same positions — names whose answer lives in other modules — in each
server (basedpyright too, when ``basedpyright-langserver`` is installed: ``pip install
basedpyright``; else skipped with the reason printed): the first hover of each position
(cold: modules read on demand) and a second pass (warm). Then times torchwise's background indexing of the whole workspace against
``ast.parse`` of the same files in this process. Prints ratios; no assertions.
Goals: first cross-module hover <= 200 ms cold, <= 20 ms once summarised; indexing
<= 1.5x ast.parse.

    python bench/project_hover.py [--modules 200]
    python bench/project_hover.py --modules 3400 --no-jedi   # ~500,000 lines: indexing and RSS
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lsp_latency import Client, rss_mb, stop_server  # noqa: E402

MODEL = '''\
import torch
import torch.nn as nn


class Net{i}(nn.Module):
    def __init__(self, dim: int = 64):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(self.fc(self.norm(x)))


def make_optimizer{i}(model):
    return torch.optim.AdamW(model.parameters(), lr=1e-3)


def make_all{i}():
    model = Net{i}()
    return model, make_optimizer{i}(model)
''' + "".join(f"\n\ndef helper_{{i}}_{k}(x):\n    y = x * 2\n    return [y for _ in range(3)]\n" for k in range(25))

SCRIPT_HEAD = "import torch\nimport pkg.models.m{i} as mod{i}\nfrom pkg import Net{i}, make_all{i}\n"
SCRIPT_BODY = '''
model{i} = Net{i}()
model{i}.fc.weight.shape
net{i}, opt{i} = make_all{i}()
opt{i}.zero_grad()
model{i}.train()
mod{i}.Net{i}().norm
'''


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and its descendants (basedpyright's launcher runs node as a child)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += rss_mb(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                stack += [int(c) for c in task.read_text().split()]
            except (OSError, ValueError):
                pass
    return total


def build(root: Path, modules: int, star: bool = False) -> tuple[str, list[Path]]:
    """``star``: the package re-exports through ``from .models import *`` and the models
    package through ``from .m<i> import *`` (every name found by following star imports)."""
    models = root / "pkg" / "models"
    models.mkdir(parents=True)
    init = []
    files = []
    for i in range(modules):
        path = models / f"m{i}.py"
        path.write_text(MODEL.format(i=i))
        files.append(path)
        init.append(f"from .m{i} import *\n" if star else f"from .models.m{i} import Net{i}, make_all{i}\n")
    (models / "__init__.py").write_text("".join(init) if star else "")
    (root / "pkg" / "__init__.py").write_text("from .models import *\n" if star else "".join(init))
    files += [models / "__init__.py", root / "pkg" / "__init__.py"]
    used = range(0, modules, max(1, modules // 20))
    script = "".join(SCRIPT_HEAD.format(i=i) for i in used) + "".join(SCRIPT_BODY.format(i=i) for i in used)
    return script, files


def positions(script: str) -> list[tuple[int, int]]:
    out = []
    for number, line in enumerate(script.split("\n")):
        for needle in (".fc", ".weight", ".zero_grad", ".train", ".norm"):
            at = line.find(needle)
            if at >= 0 and not line.startswith(("import", "from")):
                out.append((number, at + 2))
    return out


async def measure(name: str, command: list[str], root: Path, script: str, points, index: bool) -> dict:
    path = root / "train.py"
    path.write_text(script)
    proc = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL, cwd=root)
    client = Client(proc)
    await client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {
        "textDocument": {"hover": {"contentFormat": ["markdown"]}}},
        "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}]})
    t_init = time.perf_counter()
    await client.notify("initialized", {})
    await client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "python", "version": 1, "text": script}})
    passes = []
    answered = 0
    index_s = index_cpu = None
    for round_ in range(2):
        if round_ and index:  # the warm pass runs once background indexing is done
            while True:
                reply = await client.request("workspace/executeCommand",
                                             {"command": "torchwise.projectIndex", "arguments": []})
                if reply["result"]["done"]:
                    index_s = reply["result"]["seconds"]
                    index_cpu = reply["result"].get("cpu")
                    break
                await asyncio.sleep(0.05)
        times = []
        for line, character in points:
            t = time.perf_counter()
            reply = await client.request("textDocument/hover", {
                "textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character}})
            times.append((time.perf_counter() - t) * 1000)
            answered += bool(reply.get("result")) and not passes
        passes.append(times)
    memory = tree_rss_mb(proc.pid)
    await stop_server(proc, client)
    cold, warm = passes
    warm = sorted(warm)
    return {"name": name, "first_ms": cold[0], "cold_median_ms": statistics.median(cold),
            "warm_median_ms": statistics.median(warm), "warm_p95_ms": warm[max(0, int(len(warm) * 0.95) - 1)],
            "answered": answered, "hovers": len(points), "rss_mb": memory, "index_s": index_s, "index_cpu": index_cpu,
            "since_init_s": time.perf_counter() - t_init}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=200)
    parser.add_argument("--no-jedi", action="store_true", help="torchwise alone (e.g. for a 500,000-line workspace)")
    parser.add_argument("--star", action="store_true",
                        help="re-export through star imports (pkg: from .models import *; models: from .m<i> import *)")
    parser.add_argument("--no-basedpyright", action="store_true", help="leave basedpyright out")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        script, files = build(root, args.modules, args.star)
        points = positions(script)
        lines = sum(p.read_text().count("\n") for p in files)
        t, c = time.perf_counter(), time.process_time()
        for p in files:
            ast.parse(p.read_text(), filename=str(p))
        parse_s, parse_cpu = time.perf_counter() - t, time.process_time() - c
        print(f"workspace: {len(files)} modules, {lines} lines; {len(points)} cross-module hover positions")
        servers = [("torchwise", [sys.executable, "-m", "torchwise", "serve", "--log-level", "warning"], True)]
        jls = shutil.which("jedi-language-server") or str(Path(sys.executable).with_name("jedi-language-server"))
        if Path(jls).exists() and not args.no_jedi:
            servers.append(("jedi-language-server", [jls], False))
        bpr = shutil.which("basedpyright-langserver") or str(Path(sys.executable).with_name("basedpyright-langserver"))
        if args.no_jedi or args.no_basedpyright:
            pass
        elif Path(bpr).exists():
            servers.append(("basedpyright", [bpr, "--stdio"], False))
        else:
            print("basedpyright: skipped (basedpyright-langserver not found; `pip install basedpyright`)")
        results = [await measure(name, cmd, root, script, points, index) for name, cmd, index in servers]
    print(f"{'server':<22}{'first ms':>10}{'cold med':>10}{'warm med':>10}{'warm p95':>10}{'answered':>10}{'RSS MB':>8}")
    for r in results:
        print(f"{r['name']:<22}{r['first_ms']:>10.1f}{r['cold_median_ms']:>10.2f}{r['warm_median_ms']:>10.2f}"
              f"{r['warm_p95_ms']:>10.2f}{r['answered']:>6}/{r['hovers']:<4}{r['rss_mb']:>8.1f}")
    tw = results[0]
    print("\ntorchwise against its goals (value / goal, <= 1.0 meets it):")
    print(f"  first cross-module hover (cold)  {tw['first_ms'] / 200:.2f}  ({tw['first_ms']:.0f} ms / 200 ms)")
    print(f"  cold median                      {tw['cold_median_ms'] / 20:.2f}  ({tw['cold_median_ms']:.1f} ms / 20 ms)")
    print(f"  warm p95                         {tw['warm_p95_ms'] / 2:.2f}  ({tw['warm_p95_ms']:.2f} ms / 2 ms)")
    if tw["index_s"] is not None:
        print(f"  indexing / ast.parse             {tw['index_s'] / parse_s:.2f}  "
              f"({tw['index_s'] * 1000:.0f} ms / {parse_s * 1000:.0f} ms; goal 1.5)")
    if tw.get("index_cpu"):
        print(f"  indexing / ast.parse, CPU time   {tw['index_cpu'] / parse_cpu:.2f}  "
              f"({tw['index_cpu'] * 1000:.0f} ms / {parse_cpu * 1000:.0f} ms: what a busy machine does not inflate)")
    for other in results[1:]:
        print(f"\ntorchwise / {other['name']} (lower is better, same run, same positions):")
        for key, label in (("first_ms", "first hover"), ("cold_median_ms", "cold median"),
                           ("warm_median_ms", "warm median"), ("warm_p95_ms", "warm p95"), ("rss_mb", "RSS")):
            print(f"  {label:<14}{tw[key] / other[key]:.2f}x" if other[key] else f"  {label:<14}n/a")
        print(f"  answered      {tw['answered']} vs {other['answered']} of {tw['hovers']}")


if __name__ == "__main__":
    asyncio.run(main())

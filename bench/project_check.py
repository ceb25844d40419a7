"""``torchwise check`` on a large workspace, and the server's background indexing of it,
against ``ast.parse`` of the same files in this process.

Generates a package (``project_hover.py``'s modules: ``nn.Module`` classes, optimizer
helpers, many small functions; about 148 lines each, so 3400 modules are about 500,000
lines), then prints:

- ``torchwise check`` wall time (project model, process pool: one worker per core) and,
  for reference, the same check in one process (``TORCHWISE_JOBS=1``), each / ast.parse;
- the server's background indexing time / ast.parse (the indexer's busy time);
- the server's RSS once indexing is done.

Goals: check <= 2x ast.parse (wall), indexing <= 1.5x, RSS <= 150 MB. No assertions.

Each ratio is the median over ``--repeat`` pairs: an ``ast.parse`` of the workspace
right before each measured run.

    python bench/project_check.py [--modules 3400] [--repeat 3] [--skip-single]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from lint_speed import cli_env  # noqa: E402
from lsp_latency import Client, rss_mb, stop_server  # noqa: E402
from project_hover import build  # noqa: E402


def check_seconds(root: Path, jobs: str | None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the check and its pool workers, exit code). The CLI
    runs from compiled bytecode, as a pip install runs it (``lint_speed.cli_env``)."""
    env = cli_env(compiled=True)
    if jobs is not None:
        env["TORCHWISE_JOBS"] = jobs
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "torchwise", "check", "--exit-zero", "--statistics", "."],
                          cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


async def index(root: Path) -> tuple[float, float, float, float]:
    """(busy seconds, wall seconds, CPU seconds, RSS MB) of the server's background indexing."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "torchwise", "serve", "--log-level", "warning", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=root)
    client = Client(proc)
    await client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {},
                                        "workspaceFolders": [{"uri": root.as_uri(), "name": "bench"}]})
    await client.notify("initialized", {})
    while True:
        reply = await client.request("workspace/executeCommand", {"command": "torchwise.projectIndex", "arguments": []})
        if reply["result"]["done"]:
            break
        await asyncio.sleep(0.1)
    memory = rss_mb(proc.pid)
    await stop_server(proc, client)
    return reply["result"]["seconds"], reply["result"]["wall"], reply["result"].get("cpu", 0.0), memory


def parse_seconds(texts: list[tuple[Path, str]]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``ast.parse`` of every file, in this process."""
    t, cpu = time.perf_counter(), time.process_time()
    for path, text in texts:
        ast.parse(text, filename=str(path))
    return time.perf_counter() - t, time.process_time() - cpu


def paired(texts, measure, repeat: int) -> tuple[list[float], list[float], list[float], object]:
    """``measure()`` (-> (wall, CPU, extra)) run ``repeat`` times, each right after an
    ``ast.parse`` of the workspace: (wall ratios, CPU ratios, measured walls, the last
    extra). A ratio of two runs side by side holds on a machine whose speed drifts
    (one ``ast.parse`` at the start varied 2.1-3.2 s between runs of this bench)."""
    walls, cpus, seconds, extra, parses = [], [], [], None, []
    for _ in range(repeat):
        parse_s, parse_cpu = parse_seconds(texts)
        wall, cpu, extra = measure()
        walls.append(wall / parse_s)
        cpus.append(cpu / parse_cpu)
        seconds.append(wall)
        parses.append(f"{parse_s * 1000:.0f}")
    print(f"   ast.parse of all before each run: {', '.join(parses)} ms")
    return walls, cpus, seconds, extra


def _spread(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f}x ast.parse (median of {len(ratios)} pairs; {min(ratios):.2f}-{max(ratios):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=3400)
    parser.add_argument("--repeat", type=int, default=3, help="pairs of (ast.parse, measured run)")
    parser.add_argument("--skip-single", action="store_true", help="skip the one-process check run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, files = build(root, args.modules)
        texts = [(p, p.read_text()) for p in files]
        lines = sum(t.count("\n") for _, t in texts)
        parse_s, _ = parse_seconds(texts)
        print(f"workspace: {len(files)} modules, {lines} lines; ast.parse of all, one process: {parse_s * 1000:.0f} ms;"
              f" {os.cpu_count()} cores")
        print("(wall ratios need idle cores; CPU ratios, the sum over processes, hold on a busy machine;"
              " the CLI runs from compiled bytecode, as installed)")
        with tempfile.TemporaryDirectory() as empty:  # compile the CLI's modules once, untimed
            (Path(empty) / "warm.py").write_text("import torch\n")
            check_seconds(Path(empty), None)
        walls, cpus, seconds, code = paired(texts, lambda: check_seconds(root, None), args.repeat)
        print(f"check (project model, pool)       {statistics.median(seconds) * 1000:>8.0f} ms  {_spread(walls)}"
              f"  (goal 2.0; CPU {statistics.median(cpus):.2f}x; exit {code})")
        if not args.skip_single:
            single_walls, single_cpus, single, code = paired(texts, lambda: check_seconds(root, "1"), args.repeat)
            print(f"check (project model, 1 process)  {statistics.median(single) * 1000:>8.0f} ms  {_spread(single_walls)}"
                  f"  (CPU {statistics.median(single_cpus):.2f}x; pool / single wall "
                  f"{statistics.median(seconds) / statistics.median(single):.2f}x)")

        def indexing() -> tuple[float, float, tuple]:
            busy, wall, cpu, memory = asyncio.run(index(root))
            return busy, cpu, (wall, memory)

        walls, cpus, seconds, (wall, memory) = paired(texts, indexing, args.repeat)
        print(f"background indexing (busy)        {statistics.median(seconds) * 1000:>8.0f} ms  {_spread(walls)}"
              f"  (goal 1.5; CPU {statistics.median(cpus):.2f}x; last wall {wall * 1000:.0f} ms)")
        print(f"server RSS after indexing         {memory:>8.1f} MB  {memory / 150:.2f}x the 150 MB goal")


if __name__ == "__main__":
    main()

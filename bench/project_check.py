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

    python bench/project_check.py [--modules 3400] [--skip-single]
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=3400)
    parser.add_argument("--skip-single", action="store_true", help="skip the one-process check run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, files = build(root, args.modules)
        texts = [(p, p.read_text()) for p in files]
        lines = sum(t.count("\n") for _, t in texts)
        t, cpu = time.perf_counter(), time.process_time()
        for path, text in texts:
            ast.parse(text, filename=str(path))
        parse_s, parse_cpu = time.perf_counter() - t, time.process_time() - cpu
        del texts
        print(f"workspace: {len(files)} modules, {lines} lines; ast.parse of all, one process: {parse_s * 1000:.0f} ms;"
              f" {os.cpu_count()} cores")
        print("(wall ratios need idle cores; CPU ratios, the sum over processes, hold on a busy machine;"
              " the CLI runs from compiled bytecode, as installed)")
        with tempfile.TemporaryDirectory() as empty:  # compile the CLI's modules once, untimed
            (Path(empty) / "warm.py").write_text("import torch\n")
            check_seconds(Path(empty), None)
        pooled, pooled_cpu, code = check_seconds(root, None)
        print(f"check (project model, pool)       {pooled * 1000:>8.0f} ms  {pooled / parse_s:.2f}x ast.parse"
              f"  (goal 2.0; CPU {pooled_cpu / parse_cpu:.2f}x; exit {code})")
        if not args.skip_single:
            single, single_cpu, code = check_seconds(root, "1")
            print(f"check (project model, 1 process)  {single * 1000:>8.0f} ms  {single / parse_s:.2f}x ast.parse"
                  f"  (CPU {single_cpu / parse_cpu:.2f}x; pool / single wall {pooled / single:.2f}x)")
        busy, wall, cpu, memory = asyncio.run(index(root))
        print(f"background indexing (busy)        {busy * 1000:>8.0f} ms  {busy / parse_s:.2f}x ast.parse  (goal 1.5;"
              f" CPU {cpu / parse_cpu:.2f}x; wall {wall * 1000:.0f} ms)")
        print(f"server RSS after indexing         {memory:>8.1f} MB  {memory / 150:.2f}x the 150 MB goal")


if __name__ == "__main__":
    main()

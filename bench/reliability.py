"""Responsiveness and memory under a user's worst day, side by side in one run.

1. Hover latency on a small file while idle (the baseline) and while a large file
   (~1.8 MB) is being edited every 100 ms (each edit re-lints and re-analyses it off
   the event loop), and the latency of hovers on the large file itself between edits.
2. Memory: server RSS and live analyses after N edits (+ code actions) of a 20 KB
   file that ends in a syntax error (a traceback kept by mistake used to keep every
   version alive).

Ratios against the idle baseline are printed; no thresholds (machines are noisy).

    python bench/reliability.py [--hovers 40] [--edits 1000] [--big-lines 45000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import Client, generate, rss_mb, stop_server  # noqa: E402

SMALL = "import torch\nx = torch.ones(3)\ny = torch.nn.Linear(3, 2)\n"


async def start(workdir: Path) -> tuple[asyncio.subprocess.Process, Client]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "torchwise", "serve", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, cwd=workdir)
    client = Client(proc)
    await client.request("initialize", {"processId": os.getpid(), "rootUri": workdir.as_uri(), "capabilities": {},
                                        "initializationOptions": {"lint": {"debounceMs": 0}, "runtimeDocs": False}})
    await client.notify("initialized", {})
    return proc, client


async def hover_ms(client: Client, uri: str, line: int, character: int) -> tuple[float, bool]:
    t = time.perf_counter()
    reply = await client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                        "position": {"line": line, "character": character}})
    return (time.perf_counter() - t) * 1000, bool(reply.get("result"))


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"median {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms"


async def responsiveness(workdir: Path, hovers: int, big_lines: int) -> None:
    proc, client = await start(workdir)
    small = (workdir / "small.py").as_uri()
    await client.notify("textDocument/didOpen", {"textDocument": {"uri": small, "languageId": "python",
                                                                  "version": 1, "text": SMALL}})
    idle = [(await hover_ms(client, small, 1, 8))[0] for _ in range(hovers)]

    big_text = generate(big_lines)
    big = (workdir / "big.py").as_uri()
    await client.notify("textDocument/didOpen", {"textDocument": {"uri": big, "languageId": "python",
                                                                  "version": 1, "text": big_text}})
    stop_editing = asyncio.Event()

    async def edit() -> None:
        version = 1
        while not stop_editing.is_set():
            version += 1
            await client.notify("textDocument/didChange", {
                "textDocument": {"uri": big, "version": version},
                "contentChanges": [{"range": {"start": {"line": 9, "character": 0},
                                              "end": {"line": 9, "character": 0}}, "text": "#"}]})
            await asyncio.sleep(0.1)

    editor = asyncio.get_running_loop().create_task(edit())
    await asyncio.sleep(0.5)
    busy = [(await hover_ms(client, small, 1, 8))[0] for _ in range(hovers)]
    same: list[float] = []
    answered = 0
    for _ in range(max(5, hovers // 4)):
        ms, ok = await hover_ms(client, big, 13, 24)  # `nn.Linear` in a line the edits never touch
        same.append(ms)
        answered += ok
    stop_editing.set()
    await editor
    rss = rss_mb(proc.pid)
    await stop_server(proc, client)
    print(f"large file: {len(big_text) / 1e6:.2f} MB, {big_text.count(chr(10))} lines, edited every 100 ms")
    print(f"hover, small file, idle            {summary(idle)}")
    print(f"hover, small file, large one edited {summary(busy)}   ratio (median) "
          f"{statistics.median(busy) / statistics.median(idle):.2f}x")
    print(f"hover, the large file being edited  {summary(same)}   answered {answered}/{len(same)}")
    print(f"server RSS with the large file open: {rss:.0f} MB")


async def memory(workdir: Path, edits: int) -> None:
    proc, client = await start(workdir)
    body = "".join(f"w{i} = torch.nn.Linear({i + 1}, 2)  # layer {i}\n" for i in range(500))
    text = "import torch\n" + body + "x = (\n"
    uri = (workdir / "broken.py").as_uri()
    await client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python",
                                                                  "version": 1, "text": text}})
    await client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}})
    before = rss_mb(proc.pid)
    last = text.count("\n") - 1
    for version in range(2, edits + 2):
        await client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": last, "character": 5}, "end": {"line": last, "character": 5}},
                                "text": "(" if version % 2 else ""}]})
        if version % 10 == 0:
            await client.request("textDocument/codeAction", {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 3}},
                "context": {"diagnostics": []}})
    state = (await client.request("workspace/executeCommand", {"command": "torchwise.debugState",
                                                                "arguments": []}))["result"]
    after = rss_mb(proc.pid)
    await stop_server(proc, client)
    print(f"broken {len(text) / 1e3:.0f} KB file, {edits} edits + {edits // 10} code actions: RSS {before:.0f} MB -> "
          f"{after:.0f} MB ({after / before:.2f}x), live analyses {state['liveAnalyses']}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=40)
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--big-lines", type=int, default=45000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await responsiveness(Path(tmp), args.hovers, args.big_lines)
    with tempfile.TemporaryDirectory() as tmp:
        await memory(Path(tmp), args.edits)


if __name__ == "__main__":
    asyncio.run(main())

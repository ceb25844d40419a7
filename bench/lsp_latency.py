"""Hover latency: torchwise vs jedi-language-server, side by side in one run.

Opens a generated ~2,000-line training script in each server and hovers the same
500 positions (torch names, inferred methods, variables), printing start-up time,
first-hover time, median/p95 hover latency and server memory, with ratios.
Goals (torchwise): p95 <= 20 ms warm, first hover <= 300 ms after `initialized`,
start to `initialized` <= 0.5 s, RSS <= 80 MB. No assertions: machines are noisy.

    python bench/lsp_latency.py [--hovers 500] [--lines 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BLOCK = '''
class Block{i}(nn.Module):
    def __init__(self, dim: int = 64):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        h = F.gelu(self.fc(self.norm(x)))
        return x + self.drop(h)


def train_{i}(model: nn.Module, loader: DataLoader, device: torch.device, epochs: int = 3):
    optimizer = optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    model.to(device)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad(set_to_none=True)
            logits = model(inputs)
            loss = criterion(logits, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item()
        scheduler.step()
        probs = torch.softmax(logits.detach(), dim=-1)
        print(epoch, total / max(1, len(loader)), probs.argmax(dim=-1).float().mean().item())
    torch.save(model.state_dict(), "block{i}.pt")
    return model
'''

HEADER = '''import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader, TensorDataset
'''

HOVER_WORDS = re.compile(
    r"\b(nn\.Linear|nn\.LayerNorm|nn\.Dropout|F\.gelu|optim\.AdamW|CosineAnnealingLR|nn\.CrossEntropyLoss|"
    r"zero_grad|backward|step|parameters|train|to|item|softmax|argmax|clip_grad_norm_|save|state_dict|"
    r"self\.fc|self\.norm|optimizer|scheduler|criterion|loss|logits|model|inputs)\b"
)


def generate(lines: int) -> str:
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(BLOCK.format(i=i))
        i += 1
    return "".join(parts)


def hover_positions(text: str, count: int, seed: int = 0) -> list[tuple[int, int]]:
    positions = []
    for lineno, line in enumerate(text.splitlines()):
        for match in HOVER_WORDS.finditer(line):
            end = match.end()
            positions.append((lineno, end - 1))  # on the last character of the name
    random.Random(seed).shuffle(positions)
    return positions[:count]


class Client:
    """A minimal LSP client over a subprocess's stdio."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            header = await stdout.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", header).group(1))
            message = json.loads(await stdout.readexactly(length))
            if "id" in message and ("result" in message or "error" in message):
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif "id" in message and "method" in message:  # a request from the server
                await self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    async def _send(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await self.proc.stdin.drain()

    async def request(self, method: str, params) -> dict:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, 60)

    async def notify(self, method: str, params) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})


async def stop_server(proc: asyncio.subprocess.Process, client: "Client") -> None:
    """shutdown + exit, then wait (kill after 5 s); the reader stops."""
    try:
        await client.request("shutdown", None)
        await client.notify("exit", None)
        await asyncio.wait_for(proc.wait(), 5)
    except Exception:
        proc.kill()
        await proc.wait()
    client.reader.cancel()


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def measure(name: str, command: list[str], text: str, positions, workdir: Path) -> dict:
    path = workdir / "train_big.py"
    path.write_text(text)
    uri = path.as_uri()
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, cwd=workdir,
    )
    client = Client(proc)
    await client.request("initialize", {
        "processId": os.getpid(), "rootUri": workdir.as_uri(), "capabilities": {
            "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}},
        "workspaceFolders": [{"uri": workdir.as_uri(), "name": "bench"}],
    })
    await client.notify("initialized", {})
    started = time.perf_counter() - t0
    await client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    times = []
    answered = 0
    first = None
    for line, character in positions:
        t = time.perf_counter()
        reply = await client.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": line, "character": character}})
        elapsed = (time.perf_counter() - t) * 1000
        if first is None:
            first = (time.perf_counter() - t0 - started) * 1000
        times.append(elapsed)
        answered += bool(reply.get("result"))
    memory = rss_mb(proc.pid)
    await stop_server(proc, client)
    times.sort()
    warm = times[1:] or times
    return {
        "name": name, "start_s": started, "first_ms": first, "median_ms": statistics.median(warm),
        "p95_ms": warm[int(len(warm) * 0.95) - 1], "answered": answered, "hovers": len(times), "rss_mb": memory,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hovers", type=int, default=500)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    text = generate(args.lines)
    positions = hover_positions(text, args.hovers)
    print(f"script: {text.count(chr(10))} lines; {len(positions)} hover positions")
    servers = [("torchwise", [sys.executable, "-m", "torchwise", "serve", "--log-level", "warning"])]
    jls = shutil.which("jedi-language-server") or str(Path(sys.executable).with_name("jedi-language-server"))
    if Path(jls).exists():
        servers.append(("jedi-language-server", [jls]))
    else:
        print("jedi-language-server not installed (pip install jedi-language-server): comparing nothing")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, command in servers:
            results.append(await measure(name, command, text, positions, Path(tmp)))
    header = f"{'server':<22}{'start s':>9}{'first ms':>10}{'median ms':>11}{'p95 ms':>9}{'answered':>10}{'RSS MB':>9}"
    print(header)
    for r in results:
        print(f"{r['name']:<22}{r['start_s']:>9.3f}{r['first_ms']:>10.1f}{r['median_ms']:>11.2f}"
              f"{r['p95_ms']:>9.2f}{r['answered']:>6}/{r['hovers']:<3}{r['rss_mb']:>9.1f}")
    tw = results[0]
    print("\ntorchwise against its goals (value / goal, <= 1.0 meets it):")
    print(f"  start to initialized  {tw['start_s'] / 0.5:.2f}  ({tw['start_s'] * 1000:.0f} ms / 500 ms)")
    print(f"  first hover           {tw['first_ms'] / 300:.2f}  ({tw['first_ms']:.0f} ms / 300 ms)")
    print(f"  p95 hover (warm)      {tw['p95_ms'] / 20:.2f}  ({tw['p95_ms']:.1f} ms / 20 ms)")
    print(f"  server RSS            {tw['rss_mb'] / 80:.2f}  ({tw['rss_mb']:.0f} MB / 80 MB)")
    if len(results) > 1:
        other = results[1]
        print(f"\ntorchwise / jedi-language-server (lower is better, same run, same positions):")
        for key, label in (("median_ms", "median hover"), ("p95_ms", "p95 hover"), ("first_ms", "first hover"),
                           ("start_s", "start-up"), ("rss_mb", "RSS")):
            print(f"  {label:<14}{tw[key] / other[key]:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())

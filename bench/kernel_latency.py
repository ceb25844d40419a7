"""Kernel latency: the torchwise server's run path against raw jupyter_client.

    .venv/bin/python bench/kernel_latency.py [--runs 100] [--starts 3] [--compare DIR]

1. Round trip of a trivial run (``pass``): torchwise.runCode -> torchwise/runFinished
   through the real server + bridge, against ``kc.execute`` -> reply + idle on a
   raw jupyter_client kernel of the same kind (same interpreter, ipc transport).
   Goal: median ratio <= 1.2. The raw kernel is stock ipykernel; the torchwise kernel drops
   per-run work that a private kernel does not need (kernel_side.py: _no_reply_sleep,
   _quick_flush, _no_input_echo), which pays for part of the server and bridge hops.
2. Kernel ready with torch: from the first runCode on a fresh server until its
   runFinished (bridge, ipykernel, ``import torch``, helpers) against
   ``python -c "import torch"``. Goal: median ratio <= 1.3.

``--compare DIR``: a second server from another checkout's ``server`` folder (its PYTHONPATH),
e.g. ``git worktree add /tmp/base HEAD~1``, run interleaved with the first in random order, so
that a change is measured A/B against the same machine load (section 1 only).

Prints numbers and ratios; asserts nothing (the machine may be busy).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


PYTHON = sys.executable


class Client:
    """A lean JSON-RPC/LSP client over the server's stdio (Content-Length framing).

    The measurement is about the server's path, so the client side is kept as
    thin as the raw jupyter_client side: no object conversion layer.
    """

    def __init__(self, pythonpath: str | None = None) -> None:
        self.pythonpath = pythonpath  # another checkout's server folder (--compare)
        self.proc: asyncio.subprocess.Process | None = None
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.finished: dict[str, asyncio.Future] = {}
        self.early: dict[str, dict] = {}
        self.reader: asyncio.Task | None = None

    async def start(self, root: Path) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            PYTHON, "-m", "torchwise", "serve", "--log-level", "warning",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26,
            env=dict(os.environ, PYTHONPATH=self.pythonpath) if self.pythonpath else None,
        )
        self.reader = asyncio.ensure_future(self._read())
        await self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
        self.notify("initialized", {})

    def _write(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        self._write({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await future

    async def _read(self) -> None:
        stdout = self.proc.stdout
        while True:
            length = None
            while True:
                line = await stdout.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stdout.readexactly(length))
            if "id" in message and "method" not in message:
                future = self.pending.pop(message["id"], None)
                if future is not None:
                    if "error" in message:
                        future.set_exception(RuntimeError(message["error"]))
                    else:
                        future.set_result(message.get("result"))
            elif message.get("method") == "torchwise/runFinished":
                params = message["params"]
                future = self.finished.pop(params["runId"], None)
                if future is None:
                    self.early[params["runId"]] = params
                else:
                    future.set_result(params)
            elif "id" in message:  # a request from the server (configuration...): answer null
                self._write({"jsonrpc": "2.0", "id": message["id"], "result": None})

    async def command(self, name: str, *arguments):
        return await self.request("workspace/executeCommand", {"command": name, "arguments": list(arguments)})

    async def run(self, code: str) -> dict:
        result = await self.command("torchwise.runCode", {"code": code, "uri": None, "firstLine": 0})
        run_id = result["runId"]
        if run_id in self.early:
            return self.early.pop(run_id)
        future = asyncio.get_running_loop().create_future()
        self.finished[run_id] = future
        return await future

    async def info(self) -> dict:
        return await self.command("torchwise.kernelInfo")

    async def stop(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.proc.wait()
        self.reader.cancel()


async def start_raw_kernel():
    """A raw jupyter_client kernel like the bridge's (same interpreter, ipc); returns (execute, stop, ready seconds)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class Spec(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="raw", language="python")

    tmp = tempfile.mkdtemp(prefix="raw-kernel-")
    km = AsyncKernelManager(kernel_name="raw", kernel_spec_manager=Spec(), transport="ipc",
                            ip=os.path.join(tmp, "k"), connection_file=os.path.join(tmp, "k.json"))
    started = time.perf_counter()
    await km.start_kernel(stdout=subprocess.DEVNULL)
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=120)

    async def execute(code: str) -> None:
        # the same completion rule as the bridge: the reply and the idle status
        msg_id = kc.execute(code)
        idle = reply = False
        while not idle:
            msg = await kc.get_iopub_msg()
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
                idle = msg["content"]["execution_state"] == "idle"
        while not reply:
            msg = await kc.get_shell_msg()
            reply = msg["parent_header"].get("msg_id") == msg_id

    await execute("import torch")
    ready = time.perf_counter() - started

    async def stop() -> None:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)

    return execute, stop, ready


async def timed_run(client: Client, samples: list) -> None:
    started = time.perf_counter()
    finished = await client.run("pass")
    samples.append(time.perf_counter() - started)
    assert finished["status"] == "ok", finished


async def round_trips(runs: int, root: Path, compare: str | None = None):
    """Server and raw samples interleaved, so both see the same machine load (and the
    --compare server's, in random order with the first)."""
    client = Client()
    await client.start(root)
    started = time.perf_counter()
    finished = await client.run("pass")
    server_ready = time.perf_counter() - started
    assert finished["status"] == "ok", finished
    other = None
    if compare:
        other = Client(compare)
        await other.start(root)
        await other.run("pass")
    execute, stop, raw_ready = await start_raw_kernel()
    for _ in range(5):  # warm up both
        await client.run("pass")
        if other is not None:
            await other.run("pass")
        await execute("pass")
    server, raw, lsp, compared = [], [], [], []
    for _ in range(runs):
        if other is None:
            await timed_run(client, server)
        else:
            pair = [(client, server), (other, compared)]
            random.shuffle(pair)
            for who, samples in pair:
                await timed_run(who, samples)
        started = time.perf_counter()
        await execute("pass")
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        await client.info()  # an LSP request that never reaches the kernel
        lsp.append(time.perf_counter() - started)
    await stop()
    await client.stop()
    if other is not None:
        await other.stop()
    return server, raw, lsp, server_ready, raw_ready, compared


def import_torch_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", "import torch"], check=True)
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--starts", type=int, default=5, help="fresh kernels for the ready-time comparison")
    parser.add_argument("--compare", metavar="DIR", help="another checkout's server folder, run A/B with this one")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kernel-bench-"))

    server_samples, raw_samples, lsp_samples, server_ready, raw_ready, compared = await round_trips(
        args.runs, root, args.compare)
    server_ms = statistics.median(server_samples) * 1000
    raw_ms = statistics.median(raw_samples) * 1000
    lsp_ms = statistics.median(lsp_samples) * 1000
    print(f"trivial run round trip, median of {args.runs}: torchwise {server_ms:.2f} ms, "
          f"raw jupyter_client {raw_ms:.2f} ms, ratio {server_ms / raw_ms:.2f}x (goal <= 1.2x); "
          f"for scale: a bare LSP request round trip (torchwise.kernelInfo) {lsp_ms:.2f} ms")
    # On a busy machine the medians swing with the load; the fast tail shows the intrinsic cost.
    server_p10 = statistics.quantiles(server_samples, n=10)[0] * 1000
    raw_p10 = statistics.quantiles(raw_samples, n=10)[0] * 1000
    print(f"  10th percentile: torchwise {server_p10:.2f} ms, raw {raw_p10:.2f} ms, ratio {server_p10 / raw_p10:.2f}x")
    if compared:
        other_ms = statistics.median(compared) * 1000
        other_p10 = statistics.quantiles(compared, n=10)[0] * 1000
        print(f"  --compare {args.compare}: median {other_ms:.2f} ms, ratio {other_ms / raw_ms:.2f}x; "
              f"10th percentile {other_p10:.2f} ms, ratio {other_p10 / raw_p10:.2f}x")

    # interleaved, so that both sides see the same machine load
    readies, imports = [server_ready], [import_torch_seconds()]
    for _ in range(args.starts - 1):
        client = Client()
        await client.start(root)
        started = time.perf_counter()
        await client.run("pass")
        readies.append(time.perf_counter() - started)
        await client.stop()
        imports.append(import_torch_seconds())
    ready, baseline = statistics.median(readies), statistics.median(imports)
    print(f"kernel ready with torch, median of {args.starts}: torchwise {ready:.2f} s "
          f"(raw ipykernel + import torch {raw_ready:.2f} s), python -c 'import torch' {baseline:.2f} s, "
          f"ratio {ready / baseline:.2f}x (goal <= 1.3x)")


if __name__ == "__main__":
    asyncio.run(main())

"""Kernel latency: the torchwise server's run path against raw jupyter_client.

    .venv/bin/python bench/kernel_latency.py [--runs 100] [--starts 3]

1. Round trip of a trivial run (``pass``): torchwise.runCode -> torchwise/runFinished
   through the real server + bridge, against ``kc.execute`` -> reply + idle on a
   raw jupyter_client kernel of the same kind (same interpreter, ipc transport).
   Goal: median ratio <= 1.2.
2. Kernel ready with torch: from the first runCode on a fresh server until its
   runFinished (bridge, ipykernel, ``import torch``, helpers) against
   ``python -c "import torch"``. Goal: median ratio <= 1.3.

Prints numbers and ratios; asserts nothing (the machine may be busy).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

PYTHON = sys.executable


class Client:
    def __init__(self) -> None:
        self.lsp = LanguageClient("kernel-bench", "1")
        self.finished: dict[str, asyncio.Future] = {}
        self.early: dict[str, object] = {}

        @self.lsp.feature("torchwise/runFinished")
        def on_finished(params) -> None:
            run_id = params.runId
            future = self.finished.get(run_id)
            if future is None:
                self.early[run_id] = params
            elif not future.done():
                future.set_result(params)

        @self.lsp.feature("torchwise/output")
        def on_output(params) -> None:
            pass

    async def start(self, root: Path) -> None:
        env = dict(os.environ)
        await self.lsp.start_io(PYTHON, "-m", "torchwise", "serve", env=env)
        await self.lsp.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=root.as_uri())
        )
        self.lsp.initialized(types.InitializedParams())

    async def run(self, code: str):
        result = await self.lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command="torchwise.runCode", arguments=[{"code": code, "uri": None, "firstLine": 0}])
        )
        run_id = result["runId"] if isinstance(result, dict) else result.runId
        if run_id in self.early:
            return self.early.pop(run_id)
        future = asyncio.get_running_loop().create_future()
        self.finished[run_id] = future
        return await future

    async def info(self):
        return await self.lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command="torchwise.kernelInfo", arguments=[])
        )

    async def stop(self) -> None:
        await self.lsp.shutdown_async(None)
        self.lsp.exit(None)
        await self.lsp.stop()


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


async def round_trips(runs: int, root: Path):
    """Server and raw samples interleaved, so both see the same machine load."""
    client = Client()
    await client.start(root)
    started = time.perf_counter()
    finished = await client.run("pass")
    server_ready = time.perf_counter() - started
    assert finished.status == "ok", finished
    execute, stop, raw_ready = await start_raw_kernel()
    for _ in range(5):  # warm up both
        await client.run("pass")
        await execute("pass")
    server, raw, lsp = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        finished = await client.run("pass")
        server.append(time.perf_counter() - started)
        assert finished.status == "ok", finished
        started = time.perf_counter()
        await execute("pass")
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        await client.info()  # an LSP request that never reaches the kernel
        lsp.append(time.perf_counter() - started)
    await stop()
    await client.stop()
    return server, raw, lsp, server_ready, raw_ready


def import_torch_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, "-c", "import torch"], check=True)
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--starts", type=int, default=3, help="fresh kernels for the ready-time comparison")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kernel-bench-"))

    server_samples, raw_samples, lsp_samples, server_ready, raw_ready = await round_trips(args.runs, root)
    server_ms = statistics.median(server_samples) * 1000
    raw_ms = statistics.median(raw_samples) * 1000
    lsp_ms = statistics.median(lsp_samples) * 1000
    print(f"trivial run round trip, median of {args.runs}: torchwise {server_ms:.2f} ms, "
          f"raw jupyter_client {raw_ms:.2f} ms, ratio {server_ms / raw_ms:.2f}x (goal <= 1.2x); "
          f"for scale: a bare LSP request round trip (torchwise.kernelInfo) {lsp_ms:.2f} ms")

    readies = [server_ready]
    for _ in range(args.starts - 1):
        client = Client()
        await client.start(root)
        started = time.perf_counter()
        await client.run("pass")
        readies.append(time.perf_counter() - started)
        await client.stop()
    imports = [import_torch_seconds() for _ in range(args.starts)]
    ready, baseline = statistics.median(readies), statistics.median(imports)
    print(f"kernel ready with torch, median of {args.starts}: torchwise {ready:.2f} s "
          f"(raw ipykernel + import torch {raw_ready:.2f} s), python -c 'import torch' {baseline:.2f} s, "
          f"ratio {ready / baseline:.2f}x (goal <= 1.3x)")


if __name__ == "__main__":
    asyncio.run(main())

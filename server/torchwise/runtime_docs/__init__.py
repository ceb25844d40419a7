"""Runtime docstrings of torch names, fetched in a worker process on the workspace
interpreter and cached on disk per torch version.

The server never imports torch: ``docworker.py`` does, in its own process. A
hover never waits on it for more than a short, bounded time; a name that is not
ready yet is answered on a later hover (and names seen in an opened document are
prefetched in the background).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from torchwise.spawn import end, spawn

log = logging.getLogger("torchwise.runtime_docs")

WORKER = Path(__file__).with_name("docworker.py")
MISSING = object()  # the worker says the name does not exist


def cache_root() -> Path:
    from torchwise.resources import cache_root as root

    return root()


class RuntimeDocs:
    def __init__(self, interpreter: str, report: Callable[[str], None], root: Path | None = None):
        self.interpreter = interpreter
        self.report = report  # one clear line to the user's log
        self.root = root or cache_root()
        self.state = "idle"  # idle | starting | ready | failed | closed
        self.torch_version: str | None = None
        self._docs: dict[str, dict | None] = {}
        self._queue: list[str] = []
        self._waiters: dict[str, list[asyncio.Future]] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._start_task: asyncio.Task | None = None
        self._pump_task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._cache_file: Path | None = None

    # -------------------------------------------------------------- public
    def cached(self, qualname: str):
        """The cached docs of ``qualname``: a dict, MISSING, or None when not fetched yet."""
        if qualname in self._docs:
            doc = self._docs[qualname]
            return MISSING if doc is None else doc
        return None

    async def lookup(self, qualname: str, timeout: float) -> dict | object | None:
        """Docs for ``qualname``, waiting at most ``timeout`` seconds; None if not ready."""
        hit = self.cached(qualname)
        if hit is not None or self.state in ("failed", "closed"):
            return hit
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(qualname, []).append(future)
        self.prefetch([qualname])
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except asyncio.TimeoutError:
            return None

    def prefetch(self, names: list[str]) -> None:
        """Queue names for fetching (non-blocking)."""
        if self.state in ("failed", "closed"):
            return
        new = [n for n in names if n not in self._docs and n not in self._queue]
        if not new:
            return
        self._queue.extend(new)
        if self.state == "idle":
            self.state = "starting"
            self._start_task = asyncio.get_running_loop().create_task(self._start())
        self._wake.set()

    async def close(self) -> None:
        """Stop the worker; nothing starts again. A start under way is cancelled: the
        processes it made end with it (``torchwise.spawn``)."""
        self.state = "closed"
        tasks = [t for t in (self._pump_task, self._start_task) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:  # they end at once: what they started is killed as they go (a start, a probe)
            await asyncio.wait(tasks, timeout=5)
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
                await asyncio.wait_for(proc.wait(), 2)
            except Exception:
                end(proc)

    # -------------------------------------------------------------- internals
    def _fail(self, message: str) -> None:
        if self.state == "closed":
            return
        self.state = "failed"
        self.report(message)
        for futures in self._waiters.values():
            for future in futures:
                if not future.done():
                    future.set_result(None)
        self._waiters.clear()
        self._queue.clear()

    async def _start(self) -> None:
        interpreter = self.interpreter
        probe = "import importlib.metadata as m\ntry:\n print(m.version('torch'))\nexcept m.PackageNotFoundError:\n print('')"
        try:
            proc = await spawn(interpreter, "-c", probe, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=tempfile.gettempdir())
            try:
                out, err = await asyncio.wait_for(proc.communicate(), 20)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                end(proc)  # a probe that hangs, or one nobody waits for, ends here
                raise
        except (OSError, asyncio.TimeoutError) as exc:
            self._fail(f"runtime docs disabled: interpreter {interpreter!r} cannot be run ({exc.__class__.__name__}: {exc}); set torchwise.interpreter")
            return
        if self.state == "closed":  # closed as the probe ended (asyncio's wait_for may not say so)
            return
        version = out.decode(errors="replace").strip()
        if proc.returncode != 0 or not version:
            why = "torch is not installed there" if proc.returncode == 0 else err.decode(errors="replace").strip().splitlines()[-1:]
            self._fail(f"runtime docs disabled: {why} (interpreter {interpreter}); hovers show the knowledge base only")
            return
        self.torch_version = version
        self._cache_file = self.root / "runtime-docs" / f"torch-{version}.json"
        try:
            self._docs.update(json.loads(self._cache_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
        self._resolve_waiters()
        try:
            self._proc = await spawn(interpreter, str(WORKER), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir(), limit=2**24)
            if self.state == "closed":
                end(self._proc)
                self._proc = None
                return
            first = await asyncio.wait_for(self._proc.stdout.readline(), 120)  # type: ignore[union-attr]
            hello = json.loads(first or b"{}")
        except (OSError, asyncio.TimeoutError, ValueError) as exc:
            self._fail(f"runtime docs disabled: the docs worker did not start on {interpreter} ({exc!r})")
            return
        if not hello.get("ready"):
            self._fail(f"runtime docs disabled: importing torch failed in {interpreter}: {hello.get('error')}")
            return
        self.state = "ready"
        log.info("runtime docs worker ready (torch %s, %s)", version, interpreter)
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())

    def _resolve_waiters(self) -> None:
        for name in list(self._waiters):
            if name in self._docs:
                for future in self._waiters.pop(name):
                    if not future.done():
                        future.set_result(self.cached(name))
        self._queue = [n for n in self._queue if n not in self._docs]

    async def _pump(self) -> None:
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        while True:
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            batch, self._queue = self._queue[:200], self._queue[200:]
            try:
                self._proc.stdin.write((json.dumps({"names": batch}) + "\n").encode())
                await self._proc.stdin.drain()
                line = await self._proc.stdout.readline()
                if not line:
                    raise EOFError("worker exited")
                results = json.loads(line).get("results", {})
            except (OSError, EOFError, ValueError) as exc:
                self._fail(f"runtime docs worker stopped ({exc}); runtime docstrings disabled until restart")
                return
            for name in batch:
                self._docs[name] = results.get(name)
            self._resolve_waiters()
            self._save()

    def _save(self) -> None:
        if self._cache_file is None:
            return
        try:
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._cache_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._docs), encoding="utf-8")
            os.replace(tmp, self._cache_file)
        except OSError as exc:
            log.warning("cannot write runtime docs cache %s: %s", self._cache_file, exc)

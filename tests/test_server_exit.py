"""The server's exit never hangs on work still under way.

CI once waited 300 s in a lint test's teardown: the client's ``exit`` came while the runtime
docs worker was starting, ``asyncio.run`` cancelled that start at the end, and CPython's
asyncio then waits forever for the new process's pipes (python/cpython#125502). Process
starts go through ``torchwise.spawn`` now, and the exit's wait is bounded (``stdio.run``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from procs import children, cmdline

from torchwise import spawn, stdio
from torchwise import runtime_docs
from torchwise.runtime_docs import RuntimeDocs


def _docs_children() -> set[int]:
    """This process's children that a docs worker's start made (the probe, the worker)."""
    return {pid for pid in children(os.getpid())
            if b"docworker.py" in cmdline(pid) or b"importlib.metadata" in cmdline(pid)}


def test_a_docs_worker_closed_while_it_starts_leaves_no_task_and_no_process(tmp_path: Path, monkeypatch) -> None:
    """close() at each step of the start, then what an exit does (process starts settle, the
    tasks left are cancelled and waited for): nothing is left waiting, every process the start
    made is gone and reaped. Before, a close one to five loop steps after the start left a
    task that never ended; a close during the probe left the probe running."""
    made: list[asyncio.subprocess.Process] = []

    async def recorded(*args, **kwargs):
        proc = await spawn.spawn(*args, **kwargs)
        made.append(proc)
        return proc

    monkeypatch.setattr(runtime_docs, "spawn", recorded)

    async def trial(steps: int) -> None:
        docs = RuntimeDocs(sys.executable, lambda message: None, root=tmp_path)
        docs.prefetch(["torch.special.erfcx"])
        for _ in range(steps):
            await asyncio.sleep(0)
        await docs.close()
        assert await spawn.settle(30), f"a process start still under way after close (step {steps})"
        me = asyncio.current_task()
        left = [task for task in asyncio.all_tasks() if task is not me]
        for task in left:
            task.cancel()
        if left:
            _, stuck = await asyncio.wait(left, timeout=30)
            assert not stuck, f"step {steps}: {stuck}"
        assert docs.state == "closed"
        docs.prefetch(["torch.special.erfcx"])  # closed: nothing starts again
        assert docs.state == "closed" and (docs._start_task is None or docs._start_task.done())
        assert all(proc.returncode is not None for proc in made), f"step {steps}: a process not reaped"
        made.clear()

    async def main() -> None:
        for steps in range(16):
            await trial(steps)

    asyncio.run(main())
    assert not _docs_children()


def test_a_cancelled_spawn_kills_the_process_it_made() -> None:
    """The caller is cancelled while the start is under way: it sees CancelledError at once,
    and the process, once made, is killed and reaped."""

    async def main() -> int:
        task = asyncio.ensure_future(spawn.spawn(sys.executable, "-c", "import time; time.sleep(600)",
                                                 stdout=subprocess.PIPE, start_new_session=True))
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the start is under way
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("the start finished before it was cancelled")
        return await spawn.settle(30)

    assert asyncio.run(main())  # nothing left starting or being reaped
    assert not {pid for pid in children(os.getpid()) if b"time.sleep(600)" in cmdline(pid)}


def test_the_exit_gives_up_on_a_task_that_ignores_its_cancellation(caplog) -> None:
    """``asyncio.run`` would wait for it forever; ``stdio.run`` names it in the log and returns."""

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    async def main() -> None:
        asyncio.get_running_loop().create_task(stubborn())
        await asyncio.sleep(0)
        raise SystemExit(0)  # as pygls's exit handler does

    outcome: list[BaseException] = []

    def run() -> None:
        try:
            stdio.run(main())
        except BaseException as exc:  # noqa: BLE001 - the thread reports what ended it
            outcome.append(exc)

    caplog.set_level(logging.WARNING, logger="torchwise")
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the exit waited for a task that does not end"
    assert len(outcome) == 1 and isinstance(outcome[0], SystemExit)
    assert "stubborn" in caplog.text and "did not end when cancelled" in caplog.text

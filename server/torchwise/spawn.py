"""Child processes started from the event loop in a way that a cancellation cannot hang.

CPython's asyncio (3.11 to 3.13 at least; python/cpython#125502 and #103847) waits forever
when the task awaiting ``create_subprocess_exec`` is cancelled while the new process's pipes
are being connected: the transport's wait for them is never woken. It happened to the
server's exit (``asyncio.run`` cancels every task left, a docs worker's start among them) and
could happen to a cancelled request that starts the kernel, with the kernel's lock held.

``spawn`` runs the start shielded: a caller that is cancelled sees ``CancelledError`` at
once, the start runs to its end, and the process it made is killed and reaped. ``settle``
waits (bounded) for the starts still under way: the server's shutdown and its exit call it
before they cancel what is left.
"""

from __future__ import annotations

import asyncio
import os
import signal

_STARTING: set[asyncio.Future] = set()  # starts in flight, and the reaping of killed ones


async def spawn(*args: str, **kwargs) -> asyncio.subprocess.Process:
    """``asyncio.create_subprocess_exec(*args, **kwargs)``, safe to cancel (see the module)."""
    start = asyncio.ensure_future(asyncio.create_subprocess_exec(*args, **kwargs))
    _track(start)
    try:
        return await asyncio.shield(start)
    except asyncio.CancelledError:
        group = bool(kwargs.get("start_new_session")) and os.name == "posix"
        start.add_done_callback(lambda done: _kill_started(done, group))
        raise


async def settle(timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the starts under way and the reaping of processes
    whose caller was cancelled (a start's end may begin a reaping); True when none is left."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pending = {f for f in _STARTING if not f.done()}
        left = deadline - asyncio.get_running_loop().time()
        if not pending or left <= 0:
            return not pending
        await asyncio.wait(pending, timeout=left)
        await asyncio.sleep(0)  # the done callbacks (a reaping to track) run first


def _track(future: asyncio.Future) -> None:
    _STARTING.add(future)
    future.add_done_callback(_STARTING.discard)


def _kill_started(start: asyncio.Future, group: bool) -> None:
    """The caller is gone: the process it asked for must not outlive it."""
    if not start.cancelled() and start.exception() is None:
        end(start.result(), group)


def end(proc: asyncio.subprocess.Process, group: bool = False) -> None:
    """Kill ``proc`` (its whole session when ``group``) now, from anywhere, even a task
    being cancelled; it is reaped in the background, and ``settle`` waits for that."""
    if proc.returncode is None:
        try:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
    _track(asyncio.ensure_future(proc.wait()))

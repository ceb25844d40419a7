"""stdio transport: the client's messages read by the event loop itself.

pygls reads stdin in a worker thread, one hop per header line and per body (three thread
hops and loop wake-ups per message): on a busy machine that was the largest part of a
trivial run's overhead over raw jupyter_client (bench/kernel_latency.py). When stdin is a
pipe or a socket (what editors give a language server) it is read through asyncio instead,
with pygls's own message loop; anything else (a terminal, a file, Windows) keeps pygls's
reader, since a non-blocking terminal would leak into the user's shell.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading

from pygls.io_ import StdoutWriter, run_async

from torchwise import spawn

log = logging.getLogger("torchwise")


class PipeReader:
    """pygls's reader interface over an asyncio stream: readline, readexactly (short at EOF)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    async def readline(self) -> bytes:
        return await self.stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self.stream.readexactly(n)
        except asyncio.IncompleteReadError as exc:
            return exc.partial


def is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


EXIT_GRACE_S = 2.0  # what the exit waits for the tasks it cancels, and again for process starts


def run(main) -> None:
    """``asyncio.run(main)``, except that the exit never waits forever: ``asyncio.run``
    cancels the tasks left and waits for every one to end, and a task that does not end on
    cancel (CPython's cancelled process start, see ``torchwise.spawn``) kept the server alive
    after the client's ``exit``. Here process starts under way finish first, then the tasks
    left get ``EXIT_GRACE_S`` to end; those that do not are named in the log and left."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(main)
    finally:
        try:
            _finish(loop)
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _finish(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(spawn.settle(EXIT_GRACE_S))
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        _, stuck = loop.run_until_complete(asyncio.wait(tasks, timeout=EXIT_GRACE_S))
        for task in stuck:
            log.warning("exit: %s did not end when cancelled; exiting without it", task.get_coro())
            task._log_destroy_pending = False  # said above, once
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a task's late error is no news at exit
    loop.run_until_complete(spawn.settle(EXIT_GRACE_S))  # what the cancelled tasks killed is reaped
    for finish in (loop.shutdown_asyncgens(), loop.shutdown_default_executor()):
        try:
            loop.run_until_complete(asyncio.wait_for(finish, EXIT_GRACE_S))
        except (asyncio.TimeoutError, RuntimeError) as exc:
            log.warning("exit: %s", exc or type(exc).__name__)


def serve(server) -> None:
    """Run ``server`` on stdin/stdout until exit (like ``server.start_io()``)."""
    stdin = sys.stdin.buffer
    if os.name != "posix" or not is_pipe(stdin.fileno()):
        server.start_io()
        return
    # pygls's shutdown() sets this event; its message loop stops on it
    server._stop_event = stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stream = asyncio.StreamReader(limit=1 << 20, loop=loop)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), stdin)
        await run_async(stop_event=stop_event, reader=PipeReader(stream), protocol=server.protocol,
                        logger=logging.getLogger("pygls.io_"), error_handler=server.report_server_error)

    try:
        run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()

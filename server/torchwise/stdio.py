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
        asyncio.run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()

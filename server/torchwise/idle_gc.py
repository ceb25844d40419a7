"""The cyclic garbage collector runs when the editor is idle, not on the next edit.

A document's analysis is a large cyclic graph, so each edit's lint leaves the previous
one as cyclic garbage (~40,000 objects, ~7 MB for a 2,000-line file) beside a new live
one. Re-enabled right after a lint's publish, the collector's scans of both ran while
the next ``didChange`` waited (about as long as the lint itself). Here a lint run holds
the collector off until the event loop has had no lint for ``IDLE_S`` (the debounce
window after a keystroke is enough) or, so memory stays bounded, until ``LIMIT``
objects were allocated since the last collection.
"""

from __future__ import annotations

import asyncio
import gc

IDLE_S = 0.2
LIMIT = 300_000  # net new container objects (gc.get_count()[0]): a few lint runs' garbage


class IdleCollector:
    """``hold()`` when a lint run starts, ``release()`` (always) when it ends."""

    def __init__(self) -> None:
        self.active = 0  # lint runs in progress
        self.held = False  # whether this collector turned the collector off
        self.timer: asyncio.TimerHandle | None = None

    def hold(self) -> None:
        self.active += 1
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if gc.isenabled():
            gc.disable()
            self.held = True

    def release(self, defer: bool = True) -> None:
        """``defer=False``: the run allocated little (findings reused), so the
        collector may as well run now, in small steps, as it did before."""
        self.active = max(0, self.active - 1)
        if self.active or not self.held:
            return
        if not defer or gc.get_count()[0] >= LIMIT:
            self.collect()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.collect()
            return
        self.timer = loop.call_later(IDLE_S, self.collect)

    def collect(self) -> None:
        """Turn the collector back on (it runs at the next allocations)."""
        self.timer = None
        if self.held and not self.active:
            self.held = False
            gc.enable()

"""The editor's lint runs hold the cyclic collector off until the loop is idle
(``torchwise.idle_gc``): never left off for good, never turned on under a running lint,
and turned on at once when much was allocated."""

from __future__ import annotations

import asyncio
import gc

import pytest

from torchwise import idle_gc
from torchwise.idle_gc import IdleCollector


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


async def test_the_collector_waits_for_idle_and_for_every_run():
    c = IdleCollector()
    c.hold()
    c.hold()  # two documents' runs interleaved on the loop
    assert not gc.isenabled()
    c.release()
    await asyncio.sleep(idle_gc.IDLE_S * 2)
    assert not gc.isenabled()  # the other run still goes on
    c.release()
    assert not gc.isenabled()  # released, but not idle yet
    c.hold()  # the next edit's run came before the idle time: still off
    c.release()
    await asyncio.sleep(idle_gc.IDLE_S * 2)
    assert gc.isenabled()


async def test_much_allocated_turns_it_on_at_once(monkeypatch):
    monkeypatch.setattr(idle_gc, "LIMIT", 1000)
    c = IdleCollector()
    c.hold()
    garbage = [[i] for i in range(5000)]  # noqa: F841  (tracked containers)
    c.release()
    assert gc.isenabled()


def test_without_a_loop_it_is_on_again_after_the_run():
    c = IdleCollector()
    c.hold()
    c.release()
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off():
    gc.disable()
    c = IdleCollector()
    c.hold()
    c.release()
    assert not gc.isenabled()


async def test_a_run_that_reused_its_findings_does_not_defer():
    c = IdleCollector()
    c.hold()
    c.release(defer=False)
    assert gc.isenabled()

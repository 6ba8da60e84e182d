"""The Redis-shared pacing: one limit for many processes, strict reply priority, no reserve."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from bot.channels.outbound import Limits, Outbound

REDIS = "redis://127.0.0.1:6379/15"
LIMIT = 20
LIMITS = Limits(per_second=LIMIT, per_chat_per_second=1000, max_in_flight=64)


@pytest.fixture
def name() -> str:
    """A channel name of its own, so parallel runs never share a window."""
    return f"test-{uuid.uuid4().hex[:8]}"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")


async def _broadcast(ob: Outbound, stop: float, times: list[float]) -> None:
    """Send broadcasts back to back until ``stop`` (each send 'takes' 2 ms)."""
    n = 0
    while time.monotonic() < stop:
        n += 1
        ticket = await ob.acquire(f"b{id(ob)}-{n}", "broadcast")
        times.append(time.monotonic())
        await asyncio.sleep(0.002)
        ob.release(ticket)


async def test_two_processes_share_one_limit_and_broadcasts_use_all_of_it(name: str) -> None:
    """Two Outbounds (two workers) on one Redis: never over the limit together, near it alone."""
    a, b = Outbound(name, LIMITS, REDIS), Outbound(name, LIMITS, REDIS)
    times: list[float] = []
    stop = time.monotonic() + 3.0
    await asyncio.gather(_broadcast(a, stop, times), _broadcast(b, stop, times))
    times.sort()
    window = 1.0 + LIMITS.margin
    worst = max(sum(1 for u in times[i:] if u - t < window - 0.01) for i, t in enumerate(times))
    assert worst <= LIMIT
    # No fixed reserve: the two together use the whole limit (a first full window, then
    # LIMIT per window of 1.02 s plus the 2 ms each send takes).
    assert len(times) >= LIMIT + 1.5 * LIMIT


async def test_a_reply_in_another_process_goes_before_the_campaign(name: str) -> None:
    """While a worker saturates the window, a web process's reply waits one freed slot only."""
    worker, web = Outbound(name, LIMITS, REDIS), Outbound(name, LIMITS, REDIS)
    times: list[float] = []
    stop = time.monotonic() + 4.0
    campaign = asyncio.create_task(_broadcast(worker, stop, times))
    await asyncio.sleep(1.5)  # the window is full of broadcasts now
    waits = []
    for i in range(8):
        start = time.monotonic()
        ticket = await web.acquire(f"citizen-{i}", "reply")
        waits.append(time.monotonic() - start)
        web.release(ticket)
        await asyncio.sleep(0.1)
    await campaign
    # A slot frees every 1/LIMIT s: the reply takes the next one, never waits out the window.
    assert max(waits) < 3 / LIMIT + 0.1, waits
    assert len(times) >= 2 * LIMIT  # the campaign went on around the replies


async def test_without_redis_broadcasts_leave_the_reserve(name: str) -> None:
    """No shared window: the worker cannot see replies elsewhere, so it keeps the reserve."""
    ob = Outbound(name, Limits(per_second=LIMIT, reply_reserve=5, max_in_flight=64))
    times: list[float] = []
    start = time.monotonic()
    await _broadcast(ob, start + 3.0, times)
    # Spread evenly at LIMIT - 5 per window (plus a first burst of a tenth): never LIMIT.
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u - t < 1.0) <= LIMIT - 5
    assert len(times) >= 2.5 * (LIMIT - 5)

"""The pacing window (bot/channels/outbound.py): never over the limit, idle chats forgotten."""

from __future__ import annotations

import asyncio
import itertools
import random
import time

from bot.channels import outbound
from bot.channels.outbound import Limits, Outbound, _Window

WINDOW = 1.05


def test_window_never_admits_more_than_the_limit_per_window() -> None:
    """Random sends and completions: every admitted send has < limit others in its window."""
    rng = random.Random(7)
    win = _Window()
    limit = 5
    now = 0.0
    in_flight: list[list[float]] = []
    admitted: list[float] = []
    for _ in range(3000):
        now += rng.expovariate(20)
        if in_flight and rng.random() < 0.6:  # a send completes
            slot = in_flight.pop(rng.randrange(len(in_flight)))
            slot[0], slot[1] = max(slot[0], now), 0.0
        if win.wait(now, limit, WINDOW) == 0.0:
            slot = [now, 1.0]
            win.slots.append(slot)
            in_flight.append(slot)
            admitted.append(now)
    assert len(admitted) > 100
    # Arrival <= completion, so admission times are a lower bound on what the platform sees.
    for i, t in enumerate(admitted):
        assert sum(1 for u in admitted[i:] if u - t < WINDOW) <= limit


def test_wait_says_how_long_until_a_slot_frees() -> None:
    win = _Window()
    for t in (0.0, 0.1):
        win.slots.append([t, 0.0])
    assert win.wait(0.2, 2, WINDOW) == 1.05 - 0.2
    assert win.wait(1.06, 2, WINDOW) == 0.0  # the first one left the window
    win.slots.append([1.06, 1.0])  # in flight: counts as "now" however old
    assert win.wait(5.0, 1, WINDOW) > 0


class FakeClock:
    """A clock the test moves: a wait moves it on at once instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def paced(limits: Limits, clock: FakeClock) -> Outbound:
    """An Outbound on the test's clock."""
    return Outbound("test", limits, clock=clock, sleep=clock.sleep)


def test_idle_chats_are_forgotten() -> None:
    """Past 10,000 chats the ones with nothing in their window are dropped (memory stays flat).

    On a clock the test moves (a busy machine once took over a second for the first loop, and
    the windows it was counting expired on their own).
    """
    clock = FakeClock()
    ob = paced(Limits(per_second=100_000, per_chat_per_second=10, max_in_flight=10**6), clock)
    for chat in range(10_050):
        _, slots = ob._try_take(str(chat), "reply")
        ob._done(slots)
    assert len(ob._chats) > 10_000
    clock.now += WINDOW + 0.05
    _, slots = ob._try_take("last", "reply")
    ob._done(slots)
    assert len(ob._chats) <= 2


async def test_replies_to_one_chat_go_a_window_apart_on_the_clock() -> None:
    """Three replies to one chat at 1/s: two windows of clock time, no real second spent."""
    clock = FakeClock()
    ob = paced(Limits(per_second=30, per_chat_per_second=1), clock)
    sent: list[float] = []

    async def send() -> None:
        sent.append(clock.now)

    started = time.perf_counter()
    for _ in range(3):
        await ob.call("777", send)
    window = 1.0 + ob.limits.margin  # a second plus the margin for clock jitter
    assert all(window <= b - a < window + 0.05 for a, b in itertools.pairwise(sent))
    assert len(sent) == 3
    assert time.perf_counter() - started < 0.5


async def test_flood_control_holds_the_channel_then_retries() -> None:
    """A 429 with retry_after 5 pauses the whole channel for 5 s of clock time."""
    clock = FakeClock()
    ob = paced(Limits(), clock)
    answers: list[float] = []

    async def send() -> str:
        answers.append(clock.now)
        if len(answers) == 1:
            raise outbound.RetryLater(5.0)
        return "ok"

    assert await ob.call("1", send) == "ok"
    assert answers[1] - answers[0] >= 5.0
    # Another chat waits out the same pause.
    ob.pause(3.0)
    before = clock.now
    await ob.call("2", send)
    assert answers[-1] - before >= 3.0

"""The pacing window (bot/channels/outbound.py): never over the limit, idle chats forgotten."""

from __future__ import annotations

import random
from types import SimpleNamespace

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


def test_idle_chats_are_forgotten(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Past 10,000 chats the ones with nothing in their window are dropped (memory stays flat).

    On a clock the test moves (a busy machine once took over a second for the first loop, and
    the windows it was counting expired on their own).
    """
    clock = [1000.0]
    monkeypatch.setattr(outbound, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    ob = Outbound("test", Limits(per_second=100_000, per_chat_per_second=10, max_in_flight=10**6))
    for chat in range(10_050):
        _, slots = ob._try_take(str(chat), "reply")
        ob._done(slots)
    assert len(ob._chats) > 10_000
    clock[0] += WINDOW + 0.05
    _, slots = ob._try_take("last", "reply")
    ob._done(slots)
    assert len(ob._chats) <= 2

"""Outgoing message pacing per channel, shared by replies and broadcasts (replies first).

One ``Outbound`` per channel and process holds sliding-window limits (overall and per chat),
pauses the whole channel when the platform answers 429, and retries a bounded number of times.
With ``CANHGIAC_REDIS_URL`` set, the overall window is also shared between processes through
Redis (a sorted-set sliding window), so a web process and a worker together stay under it.

The broadcast worker uses the same object as the webhooks::

    sender = channel_senders(rt)["telegram"]
    try:
        await sender.send_text(chat_id, text, buttons, priority="broadcast")
    except RecipientBlocked:
        ...  # unsubscribe that subscriber
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, TypeVar

from bot.dialogs.types import Button

log = logging.getLogger(__name__)

T = TypeVar("T")
Priority = Literal["reply", "broadcast"]

MAX_RETRIES = 3
# A flood wait longer than this is not slept through inside a request: the caller gives up.
MAX_RETRY_AFTER = 60.0


class OutboundError(Exception):
    """A message could not be delivered."""


class RecipientBlocked(OutboundError):
    """403: the user blocked the bot (or the bot may not write there): stop sending to them."""


class RateLimited(OutboundError):
    """429 persisted after the allowed retries (or asked for an unreasonable wait)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:g}s")
        self.retry_after = retry_after


class RetryLater(Exception):
    """Raised by a platform call wrapper to ask ``Outbound`` for a wait and a retry (429)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


@dataclass(frozen=True)
class Limits:
    """A platform's pacing rules."""

    per_second: int = 30
    per_chat_per_second: int = 1
    # Slots of the overall budget that broadcasts leave free for replies.
    reply_reserve: int = 5
    # Extra spacing added to each window: clocks and networks jitter.
    margin: float = 0.05
    # Concurrent requests per channel and process (the API is HTTP/1.1; keep sockets few).
    max_in_flight: int = 8


TELEGRAM_LIMITS = Limits()
# Zalo publishes no numbers for the Bot Platform: assume Telegram-like, conservative pacing.
ZALO_LIMITS = Limits(per_second=20, per_chat_per_second=1, reply_reserve=4)


class _Window:
    """Send times of the last second; an in-flight send counts from its completion."""

    def __init__(self) -> None:
        # Mutable [time, in_flight] slots: the time is moved to the completion once the call
        # returns, because the platform counts arrivals and an arrival is never later than
        # completion. A send still in flight is never dropped: it may arrive any moment now.
        self.slots: deque[list[float]] = deque()

    def wait(self, now: float, limit: int, window: float) -> float:
        """Seconds until one more send fits (0 = now)."""
        slots = self.slots
        # Cheap pass: expired sends leave from the oldest end. One still in flight stops it,
        # so a few expired ones may stay behind it and count: that only ever waits longer.
        while slots and not slots[0][1] and now - slots[0][0] >= window:
            slots.popleft()
        if len(slots) < limit:
            return 0.0
        # Full pass only near the limit (a window of a paid 1000/s bot holds a thousand).
        self.slots = slots = deque(s for s in slots if s[1] or now - s[0] < window)
        if len(slots) < limit:
            return 0.0
        times = sorted(now if s[1] else s[0] for s in slots)
        return max(times[len(times) - limit] + window - now, 0.01)

    def busy(self, now: float, window: float) -> bool:
        """Whether a send is in flight or still inside the window."""
        return any(s[1] or now - s[0] < window for s in self.slots)


class _RedisWindow:
    """The overall window shared through Redis; falls back to in-process on errors."""

    _SCRIPT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local n = redis.call('ZCARD', key)
if n < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""

    def __init__(self, url: str, name: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(self._SCRIPT)
        self._key = f"cg:outbound:{name}"
        self._seq = 0

    def try_take(self, limit: int, window: float) -> float | None:
        """Take a slot (0.0), or the seconds to wait; None when Redis is unreachable."""
        import redis

        self._seq += 1
        now = time.time()
        try:
            answer = self._script(
                keys=[self._key], args=[now, window, limit, f"{now}:{id(self)}:{self._seq}"]
            )
        except redis.RedisError:
            log.warning("redis unavailable: per-process pacing", extra={"error": "redis"})
            return None
        return max(0.0, float(answer))


class Outbound:
    """Paces one channel's sends; safe to share across event loops and threads."""

    def __init__(self, name: str, limits: Limits, redis_url: str | None = None) -> None:
        self.name = name
        self.limits = limits
        self._lock = threading.Lock()
        self._global = _Window()
        self._chats: dict[str, _Window] = {}
        self._paused_until = 0.0
        self._replies_waiting = 0
        self._in_flight = 0
        self._redis = _RedisWindow(redis_url, name) if redis_url else None

    def _window(self) -> float:
        return 1.0 + self.limits.margin

    def _try_take(self, chat: str, priority: Priority) -> tuple[float, list[list[float]]]:
        """Take a slot now (0, its clock entries) or say how long to wait before trying again."""
        now = time.monotonic()
        window = self._window()
        with self._lock:
            if now < self._paused_until:
                return self._paused_until - now, []
            if self._in_flight >= self.limits.max_in_flight:
                return 0.01, []
            if priority == "broadcast" and self._replies_waiting:
                return 0.02, []
            limit = self.limits.per_second
            if priority == "broadcast":
                limit = max(1, limit - self.limits.reply_reserve)
            chat_window = self._chats.get(chat) or self._chats.setdefault(chat, _Window())
            wait = max(
                self._global.wait(now, limit, window),
                chat_window.wait(now, self.limits.per_chat_per_second, window),
            )
            if wait > 0:
                return wait, []
            if self._redis is not None:
                shared = self._redis.try_take(limit, window)
                if shared:
                    return shared, []
            slots = [[now, 1.0], [now, 1.0]]
            self._global.slots.append(slots[0])
            chat_window.slots.append(slots[1])
            self._in_flight += 1
            if len(self._chats) > 10_000:  # forget chats with nothing left in their window
                self._chats = {k: w for k, w in self._chats.items() if w.busy(now, window)}
            return 0.0, slots

    def _done(self, slots: list[list[float]]) -> None:
        now = time.monotonic()
        with self._lock:
            for slot in slots:
                slot[0] = max(slot[0], now)
                slot[1] = 0.0
            self._in_flight -= 1

    async def acquire(self, chat_id: str | int, priority: Priority = "reply") -> list[list[float]]:
        """Wait until one message to ``chat_id`` may be sent; pass the result to ``release``."""
        chat = str(chat_id)
        if priority == "reply":
            with self._lock:
                self._replies_waiting += 1
        try:
            while True:
                wait, slots = self._try_take(chat, priority)
                if wait <= 0:
                    return slots
                # Polling a clock shared across loops/threads: an asyncio.Event cannot span them.
                await asyncio.sleep(min(wait, 1.0))
        finally:
            if priority == "reply":
                with self._lock:
                    self._replies_waiting -= 1

    def release(self, slots: list[list[float]]) -> None:
        """The send taken by ``acquire`` finished: its window counts from now."""
        self._done(slots)

    def pause(self, seconds: float) -> None:
        """Hold every send of this channel (the platform said 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def call(
        self,
        chat_id: str | int,
        send: Callable[[], Awaitable[T]],
        priority: Priority = "reply",
        *,
        counted: bool = True,
    ) -> T:
        """Run one platform call under the pacing; 429 (``RetryLater``) waits and retries."""
        attempt = 0
        while True:
            slots = await self.acquire(chat_id, priority) if counted else None
            try:
                return await send()
            except RetryLater as exc:
                attempt += 1
                log.warning(
                    "flood control",
                    extra={"channel": self.name, "retry_after": exc.seconds, "attempt": attempt},
                )
                if attempt > MAX_RETRIES or exc.seconds > MAX_RETRY_AFTER:
                    raise RateLimited(exc.seconds) from None
                self.pause(exc.seconds)
                delay = exc.seconds
            finally:
                if slots is not None:
                    self.release(slots)
            await asyncio.sleep(delay)


class Sender(Protocol):
    """What the broadcast worker needs from a channel."""

    channel: str
    outbound: Outbound

    async def send_text(
        self,
        chat_id: str,
        text: str,
        buttons: Sequence[Button] = (),
        priority: Priority = "reply",
    ) -> list[Any]:
        """Send text (split to the platform's limit) with buttons; raises RecipientBlocked."""
        ...


_SHARED: dict[tuple[str, str | None], Outbound] = {}
_SHARED_LOCK = threading.Lock()


def outbound_for(channel: str, redis_url: str | None = None) -> Outbound:
    """The process-wide limiter of a channel (one per channel, shared by every sender)."""
    with _SHARED_LOCK:
        key = (channel, redis_url)
        found = _SHARED.get(key)
        if found is None:
            limits = TELEGRAM_LIMITS if channel == "telegram" else ZALO_LIMITS
            # e.g. CANHGIAC_TELEGRAM_PER_SECOND=1000 for Telegram paid broadcasts (and the bench).
            override = os.environ.get(f"CANHGIAC_{channel.upper()}_PER_SECOND", "").strip()
            if override.isdigit() and int(override) > 0:
                limits = replace(limits, per_second=int(override))
            per_chat = os.environ.get(f"CANHGIAC_{channel.upper()}_PER_CHAT_PER_SECOND", "").strip()
            if per_chat.isdigit() and int(per_chat) > 0:  # fakes and the bench only
                limits = replace(limits, per_chat_per_second=int(per_chat))
            found = _SHARED[key] = Outbound(channel, limits, redis_url)
        return found

"""Outgoing message pacing per channel, shared by replies and broadcasts (replies first).

One ``Outbound`` per channel and runtime (``pacer``) holds sliding-window limits (overall and
per chat), pauses the whole channel when the platform answers 429, and retries a bounded number
of times.
With ``CANHGIAC_REDIS_URL`` set, the overall window is also shared between processes through
Redis (a sorted-set sliding window), so web processes and any number of workers together stay
under one per-bot limit: a reply waiting anywhere holds every broadcast back (strict priority),
and broadcasts take every slot replies leave free. Without Redis the worker cannot see the web
process's replies, so broadcasts leave ``reply_reserve`` slots a second free instead.

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
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, TypeVar

from bot.dialogs.types import Button
from hotline.runtime import HotlineRuntime

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


class QuotaExceeded(OutboundError):
    """The platform's quota for proactive messages is used up: skip, do not retry today."""


class NotNow(OutboundError):
    """This recipient may not be messaged now (outside the platform's reply window)."""


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
    # Slots broadcasts leave free for replies, only when no Redis is shared: the worker cannot
    # see the web process's waiting replies then. With Redis, replies have strict priority
    # across processes and broadcasts take every slot replies leave free.
    reply_reserve: int = 5
    # Extra spacing added to each window (a send counts from its completion, which already
    # covers network delay; this absorbs clock jitter).
    margin: float = 0.02
    # Concurrent requests per channel and process (keep sockets few; a paid 1000/s bot raises
    # it with CANHGIAC_<CHANNEL>_MAX_IN_FLIGHT).
    max_in_flight: int = 8


TELEGRAM_LIMITS = Limits()
# Zalo publishes no numbers for the Bot Platform: assume Telegram-like, conservative pacing.
ZALO_LIMITS = Limits(per_second=20, per_chat_per_second=1, reply_reserve=4)
# Zalo OA publishes no rate either; its webhook must be answered within 2 seconds, and one
# answer is up to a few messages (five buttons each), so a user's messages may go 5 a second.
ZALO_OA_LIMITS = Limits(per_second=20, per_chat_per_second=5, reply_reserve=4)


@dataclass
class Ticket:
    """One admitted send: its local window entries and its member in the shared window."""

    slots: list[list[float]]
    member: str | None = None


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


# Seconds a broadcast waits before asking again while a reply (anywhere) is waiting.
_YIELD = 0.01
# How long a send in flight keeps its slot in the shared window at most (the HTTP timeout).
FLIGHT = 10.0
# A slot taken for a broadcast waiting in this process but not used this soon is given back.
PERMIT_TTL = 0.5


@dataclass
class _LoopState:
    """Per event loop: the broadcasts' gate, their spare shared slots, finished sends."""

    gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0  # broadcasts in acquire() now
    permits: deque[tuple[str, float]] = field(default_factory=deque)  # (member, taken at)
    finished: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    flusher: asyncio.Task[None] | None = None


class _RedisWindow:
    """The overall window shared through Redis, with strict reply priority across processes.

    One sorted set holds the sends of the last window (score: Redis's own clock, so machines
    with skewed clocks agree); a second holds the replies waiting for a slot (score: when the
    entry expires, so a crashed process's waiter does not hold broadcasts back for long). A
    broadcast is refused while any reply waits; a reply takes the next free slot. A send is
    scored ``FLIGHT`` seconds ahead while in flight (a paused process may hand it to the platform
    late: it must not leave the window before it is done) and re-scored at completion (the
    platform counts arrivals, never later than completion). A killed process's sends in flight
    hold their slots for ``FLIGHT`` seconds more. Broadcasts are also spread evenly (one every
    1/limit s, a burst of a tenth of the limit at most), so slots free up steadily and a
    waiting reply gets the next one within a few hundredths of a second instead of waiting out
    a window filled in one burst.

    Round trips are batched, since each costs the worker about as much CPU as the send itself:
    a broadcast asks for as many slots as its process has broadcasts waiting (members
    ``<member>/1`` .. ``/n``, within the spacing and the window), and completions are re-scored
    together (one call for all the sends that finished while the previous call was out).
    """

    _TAKE = """
local key, waiting, pace = KEYS[1], KEYS[2], KEYS[3]
local window, limit, member, prio = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local burst, want = tonumber(ARGV[5]), tonumber(ARGV[7])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local n = redis.call('ZCARD', key)
local function full()
  local oldest = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
  return tostring(tonumber(oldest[2]) + window - now)
end
if prio == 'broadcast' then
  redis.call('ZREMRANGEBYSCORE', waiting, '-inf', now)
  if redis.call('ZCARD', waiting) > 0 then return {0, '-1'} end
  local tat = math.max(tonumber(redis.call('GET', pace) or '0'), now)
  local granted = 0
  while granted < want do
    local early = tat - now - burst / limit
    if early > 0 then
      if granted == 0 then return {0, tostring(early)} end
      break
    end
    if n >= limit then
      if granted == 0 then return {0, full()} end
      break
    end
    granted = granted + 1
    n = n + 1
    redis.call('ZADD', key, now + tonumber(ARGV[6]), member .. '/' .. granted)
    tat = tat + 1 / limit
  end
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 5000)
  redis.call('SET', pace, tostring(tat), 'PX', math.ceil(window * 1000) + 5000)
  return {granted, '0'}
end
if n < limit then
  redis.call('ZADD', key, now + tonumber(ARGV[6]), member)
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 5000)
  redis.call('ZREM', waiting, member)
  return {1, '0'}
end
redis.call('ZADD', waiting, now + 2, member)
redis.call('PEXPIRE', waiting, 5000)
return {0, full()}
"""

    # Re-score finished sends at Redis's now; members in ARGV after '-' were never sent.
    _DONE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local unused = false
for _, member in ipairs(ARGV) do
  if member == '-' then
    unused = true
  elseif unused then
    redis.call('ZREM', KEYS[1], member)
  else
    redis.call('ZADD', KEYS[1], now, member)
  end
end
return 1
"""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        # One asyncio client per event loop (a client belongs to the loop that made it); the
        # calls never block the loop, so a 1000/s sender keeps sending while Redis answers.
        self._clients: dict[asyncio.AbstractEventLoop, tuple[Any, Any, Any]] = {}
        self._keys = [
            f"cg:outbound:{name}",
            f"cg:outbound:{name}:replies",
            f"cg:outbound:{name}:pace",
        ]
        self._prefix = f"{os.getpid()}:{id(self)}:"
        self._seq = 0

    def member(self) -> str:
        """A name for one send (or one waiting reply), unique across processes."""
        self._seq += 1
        return f"{self._prefix}{self._seq}"

    def _client(self) -> tuple[Any, Any, Any]:
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        found = self._clients.get(loop)
        if found is None:
            for old in [k for k in self._clients if k.is_closed()]:
                del self._clients[old]
            client = aioredis.Redis.from_url(
                self._url, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            found = (client, client.register_script(self._TAKE), client.register_script(self._DONE))
            self._clients[loop] = found
        return found

    async def try_take(
        self, limit: int, window: float, member: str, priority: Priority, burst: int, want: int = 1
    ) -> tuple[list[str], float] | None:
        """Take up to ``want`` slots (their members, 0.0), or none and the seconds to wait.

        A reply takes one slot under ``member`` itself; broadcasts get ``member/1`` ... .
        None when Redis is unreachable.
        """
        import redis

        try:
            args = [window, limit, member, priority, burst, FLIGHT, want]
            granted, wait = await self._client()[1](keys=self._keys, args=args)
        except (redis.RedisError, OSError):
            log.warning("redis unavailable: per-process pacing", extra={"error": "redis"})
            return None
        if int(granted):
            if priority == "reply":
                return [member], 0.0
            return [f"{member}/{i}" for i in range(1, int(granted) + 1)], 0.0
        answer = float(wait)
        return [], _YIELD if answer < 0 else max(0.01, answer)

    async def done(self, members: Sequence[str], unused: Sequence[str] = ()) -> None:
        """These sends finished (they count from now); ``unused`` slots were never sent."""
        import redis

        args = [*members, "-", *unused] if unused else list(members)
        try:
            await self._client()[2](keys=self._keys[:1], args=args)
        except (redis.RedisError, OSError):
            log.warning("redis unavailable: per-process pacing", extra={"error": "redis"})


class Outbound:
    """Paces one channel's sends; safe to share across event loops and threads."""

    def __init__(
        self,
        name: str,
        limits: Limits,
        redis_url: str | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.limits = limits
        # Where the time comes from and how a wait is spent: a test passes a clock it moves
        # itself, so pacing is checked without real sleeps.
        self._now = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._global = _Window()
        self._chats: dict[str, _Window] = {}
        self._paused_until = 0.0
        self._replies_waiting = 0
        self._in_flight = 0
        # Broadcasts' theoretical next admission (GCRA): spreads them over the window.
        self._tat = 0.0
        self._redis = _RedisWindow(redis_url, name) if redis_url else None
        # One broadcast per event loop asks for a slot at a time; the others wait their turn
        # without polling (a 64-wide campaign sender would otherwise spin 64 timers).
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    def _window(self) -> float:
        return 1.0 + self.limits.margin

    def _try_take(self, chat: str, priority: Priority) -> tuple[float, Ticket]:
        """Without Redis: take a slot now (0, its ticket) or say how long to wait."""
        wait, limit = self._local_wait(chat, priority)
        if wait > 0:
            return wait, Ticket([])
        return 0.0, self._admit(chat, priority, limit, None)

    def _local_wait(
        self, chat: str, priority: Priority, limit: int | None = None
    ) -> tuple[float, int]:
        """This process's own rules: seconds to wait (0 = go on) and the limit that applies."""
        now = self._now()
        window = self._window()
        with self._lock:
            if now < self._paused_until:
                return self._paused_until - now, 0
            if self._in_flight >= self.limits.max_in_flight:
                return 0.01, 0
            if priority == "broadcast" and self._replies_waiting:
                return _YIELD, 0
            if limit is None:
                limit = self.limits.per_second
                if priority == "broadcast" and self._redis is None:
                    limit = max(1, limit - self.limits.reply_reserve)
            if priority == "broadcast" and self._redis is None:
                early = max(self._tat, now) - now - self._burst(limit) / limit
                if early > 0:
                    return early, limit
            chat_window = self._chats.get(chat) or self._chats.setdefault(chat, _Window())
            wait = max(
                self._global.wait(now, limit, window),
                chat_window.wait(now, self.limits.per_chat_per_second, window),
            )
            return wait, limit

    def _admit(self, chat: str, priority: Priority, limit: int, member: str | None) -> Ticket:
        """Count one send in this process's windows (it was allowed everywhere)."""
        now = self._now()
        window = self._window()
        with self._lock:
            if priority == "broadcast":
                # The platform's own rate: the window (with its margin) is what enforces it.
                self._tat = max(self._tat, now) + 1 / limit
            chat_window = self._chats.get(chat) or self._chats.setdefault(chat, _Window())
            slots = [[now, 1.0], [now, 1.0]]
            self._global.slots.append(slots[0])
            chat_window.slots.append(slots[1])
            self._in_flight += 1
            if len(self._chats) > 10_000:  # forget chats with nothing left in their window
                self._chats = {k: w for k, w in self._chats.items() if w.busy(now, window)}
            return Ticket(slots, member)

    async def _try_shared(self, chat: str, priority: Priority, member: str) -> tuple[float, Ticket]:
        """With Redis: this process's rules, then the shared window (strict reply priority)."""
        assert self._redis is not None
        wait, limit = self._local_wait(chat, priority)
        if wait > 0:
            return wait, Ticket([])
        want = 1
        if priority == "broadcast":
            state = self._state()
            spare = self._spare(state)
            if spare is not None:
                return 0.0, self._admit(chat, priority, limit, spare)
            # Slots for every broadcast waiting here, in one round trip (within the burst).
            room = self.limits.max_in_flight - self._in_flight
            want = max(1, min(state.queued, room, self._burst(limit)))
        shared = await self._redis.try_take(
            limit, self._window(), member, priority, self._burst(limit), want
        )
        if shared is None:
            # Redis down: replies go on alone; broadcasts keep the reserve free.
            reduced = max(1, limit - self.limits.reply_reserve)
            if priority == "broadcast":
                wait, _ = self._local_wait(chat, priority, reduced)
                if wait > 0:
                    return max(wait, _YIELD), Ticket([])
            return 0.0, self._admit(chat, priority, limit, None)
        members, wait = shared
        if not members:
            return wait, Ticket([])
        if len(members) > 1:
            state = self._state()
            now = self._now()
            state.permits.extend((m, now) for m in members[1:])
            asyncio.get_running_loop().call_later(PERMIT_TTL, self._give_back, state)
        return 0.0, self._admit(chat, priority, limit, members[0])

    def _spare(self, state: _LoopState) -> str | None:
        """A shared slot taken earlier for a broadcast waiting here (stale ones go back)."""
        self._give_back(state)
        return state.permits.popleft()[0] if state.permits else None

    def _give_back(self, state: _LoopState) -> None:
        """Slots unused for PERMIT_TTL leave the shared window (a reply may need them)."""
        now = self._now()
        while state.permits and now - state.permits[0][1] >= PERMIT_TTL:
            state.unused.append(state.permits.popleft()[0])
        if state.unused:
            self._flush(state)

    def _flush(self, state: _LoopState) -> None:
        """Re-score finished sends (and give back unused slots) in the background, batched."""
        if state.flusher is None or state.flusher.done():
            state.flusher = asyncio.get_running_loop().create_task(self._flush_all(state))

    async def _flush_all(self, state: _LoopState) -> None:
        # Whatever finishes while one call is out goes in the next: one call per batch.
        assert self._redis is not None
        while state.finished or state.unused:
            finished, unused = state.finished, state.unused
            state.finished, state.unused = [], []
            await self._redis.done(finished, unused)

    @staticmethod
    def _burst(limit: int) -> int:
        return max(1, limit // 10)

    def _done(self, ticket: Ticket) -> None:
        now = self._now()
        with self._lock:
            for slot in ticket.slots:
                slot[0] = max(slot[0], now)
                slot[1] = 0.0
            self._in_flight -= 1

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._loops.get(loop)
            if state is None:
                state = self._loops[loop] = _LoopState()
            return state

    async def acquire(self, chat_id: str | int, priority: Priority = "reply") -> Ticket:
        """Wait until one message to ``chat_id`` may be sent; pass the result to ``release``."""
        chat = str(chat_id)
        if priority == "broadcast":
            state = self._state()
            state.queued += 1
            try:
                async with state.gate:
                    return await self._poll(chat, priority)
            finally:
                state.queued -= 1
        with self._lock:
            self._replies_waiting += 1
        try:
            return await self._poll(chat, priority)
        finally:
            with self._lock:
                self._replies_waiting -= 1

    async def _poll(self, chat: str, priority: Priority) -> Ticket:
        # A reply keeps one name while it waits: its entry in the shared waiting set.
        member = self._redis.member() if self._redis is not None else None
        while True:
            if member is None:
                wait, ticket = self._try_take(chat, priority)
            else:
                wait, ticket = await self._try_shared(chat, priority, member)
            if wait <= 0:
                return ticket
            # Polling a clock shared across loops/threads: an asyncio.Event cannot span them.
            await self._sleep(min(wait, 1.0))

    def release(self, ticket: Ticket) -> None:
        """The send taken by ``acquire`` finished: its window counts from now."""
        self._done(ticket)
        if self._redis is not None and ticket.member is not None:
            # Re-scored in the background: the sender goes on at once.
            state = self._state()
            state.finished.append(ticket.member)
            self._flush(state)

    def pause(self, seconds: float) -> None:
        """Hold every send of this channel (the platform said 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._now() + seconds)

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
            ticket = await self.acquire(chat_id, priority) if counted else None
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
                if ticket is not None:
                    self.release(ticket)
            await self._sleep(delay)


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


def outbound_for(channel: str, redis_url: str | None = None) -> Outbound:
    """A new pacer of a channel at its limits (the environment may raise them, see below)."""
    limits = {"telegram": TELEGRAM_LIMITS, "zalo_oa": ZALO_OA_LIMITS}.get(channel, ZALO_LIMITS)
    # e.g. CANHGIAC_TELEGRAM_PER_SECOND=1000 for Telegram paid broadcasts (and the bench).
    override = os.environ.get(f"CANHGIAC_{channel.upper()}_PER_SECOND", "").strip()
    if override.isdigit() and int(override) > 0:
        limits = replace(limits, per_second=int(override))
    per_chat = os.environ.get(f"CANHGIAC_{channel.upper()}_PER_CHAT_PER_SECOND", "").strip()
    if per_chat.isdigit() and int(per_chat) > 0:  # fakes and the bench only
        limits = replace(limits, per_chat_per_second=int(per_chat))
    in_flight = os.environ.get(f"CANHGIAC_{channel.upper()}_MAX_IN_FLIGHT", "").strip()
    if in_flight.isdigit() and int(in_flight) > 0:
        limits = replace(limits, max_in_flight=int(in_flight))
    return Outbound(channel, limits, redis_url)


def pacer(rt: HotlineRuntime, channel: str) -> Outbound:
    """The runtime's pacer of a channel, built on first use: all its senders share this one."""
    found = rt.pacers.get(channel)
    if found is None:
        # setdefault is atomic: two threads racing here still end up with the same pacer.
        found = rt.pacers.setdefault(channel, outbound_for(channel, rt.settings.redis_url))
    assert isinstance(found, Outbound)  # hotline keeps them untyped: it never imports bot
    return found

"""Short-lived values kept off the database: in process memory, or in Redis when configured.

What must never leave a trace in the database (an open follow-up, which ties a conversation to
a tip for a few minutes) lives here with a time to live, encrypted, under a keyed name.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)


class Scratch(Protocol):
    """Bytes under a name for a few minutes."""

    def get(self, name: str) -> bytes | None:
        """The value, or None when absent or expired."""
        ...

    def put(self, name: str, value: bytes, ttl_seconds: int) -> None:
        """Store (replace) a value for ``ttl_seconds``."""
        ...

    def delete(self, name: str) -> None:
        """Forget a value (no error when absent)."""
        ...


class MemoryScratch:
    """One process's scratch (enough for a single web process)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> bytes | None:
        """The value while it is fresh."""
        now = time.monotonic()
        with self._lock:
            found = self._items.get(name)
            if found is None or found[0] <= now:
                self._items.pop(name, None)
                return None
            return found[1]

    def put(self, name: str, value: bytes, ttl_seconds: int) -> None:
        """Store with an expiry; expired entries are swept now and then."""
        now = time.monotonic()
        with self._lock:
            if len(self._items) > 10_000:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
            self._items[name] = (now + ttl_seconds, value)

    def delete(self, name: str) -> None:
        """Forget a value."""
        with self._lock:
            self._items.pop(name, None)


class RedisScratch:
    """Shared scratch for several processes (SET ... EX); Redis must not persist to disk.

    With Redis down, every turn reads the scratch: it falls back to this process's memory (a
    follow-up then lives in one worker until Redis is back) instead of failing the turn.
    """

    def __init__(self, url: str, prefix: str = "cg:x:") -> None:
        import redis

        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._local = MemoryScratch()

    def _down(self) -> None:
        log.warning("redis unavailable: per-process scratch", extra={"error": "redis"})

    def get(self, name: str) -> bytes | None:
        """The value while it is fresh."""
        try:
            value = self._redis.get(self.prefix + name)
        except self._errors:
            self._down()
            return self._local.get(name)
        if isinstance(value, bytes):
            return value
        return self._local.get(name)  # written here while Redis was down

    def put(self, name: str, value: bytes, ttl_seconds: int) -> None:
        """Store with an expiry."""
        try:
            self._redis.set(self.prefix + name, value, ex=ttl_seconds)
        except self._errors:
            self._down()
            self._local.put(name, value, ttl_seconds)
            return
        self._local.delete(name)

    def delete(self, name: str) -> None:
        """Forget a value."""
        self._local.delete(name)
        try:
            self._redis.delete(self.prefix + name)
        except self._errors:
            self._down()


def make_scratch(redis_url: str | None) -> Scratch:
    """Redis-backed when a URL is configured, else in-process."""
    return RedisScratch(redis_url) if redis_url else MemoryScratch()

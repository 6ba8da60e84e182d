"""Fixed-window rate limits: in-process by default, shared through Redis when configured."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    """Counts attempts per key and says whether one more is allowed."""

    def allow(self, key: str) -> bool:
        """Record an attempt; False once the key is over its limit in the window."""
        ...


class MemoryRateLimiter:
    """Per-process fixed windows (enough for one process; Redis for several)."""

    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Record an attempt and check the limit."""
        bucket = int(time.time() // self.window)
        with self._lock:
            if len(self._hits) > 100_000:
                self._hits = {k: v for k, v in self._hits.items() if k[1] == bucket}
            count = self._hits.get((key, bucket), 0) + 1
            self._hits[(key, bucket)] = count
        return count <= self.limit


class RedisRateLimiter:
    """Shared fixed windows in Redis; falls back to in-process counting if Redis is down.

    Key names carry a keyed hash of what is counted, never the thing itself: a Redis dump must
    not list web chat session ids, client addresses or usernames.
    """

    def __init__(
        self,
        url: str,
        limit: int,
        window_seconds: int,
        prefix: str = "cg:rl:",
        secret: bytes = b"",
    ) -> None:
        import redis

        self.limit = limit
        self.window = window_seconds
        self.prefix = prefix
        self._name_key = hmac.new(secret, b"canhgiac/ratelimit-names/v1", hashlib.sha256).digest()
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._fallback = MemoryRateLimiter(limit, window_seconds)

    def allow(self, key: str) -> bool:
        """INCR + EXPIRE in one round trip."""
        import redis

        bucket = int(time.time() // self.window)
        hashed = hmac.new(self._name_key, key.encode(), hashlib.sha256).hexdigest()[:32]
        name = f"{self.prefix}{hashed}:{bucket}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(name)
            pipe.expire(name, self.window + 1)
            count = int(pipe.execute()[0])
        except redis.RedisError:
            log.warning("redis unavailable: per-process rate limit", extra={"error": "redis"})
            return self._fallback.allow(key)
        return count <= self.limit


def make_limiter(
    redis_url: str | None, limit: int, window_seconds: int, prefix: str, secret: bytes = b""
) -> RateLimiter:
    """Redis-backed when a URL is configured (names keyed with ``secret``), else in-process."""
    if redis_url:
        return RedisRateLimiter(redis_url, limit, window_seconds, prefix, secret)
    return MemoryRateLimiter(limit, window_seconds)

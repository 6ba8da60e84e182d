"""Abuse limits for tips and receipt codes (in-process, or shared through Redis).

One ``TipLimits`` per runtime (``HotlineRuntime.tip_limits``): its counters outlive a single
message, and a new runtime (a test, a process) starts with its own.
"""

from __future__ import annotations

import threading

from hotline.kit.ratelimit import RateLimiter, make_limiter

# (limit, window seconds) per purpose.
LIMITS = {
    "tips_per_user": (5, 24 * 3600),
    "codes_per_user": (5, 15 * 60),
    "codes_per_tag": (10, 3600),
}


class TipLimits:
    """The limiters of one runtime, one per purpose, made on first use."""

    def __init__(self, redis_url: str | None = None) -> None:
        self.redis_url = redis_url
        self._made: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def limiter(self, purpose: str) -> RateLimiter:
        """The limiter for one purpose of ``LIMITS``."""
        with self._lock:
            found = self._made.get(purpose)
            if found is None:
                limit, window = LIMITS[purpose]
                found = make_limiter(self.redis_url, limit, window, prefix=f"cg:tips:{purpose}:")
                self._made[purpose] = found
            return found

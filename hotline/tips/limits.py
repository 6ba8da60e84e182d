"""Abuse limits for tips and receipt codes (in-process, or shared through Redis)."""

from __future__ import annotations

import threading

from hotline.kit.ratelimit import RateLimiter, make_limiter

# (limit, window seconds) per purpose.
LIMITS = {
    "tips_per_user": (5, 24 * 3600),
    "codes_per_user": (5, 15 * 60),
    "codes_per_tag": (10, 3600),
}

_cache: dict[tuple[str | None, str], RateLimiter] = {}
_lock = threading.Lock()


def limiter(redis_url: str | None, purpose: str) -> RateLimiter:
    """The process-wide limiter for one purpose (counters must outlive a single message)."""
    with _lock:
        found = _cache.get((redis_url, purpose))
        if found is None:
            limit, window = LIMITS[purpose]
            found = make_limiter(redis_url, limit, window, prefix=f"cg:tips:{purpose}:")
            _cache[(redis_url, purpose)] = found
        return found

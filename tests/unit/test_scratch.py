"""The off-database scratch: Redis when configured, this process's memory when Redis is down."""

from __future__ import annotations

import socket

from hotline.kit.scratch import MemoryScratch, RedisScratch


def _closed_port() -> int:
    """A local port nothing listens on (Redis "down")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_memory_scratch_expires() -> None:
    scratch = MemoryScratch()
    scratch.put("a", b"1", 60)
    assert scratch.get("a") == b"1"
    scratch.put("b", b"2", 0)
    assert scratch.get("b") is None
    scratch.delete("a")
    assert scratch.get("a") is None


def test_redis_down_falls_back_to_this_process() -> None:
    """A turn must not fail because Redis is gone: the value lives in memory meanwhile."""
    scratch = RedisScratch(f"redis://127.0.0.1:{_closed_port()}/0")
    assert scratch.get("side") is None
    scratch.put("side", b"state", 60)
    assert scratch.get("side") == b"state"
    scratch.delete("side")
    assert scratch.get("side") is None

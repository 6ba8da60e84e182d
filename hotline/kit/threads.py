"""The event loop's thread pool for blocking work (database turns), kept small on purpose."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

#: Threads for `asyncio.to_thread` in the web app (the default of CANHGIAC_TURN_THREADS).
#: Python's default (CPU count + 4, so 6 on
#: two cores) made the turns fight over the GIL: every database round trip releases it and
#: each hand-back is a futex wake-up. Two threads still overlap one turn's database wait with
#: another's Python work; measured on PostgreSQL (bench/platform_bench.py): 6.3 ms of CPU per
#: message instead of 10.9, and p99 0.5 s instead of 2.5 s at 50 conversations.
DEFAULT_THREADS = 2


def bound_default_executor(threads: int) -> None:
    """Give the running loop a default executor of ``threads`` threads."""
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="canhgiac-turn")
    asyncio.get_running_loop().set_default_executor(pool)

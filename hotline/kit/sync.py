"""Running a coroutine to completion from synchronous code (the worker's per-tick jobs)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(make())``, also when the calling thread already runs an event loop.

    asyncio.run refuses to start inside a running loop (a worker tick called from async
    code), so there the coroutine gets its own loop in a helper thread and this call waits
    for it: the caller is synchronous and blocks either way. ``make`` builds the coroutine
    only where it runs, so a refused start never leaves one un-awaited.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgiac-job") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()

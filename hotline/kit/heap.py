"""Garbage-collector settings for long-running processes (the web app and the worker)."""

from __future__ import annotations

import gc

# Young collections every 700 allocations (CPython's default) run many times per request;
# a larger first threshold collects the same garbage in fewer, still short, passes.
GEN0_THRESHOLD = 20_000


def settle() -> None:
    """Freeze what startup loaded (models, content, code) so collections skip it.

    A full collection over the startup heap took ~160 ms on the 2-core machine
    (bench/platform_bench.py): it stalled every request in flight and made the p99.
    Frozen objects are never scanned again; they live as long as the process anyway.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)

"""`canhgiac worker`: route new tips, flag overdue ones, send agency notifications."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import httpx

from hotline import retention
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.kit import heap
from hotline.notifications.outbox import drain
from hotline.notifications.senders import Sender, build_senders
from hotline.runtime import HotlineRuntime

log = logging.getLogger(__name__)
#: A per-tick job the composition root adds (campaign sends, the OA token): the back office
#: never imports the channels, so `canhgiac worker` in bot/cli.py passes them in.
TickHook = Callable[[HotlineRuntime], None]


def tick(
    rt: HotlineRuntime, senders: dict[str, Sender], jobs: Sequence[TickHook] = ()
) -> dict[str, int]:
    """One pass; each step is its own transaction so one failure does not block the rest."""
    stats = {"routed": 0, "overdue": 0, "sent": 0, "failed": 0}
    with unit_of_work(rt.sessions) as session:
        stats["routed"] = casework.process_new_tips(session, rt.settings)
    with unit_of_work(rt.sessions) as session:
        stats["overdue"] = casework.check_overdue(session, rt.settings)
    with unit_of_work(rt.sessions) as session:
        stats["sent"], stats["failed"] = drain(session, senders)
    for job in jobs:
        try:
            job(rt)
        except Exception:
            log.exception("worker job failed")
    return stats


def run(
    rt: HotlineRuntime,
    interval: float = 5.0,
    once: bool = False,
    jobs: Sequence[TickHook] = (),
) -> None:
    """Loop forever (or once), sleeping between passes, running ``jobs`` in each; Ctrl-C stops."""
    last_purge = 0.0
    with httpx.Client() as client:
        senders = build_senders(rt.settings, client)
        heap.settle()
        while True:
            try:
                stats = tick(rt, senders, jobs)
                if any(stats.values()):
                    log.info("worker tick", extra=stats)
            except Exception:
                log.exception("worker tick failed")
            if time.monotonic() - last_purge >= retention.PURGE_INTERVAL_SECONDS:
                # Retention runs here so every deployment purges without an extra cron job.
                last_purge = time.monotonic()
                try:
                    retention.run_scheduled(rt)
                except Exception:
                    log.exception("retention purge failed")
            if once:
                return
            time.sleep(interval)

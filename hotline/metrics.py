"""Prometheus metrics: counters incremented in-process, gauges computed from the DB per scrape.

Counters live in prometheus_client's default registry (the `nlu` package adds its own
`canhgiac_nlu_*` there). With several uvicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty
directory before start: each process then writes its samples to files there and a scrape
aggregates them, whichever worker answers.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, inspect, select, table
from sqlalchemy import column as sa_column
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

MESSAGES_IN = Counter(
    "canhgiac_messages_in", "Messages received from citizens", labelnames=["channel"]
)
MESSAGES_OUT = Counter("canhgiac_messages_out", "Replies sent to citizens", labelnames=["channel"])
TIPS_SUBMITTED = Counter(
    "canhgiac_tips_submitted", "Tips submitted, by triage urgency", labelnames=["urgency"]
)
SEND_ERRORS = Counter(
    "canhgiac_send_errors",
    "Messages that could not be delivered to a channel or an agency",
    labelnames=["channel"],
)

# Outbox-like tables: rows waiting with status 'pending' are the queue. Others may appear later
# (campaign outbox); any table whose name contains "outbox" with a status column counts too.
KNOWN_QUEUES = ("notifications", "campaign_deliveries")
# Statuses that still wait for a worker, and those that gave up.
WAITING = ("pending", "claimed")
GAVE_UP = ("failed", "failed_unknown")
_SCHEMA_TTL_SECONDS = 60.0


def record_messages(channel: str, received: int, sent: int) -> None:
    """Count one conversation turn: messages in and replies out for a channel."""
    if received:
        MESSAGES_IN.labels(channel=channel).inc(received)
    if sent:
        MESSAGES_OUT.labels(channel=channel).inc(sent)


def record_tip(urgency: str) -> None:
    """Count a submitted tip under its urgency."""
    TIPS_SUBMITTED.labels(urgency=urgency).inc()


def record_send_error(channel: str) -> None:
    """Count a failed delivery (channel API error, agency notification failure)."""
    SEND_ERRORS.labels(channel=channel).inc()


class DatabaseCollector(Collector):
    """Queue depth and tips by urgency/status, read from the database at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._schema: tuple[float, list[str], bool] | None = None

    def _tables(self) -> tuple[list[str], bool]:
        """(queue tables, tips table present), re-inspected at most once a minute."""
        with self._lock:
            now = time.monotonic()
            if self._schema is None or now - self._schema[0] > _SCHEMA_TTL_SECONDS:
                insp = inspect(self.engine)
                names = set(insp.get_table_names())
                queues = [
                    n
                    for n in sorted(names)
                    if (n in KNOWN_QUEUES or "outbox" in n)
                    and "status" in {c["name"] for c in insp.get_columns(n)}
                ]
                has_tips = "tips" in names and {"status", "urgency"} <= {
                    c["name"] for c in insp.get_columns("tips")
                }
                self._schema = (now, queues, has_tips)
            return self._schema[1], self._schema[2]

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges; a database outage yields canhgiac_metrics_db_up 0, not an error."""
        up = GaugeMetricFamily("canhgiac_metrics_db_up", "1 when the database answered this scrape")
        depth = GaugeMetricFamily(
            "canhgiac_queue_depth",
            "Outbox rows waiting to be sent (pending or claimed)",
            labels=["queue"],
        )
        failed = GaugeMetricFamily(
            "canhgiac_queue_failed", "Outbox rows that gave up after retries", labels=["queue"]
        )
        tips = GaugeMetricFamily(
            "canhgiac_tips",
            "Tips in the database by urgency and status",
            labels=["urgency", "status"],
        )
        try:
            queues, has_tips = self._tables()
            with self.engine.connect() as conn:
                for name in queues:
                    t = table(name, sa_column("status"))
                    rows = conn.execute(select(t.c.status, func.count()).group_by(t.c.status))
                    counts: dict[str, int] = {str(r[0]): int(r[1]) for r in rows}
                    depth.add_metric([name], sum(counts.get(k, 0) for k in WAITING))
                    failed.add_metric([name], sum(counts.get(k, 0) for k in GAVE_UP))
                if has_tips:
                    t = table("tips", sa_column("urgency"), sa_column("status"))
                    by_kind = select(t.c.urgency, t.c.status, func.count()).group_by(
                        t.c.urgency, t.c.status
                    )
                    for row in conn.execute(by_kind):
                        tips.add_metric([str(row[0]), str(row[1])], int(row[2]))
        except SQLAlchemyError:
            log.warning("metrics: database unavailable")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield from (up, depth, failed, tips)


def multiprocess_dir() -> str | None:
    """The multiprocess directory when several worker processes share metrics."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(engine: Engine | None) -> tuple[bytes, str]:
    """The exposition text (all counters, plus the database gauges) and its content type."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if engine is not None:
        db_registry = CollectorRegistry(auto_describe=False)
        db_registry.register(DatabaseCollector(engine))
        body += generate_latest(db_registry)
    return body, CONTENT_TYPE_LATEST

"""The NLU engine the app talks to: Rasa when configured, the embedded engine otherwise."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import anyio.to_thread
from prometheus_client import Counter, Histogram

from nlu.embedded import EmbeddedEngine, load_or_train
from nlu.rasa_client import RasaClient, RasaError

log = logging.getLogger(__name__)

NLU_FALLBACK = Counter(
    "canhgiac_nlu_fallback",
    "Messages parsed by the embedded engine because Rasa failed or was cooling down",
)
NLU_LATENCY = Histogram(
    "canhgiac_nlu_latency_seconds",
    "Time to parse one message",
    labelnames=["engine"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


@runtime_checkable
class NluEngine(Protocol):
    """Anything that parses a message into Rasa's /model/parse shape."""

    def parse(self, text: str) -> dict[str, Any]:
        """Parse one message."""
        ...


class MeteredEngine:
    """Records parse latency of a wrapped engine under its engine label."""

    def __init__(self, inner: NluEngine, label: str) -> None:
        """Wrap `inner`; `label` is the histogram's engine label."""
        self.inner = inner
        self.label = label

    def parse(self, text: str) -> dict[str, Any]:
        """Parse and time it."""
        started = time.perf_counter()
        try:
            return self.inner.parse(text)
        finally:
            NLU_LATENCY.labels(engine=self.label).observe(time.perf_counter() - started)


class FallbackEngine:
    """Rasa first; on any Rasa failure the embedded engine answers, so the bot never stalls.

    After a failure Rasa is left alone for `cooldown` seconds: with a dead server every message
    would otherwise wait for the connect timeout and the retry before falling back.
    """

    def __init__(self, primary: NluEngine, fallback: NluEngine, cooldown: float = 30.0) -> None:
        """Combine a primary (Rasa) and a fallback (embedded) engine."""
        self.primary = primary
        self.fallback = fallback
        self.cooldown = cooldown
        self._down_until = 0.0
        self._lock = threading.Lock()

    def parse(self, text: str) -> dict[str, Any]:
        """Parse with Rasa, or with the embedded engine when Rasa fails."""
        now = time.monotonic()
        if now >= self._down_until:
            started = time.perf_counter()
            try:
                result = self.primary.parse(text)
            except RasaError as exc:
                # Never log the message text: it may identify a victim.
                log.warning("Rasa NLU failed (%s); using the embedded engine", type(exc).__name__)
                with self._lock:
                    self._down_until = time.monotonic() + self.cooldown
            else:
                NLU_LATENCY.labels(engine="rasa").observe(time.perf_counter() - started)
                return result
        NLU_FALLBACK.inc()
        started = time.perf_counter()
        try:
            return self.fallback.parse(text)
        finally:
            NLU_LATENCY.labels(engine="embedded").observe(time.perf_counter() - started)


async def aparse(engine: NluEngine, text: str) -> dict[str, Any]:
    """Parse from async code: in-process engines inline (~1 ms), HTTP ones in a worker thread."""
    if isinstance(engine, MeteredEngine | EmbeddedEngine):
        return engine.parse(text)
    return await anyio.to_thread.run_sync(engine.parse, text)


def load_embedded(model_dir: Path) -> EmbeddedEngine:
    """The embedded engine from `model_dir`, trained on the fly if missing or stale."""
    return load_or_train(model_dir)


def load_engine(model_dir: Path, rasa_url: str | None) -> NluEngine:
    """The app's engine: Rasa with embedded fallback if `rasa_url` is set, else embedded."""
    embedded = load_embedded(model_dir)
    if rasa_url:
        return FallbackEngine(RasaClient(rasa_url), embedded)
    return MeteredEngine(embedded, "embedded")

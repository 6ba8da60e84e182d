"""JSON logs that can never carry a user's identity or message text.

Only allow-listed `extra` fields are written; anything else passed to a logger is dropped,
so a careless `log.info(..., extra={"user_id": ...})` cannot leak.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

SAFE_FIELDS = frozenset(
    {
        "channel",
        "replies",
        "status",
        "method",
        "path",
        "duration_ms",
        "intent",
        "confidence",
        "engine",
        "tip_id",
        "urgency",
        "campaign_id",
        "count",
        "error",
        "attempt",
        "retry_after",
        "worker",
        "job",
        "agency",
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and safe extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise a record, dropping every non-allow-listed field."""
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in SAFE_FIELDS:
            if name in record.__dict__:
                data[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks may quote user input.
            data["exc"] = record.exc_info[0].__name__
        return json.dumps(data, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """Route all logging to stderr as JSON; quiet noisy libraries that log URLs with tokens."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs full request URLs, which contain the bot token: keep them at WARNING.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Pillow logs every EXIF/PNG chunk it reads at DEBUG (GPS, camera serials): never log them.
    logging.getLogger("PIL").setLevel(logging.WARNING)

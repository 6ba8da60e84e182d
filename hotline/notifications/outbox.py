"""Draining the outbox: send due rows, back off on failure, give up after a few tries."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.casework.models import RecipientStatus, TipRecipient
from hotline.db.base import utcnow
from hotline.notifications.models import Notification, OutboxStatus
from hotline.notifications.senders import Sender, SendError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def drain(session: Session, senders: dict[str, Sender], batch: int = 50) -> tuple[int, int]:
    """Send up to `batch` due notices; returns (sent, failed attempts)."""
    now = utcnow()
    rows = list(
        session.scalars(
            select(Notification)
            .where(Notification.status == OutboxStatus.pending, Notification.next_attempt_at <= now)
            .order_by(Notification.id)
            .limit(batch)
            # Several workers drain side by side: each row is taken by one (PostgreSQL; SQLite
            # has one writer anyway).
            .with_for_update(skip_locked=True)
        )
    )
    sent = failed = 0
    for n in rows:
        sender = senders.get(n.channel)
        n.attempts += 1
        try:
            if sender is None:
                raise SendError(f"{n.channel}: channel not configured")
            sender.send(n.destination, n.text)
        except SendError as exc:
            failed += 1
            n.last_error = str(exc)[:255]
            if n.attempts >= MAX_ATTEMPTS:
                n.status = OutboxStatus.failed
            else:
                n.next_attempt_at = now + timedelta(seconds=30 * 2**n.attempts)
            log.warning("notification failed", extra={"channel": n.channel, "attempts": n.attempts})
            continue
        n.status, n.sent_at, n.last_error = OutboxStatus.sent, now, None
        sent += 1
        if n.tip_id is not None and n.agency_code and n.kind == "new_tip":
            rec = session.scalar(
                select(TipRecipient).where(
                    TipRecipient.tip_id == n.tip_id, TipRecipient.agency_code == n.agency_code
                )
            )
            if rec is not None:
                rec.notified_at = rec.notified_at or now
                if rec.status == RecipientStatus.pending:
                    rec.status = RecipientStatus.notified
    session.flush()
    return sent, failed

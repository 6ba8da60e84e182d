"""Recording audit events (the boundary commits them with the action)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent


def record(
    session: Session,
    action: str,
    actor: str | None,
    target: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction."""
    event = AuditEvent(action=action, actor=actor, target=target, details=details)
    session.add(event)
    return event

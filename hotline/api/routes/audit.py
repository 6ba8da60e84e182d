"""`/api/v1/audit`: the audit log (supervisors and admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.users.models import Role, StaffUser
from hotline.web.deps import SessionDep, require_roles

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Supervisor = Annotated[StaffUser, Depends(require_roles(Role.supervisor))]


class AuditOut(BaseModel):
    """One audit event."""

    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    details: dict[str, Any]


def query(action: str | None, target: str | None, limit: int) -> Any:
    """The newest events, optionally filtered."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEvent.action == action)
    if target:
        q = q.where(AuditEvent.target == target)
    return q


@router.get("")
def list_events(
    session: SessionDep,
    user: Supervisor,
    action: str | None = None,
    target: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    """The newest audit events first."""
    return [
        AuditOut.model_validate(e, from_attributes=True)
        for e in session.scalars(query(action, target, limit))
    ]

"""Console page of the audit log (supervisors)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.console.access import Supervisor
from hotline.console.pages import page
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, user: Supervisor) -> HTMLResponse:
    """The newest audit events."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(300)
    action = request.query_params.get("action")
    if action:
        q = q.where(AuditEvent.action == action)
    return page(request, "cases/audit.html", user, events=list(session.scalars(q)), action=action)

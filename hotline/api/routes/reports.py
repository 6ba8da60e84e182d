"""`/api/v1/reports`: the period report as JSON, CSV or XLSX (every export is audited)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import Response

from hotline.api.deps import SessionDep, require_roles
from hotline.audit import service as audit
from hotline.reports import export
from hotline.reports.service import PeriodError, build_report, parse_period
from hotline.users.models import Role, StaffUser

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Supervisor = Annotated[StaffUser, Depends(require_roles(Role.supervisor))]
Public = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.communicator))]


def _render(session: Any, user: StaffUser, period: str, fmt: str, public: bool) -> Response:
    try:
        p = parse_period(period)
    except PeriodError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    report = build_report(session, p, public=public)
    media, fn = export.FORMATS[fmt]
    audit.record(
        session, "report.exported", user.username, f"report:{p.label}", format=fmt, public=public
    )
    headers = {"Content-Disposition": f'attachment; filename="canhgiac-{p.label}.{fmt}"'}
    return Response(fn(report), media_type=media, headers=headers)


@router.get("/{period}")
def report(
    period: str,
    session: SessionDep,
    user: Supervisor,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """The full report for 2026-H1, 2026-H2 or 2026."""
    return _render(session, user, period, format, public=False)


@router.get("/{period}/public")
def public_report(
    period: str,
    session: SessionDep,
    user: Public,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> Response:
    """The public report: counts below 5 are suppressed."""
    return _render(session, user, period, format, public=True)

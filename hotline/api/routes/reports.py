"""`/api/v1/reports`: the period report as JSON, CSV or XLSX (every export is audited)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response

from hotline.agencies.models import Agency
from hotline.audit import service as audit
from hotline.reports import export
from hotline.reports.service import PeriodError, build_report, parse_period
from hotline.users.models import Role, StaffUser
from hotline.web.deps import Refused, SessionDep, require_roles

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Supervisor = Annotated[StaffUser, Depends(require_roles(Role.supervisor))]
Public = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.communicator))]


def _render(
    request: Request,
    session: Any,
    user: StaffUser,
    period: str,
    fmt: str,
    public: bool,
    province: str | None = None,
    agency: str | None = None,
) -> Response:
    try:
        p = parse_period(period)
    except PeriodError as exc:
        raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, exc) from exc
    if agency and session.get(Agency, agency) is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"không có cơ quan / unknown agency: {agency}",
        )
    report = build_report(session, p, public=public, province=province, agency=agency)
    media = export.FORMATS[fmt][0]
    audit.record(
        session,
        "report.exported",
        user.username,
        f"report:{p.label}",
        format=fmt,
        public=public,
        province=province,
        agency=agency,
    )
    headers = {"Content-Disposition": f'attachment; filename="canhgiac-{p.label}.{fmt}"'}
    data = export.render(fmt, report, request.app.state.catalog)
    return Response(data, media_type=media, headers=headers)


@router.get("/{period}")
def report(
    period: str,
    request: Request,
    session: SessionDep,
    user: Supervisor,
    format: Literal["json", "csv", "xlsx"] = "json",
    province: str | None = None,
    agency: str | None = None,
) -> Response:
    """The full report for 2026-H1, 2026-H2, 2026 or first..last day; one province or agency."""
    return _render(request, session, user, period, format, False, province, agency)


@router.get("/{period}/public")
def public_report(
    period: str,
    request: Request,
    session: SessionDep,
    user: Public,
    format: Literal["json", "csv", "xlsx"] = "json",
    province: str | None = None,
    agency: str | None = None,
) -> Response:
    """The public report: small counts (and their complements) are suppressed."""
    return _render(request, session, user, period, format, True, province, agency)

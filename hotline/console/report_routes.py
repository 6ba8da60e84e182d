"""Console page of the period report: figures, charts (inline SVG), deadlines, export."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.console.access import Supervisor
from hotline.console.pages import agency_names, page, say
from hotline.console.routes import console_lang
from hotline.db.base import utcnow
from hotline.reports import deadlines as report_deadlines
from hotline.reports import export
from hotline.reports.service import DIMENSIONS, PeriodError, build_report, parse_period
from hotline.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


def local_today() -> date:
    """Today in Asia/Ho_Chi_Minh."""
    return utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _period(request: Request) -> str:
    return (
        request.query_params.get("period") or f"{utcnow().year}-H{1 if utcnow().month <= 6 else 2}"
    )


def bars(counts: dict[str, Any], width: int = 560, row: int = 22) -> dict[str, Any]:
    """Geometry of a horizontal bar chart drawn as inline SVG by the template."""
    items = [(str(k), v) for k, v in counts.items() if isinstance(v, int)]
    top = max((v for _, v in items), default=0) or 1
    label_w = 170
    return {
        "width": width,
        "height": row * len(items) + 4,
        "bars": [
            {
                "label": k,
                "value": v,
                "y": i * row,
                "w": round((width - label_w - 50) * v / top, 1),
                "x": label_w,
            }
            for i, (k, v) in enumerate(items)
        ],
    }


#: The plans' rates drawn against their targets on the reports page: (section, rate, target).
RATE_ROWS = (
    ("indicators", "share_classified", "share_classified_target"),
    ("indicators", "resolution_rate", "resolution_rate_target"),
    ("sla", "compliance", None),
    ("outcomes", "verification_rate", None),
    ("outcomes", "support_rate", None),
    ("outcomes", "investigation_rate", "investigation_rate_target"),
    ("outcomes", "prosecution_rate", "prosecution_rate_target"),
    ("outcomes", "trial_rate", "trial_rate_target"),
)


def rate_bars(report: dict[str, Any], width: int = 760, row: int = 26) -> dict[str, Any]:
    """Geometry of the rates chart (0-100 %), each with its target mark when the plan sets one.

    A rate that is hidden ("<5") or has no denominator yet gets no bar, only its text.
    """
    label_w, scale = 330, width - 330 - 60
    bars = []
    for i, (section, key, target_key) in enumerate(RATE_ROWS):
        value = report.get(section, {}).get(key)
        target = report.get(section, {}).get(target_key) if target_key else None
        shown = isinstance(value, int | float) and not isinstance(value, bool)
        bars.append(
            {
                "key": key,
                "y": i * row,
                "x": label_w,
                "w": round(scale * min(float(value), 1.0), 1) if shown else 0,
                "text": f"{float(value) * 100:.1f}%" if shown else (value or "—"),
                "target_x": round(label_w + scale * float(target), 1) if target else None,
                "target": f"{float(target) * 100:.0f}%" if target else None,
                "below": shown and target is not None and float(value) < float(target),
            }
        )
    return {"width": width, "height": row * len(bars) + 4, "bars": bars}


def _scope(request: Request, session: Session) -> tuple[str | None, str | None]:
    """The report's province and agency from the query (unknown values are ignored)."""
    province = request.query_params.get("province") or None
    agency = request.query_params.get("agency") or None
    if agency and agency not in agency_names(session):
        agency = None
    return province, agency


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, rt: RuntimeDep, session: SessionDep, user: Supervisor
) -> HTMLResponse:
    """Figures for a period, nationally, for a province or an agency, with charts (inline SVG)."""
    period = _period(request)
    try:
        p = parse_period(period)
    except PeriodError:
        p = parse_period(f"{utcnow().year}")
    province, agency = _scope(request, session)
    report = build_report(session, p, province=province, agency=agency)
    charts = {"by_month": bars(report["by_month"])} | {d: bars(report["by"][d]) for d in DIMENSIONS}
    charts["support"] = bars(report["outcomes"]["support_kinds"])
    names = agency_names(session)
    return page(
        request,
        "cases/reports.html",
        user,
        report=report,
        charts=charts,
        rates=rate_bars(report),
        value_names=export.value_names(request.app.state.catalog, console_lang(request)),
        period=p.label,
        province=province,
        agency=agency,
        scope_args=urlencode({k: v for k, v in (("province", province), ("agency", agency)) if v}),
        provinces=agencies.load_provinces(rt.settings.content_dir).provinces,
        agency_list=agencies.list_agencies(session),
        agency_name=names.get(agency or "", ""),
        deadlines=report_deadlines.upcoming(rt.settings.content_dir, province, local_today(), n=2),
    )


@router.get("/reports/export")
def reports_export(request: Request, session: SessionDep, user: Supervisor) -> Response:
    """Download the report (xlsx, csv or json); audited."""
    fmt = request.query_params.get("format", "xlsx")
    if fmt not in export.FORMATS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="format")
    try:
        p = parse_period(_period(request))
    except PeriodError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail=say(request, exc)
        ) from exc
    public = request.query_params.get("public") == "1"
    province, agency = _scope(request, session)
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
    return Response(
        export.render(
            fmt,
            build_report(session, p, public=public, province=province, agency=agency),
            request.app.state.catalog,
        ),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="canhgiac-{p.label}.{fmt}"'},
    )

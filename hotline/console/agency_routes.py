"""Console page of the agencies (switch, notification channels) and routing rules."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.console.access import Supervisor
from hotline.console.auth import check_csrf
from hotline.console.pages import CsrfField, back, page, say
from hotline.notifications.models import Notification, OutboxStatus
from hotline.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(
    request: Request, rt: RuntimeDep, session: SessionDep, user: Supervisor
) -> HTMLResponse:
    """Agencies with their switch and channels, and the routing rules."""
    agencies.ensure_imported(session, rt.settings.content_dir)
    return page(
        request,
        "cases/agencies.html",
        user,
        agency_list=agencies.list_agencies(session),
        rules=agencies.all_rules(session, rt.settings.content_dir),
        channels_text=channels_text,
        failures=notification_failures(session),
        error=request.query_params.get("error"),
    )


def notification_failures(session: Session) -> dict[str, tuple[int, str | None]]:
    """Per agency: notices that failed for good, and the last error (shown beside it)."""
    out: dict[str, tuple[int, str | None]] = {}
    rows = session.execute(
        select(Notification.agency_code, Notification.last_error)
        .where(Notification.status == OutboxStatus.failed, Notification.agency_code.is_not(None))
        .order_by(Notification.id)
    )
    for code, error in rows:
        key = str(code)
        out[key] = (out.get(key, (0, None))[0] + 1, error)
    return out


def channels_text(notify: list[dict[str, Any]]) -> str:
    """Channels as the textarea shows them: one `channel:value` a line."""
    return "\n".join(
        f"{c['channel']}:{c.get('chat_id') or c.get('address') or c.get('url')}" for c in notify
    )


@router.post("/agencies/{code}")
def post_agency(
    code: str,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Supervisor,
    csrf_token: CsrfField = "",
    active: Annotated[str, Form()] = "",
    channels: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    """Switch an agency on/off and set its channels."""
    check_csrf(request, csrf_token)
    agency = agencies.get(session, code)
    if agency is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    keys = {"telegram": "chat_id", "email": "address", "webhook": "url"}
    raw = []
    for line in channels.splitlines():
        kind, _, value = line.strip().partition(":")
        if line.strip():
            raw.append({"channel": kind.strip(), keys.get(kind.strip(), "x"): value.strip()})
    try:
        agency.notify = agencies.validate_channels(raw, email_ready=bool(rt.settings.smtp_host))
    except agencies.AgencyError as exc:
        return back("/console/agencies", quote(say(request, exc)[:200]))
    agency.active = active == "1"
    audit.record(
        session,
        "agency.changed",
        user.username,
        f"agency:{code}",
        active=agency.active,
        channels=[c["channel"] for c in agency.notify],
    )
    return back("/console/agencies")


@router.post("/rules/{rule_id}")
def post_rule(
    rule_id: str,
    request: Request,
    session: SessionDep,
    user: Supervisor,
    csrf_token: CsrfField = "",
    enabled: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Switch a routing rule on or off."""
    check_csrf(request, csrf_token)
    agencies.set_rule_enabled(session, rule_id[:64], enabled == "1", user.username)
    audit.record(
        session, "rule.changed", user.username, f"rule:{rule_id[:64]}", enabled=enabled == "1"
    )
    return back("/console/agencies")

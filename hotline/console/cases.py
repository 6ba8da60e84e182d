"""Console pages of the back office: queue, tip, agencies and rules, users, audit, reports.

Every page names its roles through `staff(...)`, whose `allowed_roles` the permission-matrix
test reads; every view of tip content, export and change is audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.audit.models import AuditEvent
from hotline.casework import service as casework
from hotline.casework.models import RecipientStatus, SupportKind, Verification
from hotline.console.auth import check_csrf, current_user
from hotline.console.routes import console_lang, local_time, render
from hotline.db.base import utcnow
from hotline.notifications.models import Notification, OutboxStatus
from hotline.reports import deadlines as report_deadlines
from hotline.reports import export
from hotline.reports.service import DIMENSIONS, PeriodError, build_report, parse_period
from hotline.tips import reasons as tip_reasons
from hotline.tips import service as tips
from hotline.tips.models import Tip, TipResolution, TipStatus, Urgency
from hotline.tips.triage import signals_danger
from hotline.users import service as users
from hotline.users.models import Role, StaffUser
from hotline.web.deps import RuntimeDep, SessionDep, require_own_row

router = APIRouter(prefix="/console", include_in_schema=False)
READERS = (Role.supervisor, Role.operator, Role.agency)
STAFF = (Role.supervisor, Role.operator)
CsrfField = Annotated[str, Form()]
#: How often an open queue page refreshes itself (and alerts on a new crisis tip).
QUEUE_REFRESH_MS = 20_000


def staff(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency: the signed-in console user, 403 unless in `roles` (admin always)."""
    allowed = frozenset({*roles, Role.admin})

    def check(request: Request, rt: RuntimeDep, session: SessionDep) -> StaffUser:
        user = current_user(request, session, rt.settings.session_max_age_seconds)
        if Role(user.role) not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    return check


Reader = Annotated[StaffUser, Depends(staff(*READERS))]
Staff = Annotated[StaffUser, Depends(staff(*STAFF))]
Supervisor = Annotated[StaffUser, Depends(staff(Role.supervisor))]
Admin = Annotated[StaffUser, Depends(staff(Role.admin))]


def page(request: Request, template: str, user: StaffUser, **ctx: Any) -> HTMLResponse:
    """Render with `tc` for this module's strings (console_cases.*)."""
    catalog = request.app.state.catalog
    lang = console_lang(request)

    def tc(key: str, **params: Any) -> str:
        return str(catalog.t(lang, f"console_cases.{key}", **params))

    return render(
        request,
        catalog,
        template,
        user=user,
        sections=request.app.state.console_sections,
        tc=tc,
        **ctx,
    )


def back(path: str, error: str | None = None) -> RedirectResponse:
    """Post/redirect/get, with an optional short error code in the query."""
    return RedirectResponse(path + (f"?error={error}" if error else ""), status_code=303)


def agency_names(session: Session) -> dict[str, str]:
    """Agency code -> its name, for screens that would otherwise show codes."""
    return {a.code: a.name for a in agencies.list_agencies(session)}


def visible(session: Session, user: StaffUser, tip_id: int) -> Tip:
    """The tip if this user may see it, else 404."""
    tip = tips.get_tip(session, tip_id)
    if tip is None or not casework.can_see(session, user, tip):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return tip


# --- queue and tip ---------------------------------------------------------------------------


def _filters(request: Request, user: StaffUser) -> casework.QueueFilters:
    q = request.query_params
    page_no = q.get("page", "1")
    return casework.QueueFilters(
        status=q.get("status") or None,
        urgency=q.get("urgency") or None,
        province=q.get("province") or None,
        agency=q.get("agency") or None,
        overdue=q.get("overdue") == "1",
        q=(q.get("q") or "").strip()[:200] or None,
        assigned_to=user.id if q.get("mine") == "1" else None,
        page=int(page_no) if page_no.isdigit() else 1,
    )


@router.get("/tips", response_class=HTMLResponse)
def queue_page(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Reader,
) -> HTMLResponse:
    """The queue: crisis first, with filters, search, "my tips" and pages."""
    f = _filters(request, user)
    result = casework.queue_page(session, rt.settings, user, f, rt)
    if f.q:
        # What was searched for is not logged (it may be a phone or a receipt code).
        audit.record(session, "tip.queue_searched", user.username, None, hits=result.total)
    assignees = {u.id: u.username for u in session.scalars(select(StaffUser))}
    provinces = agencies.load_provinces(rt.settings.content_dir).provinces
    lang = console_lang(request)
    now = utcnow()
    args = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return page(
        request,
        "cases/queue.html",
        user,
        rows=result.rows,
        result=result,
        f=f,
        mine=request.query_params.get("mine") == "1",
        refresh_ms=QUEUE_REFRESH_MS,
        query_args=urlencode(args),
        minutes_left={r.tip.id: casework.minutes_left(r.tip, r.case, now) for r in result.rows},
        reason_labels={
            r.tip.id: tip_reasons.labels(r.tip.urgency_reasons, lang) for r in result.rows
        },
        agency_names=agency_names(session),
        assignees=assignees,
        statuses=list(TipStatus),
        urgencies=list(Urgency),
        provinces=provinces,
        agency_list=agencies.list_agencies(session),
    )


@router.get("/tips/export.csv")
def queue_export(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Reader,
) -> Response:
    """The filtered queue as CSV (facts only, never the tip's text; audited)."""
    f = _filters(request, user)
    lang = console_lang(request)
    names = agency_names(session)
    assignees = {u.id: u.username for u in session.scalars(select(StaffUser))}
    catalog = request.app.state.catalog

    def tc(key: str) -> str:
        return str(catalog.t(lang, f"console_cases.{key}"))

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            tc("queue.id"),
            tc("queue.received"),
            tc("tip.urgency"),
            tc("tip.status"),
            tc("tip.province"),
            tc("tip.sla_due"),
            tc("tip.facts"),
            tc("queue.agencies"),
            tc("queue.assigned"),
        ]
    )
    rows = 0
    number = 1
    while True:
        f.page = number
        result = casework.queue_page(session, rt.settings, user, f, rt, page_size=500)
        for r in result.rows:
            w.writerow(
                [
                    r.tip.id,
                    local_time(r.tip.created_at),
                    tc(f"urgency.{r.tip.urgency}"),
                    tc(f"status.{r.tip.status}"),
                    r.tip.province or "",
                    local_time(r.case.sla_due_at) if r.case else "",
                    "; ".join(tip_reasons.labels(r.tip.urgency_reasons, lang)),
                    "; ".join(names.get(c, c) for c in r.agencies),
                    assignees.get(r.case.assigned_to, "") if r.case and r.case.assigned_to else "",
                ]
            )
        rows += len(result.rows)
        if number >= result.pages:
            break
        number += 1
    audit.record(session, "tip.queue_exported", user.username, None, rows=rows)
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM so Excel reads Vietnamese as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hang-doi-tin-bao.csv"'},
    )


@router.get("/tips/{tip_id}", response_class=HTMLResponse)
def tip_page(
    tip_id: int, request: Request, rt: RuntimeDep, session: SessionDep, user: Reader
) -> HTMLResponse:
    """A tip: decrypted content, photos, routing and reasons, thread, notes, actions."""
    tip = visible(session, user, tip_id)
    case = casework.case_view(session, rt.settings, tip)
    audit.record(session, "tip.viewed", user.username, f"tip:{tip.id}", via="console")
    related = [
        (t, kind)
        for t, kind in casework.related_tips(session, tip.id)
        if (o := tips.get_tip(session, t)) is not None and casework.can_see(session, user, o)
    ]
    staff_users = session.scalars(
        select(StaffUser)
        .where(
            StaffUser.active.is_(True), StaffUser.role.in_([r.value for r in casework.STAFF_ROLES])
        )
        .order_by(StaffUser.username)
    )
    is_staff = Role(user.role) is not Role.agency
    lang = console_lang(request)
    history = (
        list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.target == f"tip:{tip.id}", AuditEvent.action != "tip.viewed")
                .order_by(AuditEvent.id)
            )
        )
        if is_staff
        else []
    )
    return page(
        request,
        "cases/tip.html",
        user,
        tip=tip,
        case=case,
        minutes_left=casework.minutes_left(tip, case, utcnow()),
        reason_labels=tip_reasons.labels(tip.urgency_reasons, lang),
        agency_names=agency_names(session),
        history=history,
        danger=signals_danger,
        content=tips.decrypt_content(rt.cipher, tip),
        photos=tips.attachments(session, tip),
        recipients=casework.recipients(session, tip.id),
        thread=tips.thread(session, rt.cipher, tip),
        notes=casework.notes(session, rt.cipher, tip.id, user),
        related=related,
        overdue=casework.is_overdue(tip, case, rt.settings, utcnow()),
        is_staff=is_staff,
        urgencies=list(Urgency),
        next_statuses=sorted(casework.TRANSITIONS[TipStatus(tip.status)]),
        resolutions=list(TipResolution),
        recipient_statuses=list(RecipientStatus),
        recipient_next={
            r.agency_code: sorted(casework.RECIPIENT_TRANSITIONS[RecipientStatus(r.status)])
            for r in casework.recipients(session, tip.id)
        },
        verifications=list(Verification),
        support_kinds=list(SupportKind),
        staff_users=list(staff_users),
        agency_list=agencies.list_agencies(session),
        error=request.query_params.get("error"),
    )


@router.get("/tips/{tip_id}/photos/{photo_id}")
def tip_photo(
    tip_id: int, photo_id: int, rt: RuntimeDep, session: SessionDep, user: Reader
) -> Response:
    """A tip's photo, decrypted, only behind login (audited, never cached)."""
    tip = visible(session, user, tip_id)
    photo = next((p for p in tips.attachments(session, tip) if p.id == photo_id), None)
    if photo is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    audit.record(session, "tip.photo_viewed", user.username, f"tip:{tip.id}", photo=photo.id)
    return Response(
        tips.attachment_bytes(rt.cipher, photo),
        media_type=photo.mime if photo.mime in ("image/jpeg", "image/png") else "image/jpeg",
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
    )


def _act(tip_id: int, fn: Callable[[], object]) -> RedirectResponse:
    try:
        fn()
    except (casework.CaseError, ValueError):
        return back(f"/console/tips/{tip_id}", "not_allowed")
    return back(f"/console/tips/{tip_id}")


@router.post("/tips/{tip_id}/status")
def post_status(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
    new_status: Annotated[str, Form(alias="status")] = "",
    resolution: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Change the tip's status (and resolution)."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    return _act(
        tip_id,
        lambda: casework.change_status(
            session, rt.settings, tip, new_status, user.username, resolution or None
        ),
    )


@router.post("/tips/{tip_id}/assign")
def post_assign(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
    user_id: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Assign the tip."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    uid = int(user_id) if user_id.isdigit() else None
    return _act(tip_id, lambda: casework.assign(session, rt.settings, tip, uid, user.username))


@router.post("/tips/{tip_id}/recipients")
def post_recipient(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Add a recipient by hand."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    return _act(
        tip_id,
        lambda: casework.add_recipient(
            session, rt.settings, tip, agency_code, user.username, reason
        ),
    )


@router.post("/tips/{tip_id}/recipients/{code}/remove")
def post_remove_recipient(
    tip_id: int,
    code: str,
    request: Request,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
) -> RedirectResponse:
    """Remove a recipient."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    return _act(tip_id, lambda: casework.remove_recipient(session, tip, code, user.username))


@router.post("/tips/{tip_id}/recipients/{code}/status")
def post_recipient_status(
    tip_id: int,
    code: str,
    request: Request,
    session: SessionDep,
    user: Reader,
    csrf_token: CsrfField = "",
    new_status: Annotated[str, Form(alias="status")] = "",
) -> RedirectResponse:
    """A recipient's own status (agency users only for their agency)."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    require_own_row(user, code)
    return _act(
        tip_id, lambda: casework.set_recipient_status(session, tip, code, new_status, user.username)
    )


@router.post("/tips/{tip_id}/notes")
def post_note(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Reader,
    csrf_token: CsrfField = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    share_with: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    """Add a note: hotline-only, or shared with one agency (an agency's note is its own)."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    return _act(tip_id, lambda: casework.note_for(session, rt.cipher, tip, user, text, share_with))


def _count(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise casework.CaseError("số người không hợp lệ / invalid count")
    return int(raw)


def _yes_no(raw: str) -> bool | None:
    return {"yes": True, "no": False}.get(raw)


@router.post("/tips/{tip_id}/recipients/{code}/outcome")
def post_outcome(
    tip_id: int,
    code: str,
    request: Request,
    session: SessionDep,
    user: Reader,
    csrf_token: CsrfField = "",
    verified: Annotated[str, Form(max_length=16)] = "",
    victims_identified: Annotated[str, Form(max_length=6)] = "",
    victims_children: Annotated[str, Form(max_length=6)] = "",
    victims_rescued: Annotated[str, Form(max_length=6)] = "",
    victims_supported: Annotated[str, Form(max_length=6)] = "",
    support_kinds: Annotated[list[str] | None, Form()] = None,
    case_opened: Annotated[str, Form(max_length=3)] = "",
    case_solved: Annotated[str, Form(max_length=3)] = "",
    prosecuted: Annotated[str, Form(max_length=3)] = "",
    tried: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    """An agency's outcome: verification, victims, Điều 37 support, case opened to trial."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    require_own_row(user, code)

    def save() -> None:
        outcome = casework.Outcome(
            verified=verified or None,
            victims_identified=_count(victims_identified),
            victims_children=_count(victims_children),
            victims_rescued=_count(victims_rescued),
            victims_supported=_count(victims_supported),
            support_kinds=tuple(support_kinds or ()),
            case_opened=_yes_no(case_opened),
            case_solved=_yes_no(case_solved),
            prosecuted=_yes_no(prosecuted),
            tried=_yes_no(tried),
        )
        casework.record_outcome(session, tip, code, user.username, outcome)

    return _act(tip_id, save)


@router.post("/tips/{tip_id}/recipients/{code}/transfer")
def post_transfer(
    tip_id: int,
    code: str,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Reader,
    csrf_token: CsrfField = "",
    to: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Hand the tip to another agency, with the reason (an agency only its own row)."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    require_own_row(user, code)
    return _act(
        tip_id,
        lambda: casework.transfer(session, rt.settings, tip, code, to, user.username, reason),
    )


@router.post("/tips/{tip_id}/urgency")
def post_urgency(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
    urgency: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Set the urgency by hand, with the reason (audited)."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)
    return _act(
        tip_id,
        lambda: casework.change_urgency(session, rt.settings, tip, urgency, user.username, reason),
    )


@router.post("/tips/{tip_id}/messages")
def post_message(
    tip_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Staff,
    csrf_token: CsrfField = "",
    text: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    """Ask the tipster a question through the anonymous thread."""
    check_csrf(request, csrf_token)
    tip = visible(session, user, tip_id)

    def send() -> None:
        tips.add_hotline_message(session, rt.cipher, tip, user.username, text)
        audit.record(session, "tip.message_sent", user.username, f"tip:{tip.id}")

    return _act(tip_id, send)


# --- agencies and rules ----------------------------------------------------------------------


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
        return back("/console/agencies", quote(str(exc)[:200]))
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


# --- users -----------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, user: Admin) -> HTMLResponse:
    """Staff users, their roles and agencies."""
    return page(
        request,
        "cases/users.html",
        user,
        users=list(session.scalars(select(StaffUser).order_by(StaffUser.username))),
        roles=list(Role),
        agency_list=agencies.list_agencies(session),
        error=request.query_params.get("error"),
    )


@router.post("/users")
def post_user_create(
    request: Request,
    session: SessionDep,
    user: Admin,
    csrf_token: CsrfField = "",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    role: Annotated[str, Form()] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    """Create a staff user."""
    check_csrf(request, csrf_token)
    try:
        users.check_agency(session, role or "-", agency_code or None)
        # The admin knows this password: it is one-time, replaced at the first sign-in.
        new = users.create_user(
            session, username, password, role, agency_code or None, must_change_password=True
        )
    except (users.UserError, ValueError):
        return back("/console/users", "not_allowed")
    audit.record(session, "user.created", user.username, f"user:{new.username}", role=new.role)
    return back("/console/users")


@router.post("/users/{user_id}")
def post_user_change(
    user_id: int,
    request: Request,
    session: SessionDep,
    user: Admin,
    csrf_token: CsrfField = "",
    role: Annotated[str, Form()] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Change a user's role, agency and active flag."""
    check_csrf(request, csrf_token)
    target = session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    if target.id == user.id and active != "1":
        return back("/console/users", "not_allowed")
    try:
        users.change_user(session, target, role, agency_code, active == "1")
    except users.UserError:
        return back("/console/users", "not_allowed")
    audit.record(
        session,
        "user.changed",
        user.username,
        f"user:{target.username}",
        role=role,
        active=target.active,
    )
    return back("/console/users")


# --- audit and reports -----------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, user: Supervisor) -> HTMLResponse:
    """The newest audit events."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(300)
    action = request.query_params.get("action")
    if action:
        q = q.where(AuditEvent.action == action)
    return page(request, "cases/audit.html", user, events=list(session.scalars(q)), action=action)


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
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
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

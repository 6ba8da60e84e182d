"""Console pages of the queue and of a tip: filters, export, content, photos, casework actions.

Every view of tip content, export and change is audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.audit.models import AuditEvent
from hotline.casework import service as casework
from hotline.casework.models import RecipientStatus, SupportKind, Verification
from hotline.console.access import Reader, Staff
from hotline.console.auth import check_csrf
from hotline.console.pages import CsrfField, agency_names, back, page
from hotline.console.routes import console_lang, local_time
from hotline.db.base import utcnow
from hotline.tips import reasons as tip_reasons
from hotline.tips import service as tips
from hotline.tips.models import Tip, TipResolution, TipStatus, Urgency
from hotline.tips.triage import signals_danger
from hotline.users.models import Role, StaffUser
from hotline.web.deps import RuntimeDep, SessionDep, require_own_row

router = APIRouter(prefix="/console", include_in_schema=False)

#: How often an open queue page refreshes itself (and alerts on a new crisis tip).
QUEUE_REFRESH_MS = 20_000


def visible(session: Session, user: StaffUser, tip_id: int) -> Tip:
    """The tip if this user may see it, else 404."""
    tip = tips.get_tip(session, tip_id)
    if tip is None or not casework.can_see(session, user, tip):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return tip


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
        raise casework.CaseError("invalid_count")
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

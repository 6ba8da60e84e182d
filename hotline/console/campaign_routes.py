"""Console pages for campaigns: list, editor with a chat preview, two-person approval, results.

Every change is audited. The author of a campaign never sees an approve button and is refused
server-side too (``workflow.approve`` raises ``NotAllowed``). Times are shown and typed in
Asia/Ho_Chi_Minh as dd/mm/yyyy HH:MM.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.campaigns import delivery, results, segments, validation, workflow
from hotline.campaigns.models import Campaign, CampaignStatus, ScheduleKind
from hotline.campaigns.schemas import Segment
from hotline.console.access import staff
from hotline.console.auth import check_csrf
from hotline.console.pages import render_with, say
from hotline.console.routes import console_lang
from hotline.content.models import ContentItem, ContentPiece
from hotline.runtime import HotlineRuntime
from hotline.subscribers.service import AGE_BANDS, LANGUAGES
from hotline.users.models import Role, StaffUser
from hotline.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console/campaigns", include_in_schema=False)
ROLES = (Role.communicator, Role.supervisor)
Communicator = Annotated[StaffUser, Depends(staff(*ROLES))]
CsrfField = Annotated[str, Form()]
TOPICS = ("tactics", "safe_migration", "online_safety", "rights", "law")
MAX_BUTTONS = 3
EDITABLE = (CampaignStatus.draft, CampaignStatus.pending_approval)


def page(request: Request, template: str, user: StaffUser, **ctx: Any) -> HTMLResponse:
    """Render with `tc` for this module's strings (console_campaigns.*)."""
    return render_with(request, "console_campaigns", template, user, **ctx)


def may_approve(user: StaffUser, c: Campaign) -> bool:
    """Someone other than the author, with an approving role, on a campaign awaiting approval."""
    return (
        c.status == CampaignStatus.pending_approval
        and c.author != user.username
        and Role(user.role) in {*ROLES, Role.admin}
    )


def targets(session: Session, rt: HotlineRuntime) -> dict[str, list[tuple[str, str]]]:
    """Button targets: published pieces (id, Vietnamese title) and quiz topics.

    Read from the database (content edited in the console included); a database where the
    content was never imported falls back to the files in content/.
    """
    pieces = [
        (p.piece_id, p.title)
        for p in session.scalars(
            select(ContentPiece)
            .where(ContentPiece.lang == "vi", ContentPiece.status == "published")
            .order_by(ContentPiece.topic, ContentPiece.piece_id)
        )
    ]
    topics = sorted(
        {
            str(g)
            for g in session.scalars(
                select(ContentItem.group).where(
                    ContentItem.kind == "quiz_question", ContentItem.status == "published"
                )
            )
            if g
        }
    )
    if not pieces and not topics:
        files = rt.content_files
        pieces = sorted(
            ((p.piece_id, p.title) for p in files.pieces if p.lang == "vi"),
            key=lambda pair: pair[0],
        )
        topics = sorted({i.group for i in files.items if i.kind == "quiz_question" and i.group})
    return {"hoc": pieces, "quiz": [(t, t) for t in topics]}


def _load(session: Session, campaign_id: int) -> Campaign:
    found = workflow.get(session, campaign_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return found


def form_of(c: Campaign | None) -> dict[str, Any]:
    """Form values of a campaign (empty for a new one)."""
    if c is None:
        return {
            "title": "",
            "message_vi": "",
            "message_en": "",
            "buttons": [],
            "segment": {},
            "schedule": ScheduleKind.now,
            "send_at": "",
            "yearly_day": 30,
            "yearly_month": 7,
            "yearly_hour": 8,
        }
    return {
        "title": c.title,
        "message_vi": c.messages.get("vi", ""),
        "message_en": c.messages.get("en", ""),
        "buttons": list(c.buttons),
        "segment": dict(c.segment),
        "schedule": c.schedule,
        "send_at": validation.local_text(c.send_at),
        "yearly_day": c.yearly_day or 30,
        "yearly_month": c.yearly_month or 7,
        "yearly_hour": 8 if c.yearly_hour is None else c.yearly_hour,
    }


async def read_form(request: Request) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(campaign data for the service, values to refill the form, csrf token)."""
    raw = await request.form()

    def one(key: str) -> str:
        value = raw.get(key)
        return str(value)[:5000].strip() if isinstance(value, str) else ""

    def many(key: str) -> list[str]:
        return [str(v)[:200] for v in raw.getlist(key) if isinstance(v, str) and v.strip()]

    buttons = []
    for i in range(MAX_BUTTONS):
        target = one(f"button{i}_target")
        if not target or ":" not in target:
            continue
        kind, _, item = target.partition(":")
        buttons.append(
            {
                "kind": kind,
                "target": item,
                "title": {"vi": one(f"button{i}_title_vi"), "en": one(f"button{i}_title_en")},
            }
        )
    segment = {key: many(key) for key in validation.SEGMENT_KEYS}
    schedule = one("schedule") or ScheduleKind.now
    data: dict[str, Any] = {
        "title": one("title"),
        "messages": {"vi": one("message_vi"), "en": one("message_en")},
        "buttons": buttons,
        "segment": segment,
        "schedule": schedule,
    }
    if schedule == ScheduleKind.at:
        data["send_at"] = one("send_at")
    elif schedule == ScheduleKind.yearly:
        data.update(
            yearly_day=one("yearly_day"),
            yearly_month=one("yearly_month"),
            yearly_hour=one("yearly_hour"),
        )
    refill = {
        "title": data["title"],
        "message_vi": one("message_vi"),
        "message_en": one("message_en"),
        "buttons": buttons,
        "segment": segment,
        "schedule": schedule,
        "send_at": one("send_at"),
        "yearly_day": one("yearly_day") or 30,
        "yearly_month": one("yearly_month") or 7,
        "yearly_hour": one("yearly_hour") or 8,
    }
    return data, refill, one("csrf_token")


def _editor(
    request: Request,
    rt: RuntimeDep,
    session: Session,
    user: StaffUser,
    c: Campaign | None,
    form: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    catalog = request.app.state.catalog
    return page(
        request,
        "campaigns/edit.html",
        user,
        c=c,
        form=form,
        error=error,
        status_code=status_code,
        editable=c is None or c.status in EDITABLE,
        audience=segments.audience_count(session, c.segment) if c else None,
        may_approve=c is not None and may_approve(user, c),
        targets=targets(session, rt),
        provinces=rt.provinces.provinces,
        topics=TOPICS,
        languages=LANGUAGES,
        age_bands=AGE_BANDS,
        channels=validation.CHANNELS,
        max_buttons=MAX_BUTTONS,
        linked=delivery.test_recipient(session, user.id) is not None,
        link_code=request.query_params.get("code"),
        done=request.query_params.get("done"),
        footer={lang: catalog.t(lang, "subscription.footer") for lang in LANGUAGES},
        subscriber_topic=lambda t, lang: catalog.t(lang, f"subscription.topics.{t}"),
        ui_lang=console_lang(request),
    )


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, user: Communicator) -> HTMLResponse:
    """Every campaign, newest first, with its status, schedule and a results summary."""
    rows = [(c, results.results(session, c)) for c in workflow.list_all(session)]
    return page(request, "campaigns/list.html", user, rows=rows, local=validation.local_text)


@router.get("/audience")
def audience(request: Request, session: SessionDep, user: Communicator) -> JSONResponse:
    """The editor's live count: subscribers the segment in the query string reaches now."""
    raw = {key: request.query_params.getlist(key) for key in validation.SEGMENT_KEYS}
    try:
        segment = Segment.parse(raw).model_dump()
    except validation.CampaignError as exc:
        return JSONResponse({"error": say(request, exc)}, status_code=422)
    return JSONResponse({"audience": segments.audience_count(session, segment)})


@router.get("/new", response_class=HTMLResponse)
def new_page(
    request: Request, rt: RuntimeDep, session: SessionDep, user: Communicator
) -> HTMLResponse:
    """An empty campaign editor."""
    return _editor(request, rt, session, user, None, form_of(None))


@router.post("/new", response_model=None)
async def create(
    request: Request, rt: RuntimeDep, session: SessionDep, user: Communicator
) -> HTMLResponse | RedirectResponse:
    """Create a draft authored by the signed-in user."""
    data, refill, token = await read_form(request)
    check_csrf(request, token)
    try:
        c = workflow.create(session, data, user.username)
    except validation.CampaignError as exc:
        session.rollback()
        return _editor(request, rt, session, user, None, refill, say(request, exc), 422)
    audit.record(session, "campaign.created", user.username, f"campaign:{c.id}")
    return RedirectResponse(f"/console/campaigns/{c.id}?done=saved", status_code=303)


@router.get("/{campaign_id}", response_class=HTMLResponse)
def edit_page(
    campaign_id: int, request: Request, rt: RuntimeDep, session: SessionDep, user: Communicator
) -> HTMLResponse:
    """The editor (read-only once approved) with the workflow buttons."""
    c = _load(session, campaign_id)
    return _editor(request, rt, session, user, c, form_of(c), request.query_params.get("error"))


@router.post("/{campaign_id}", response_model=None)
async def save(
    campaign_id: int, request: Request, rt: RuntimeDep, session: SessionDep, user: Communicator
) -> HTMLResponse | RedirectResponse:
    """Save a draft (an edit of a campaign awaiting approval sends it back to draft)."""
    data, refill, token = await read_form(request)
    check_csrf(request, token)
    c = _load(session, campaign_id)
    try:
        workflow.update_draft(session, c, data)
    except validation.CampaignError as exc:
        session.rollback()
        c = _load(session, campaign_id)
        return _editor(request, rt, session, user, c, refill, say(request, exc), 422)
    audit.record(session, "campaign.updated", user.username, f"campaign:{c.id}")
    return RedirectResponse(f"/console/campaigns/{c.id}?done=saved", status_code=303)


def _step(
    request: Request,
    session: Session,
    user: StaffUser,
    campaign_id: int,
    token: str,
    action: str,
) -> RedirectResponse:
    """Run one workflow step, audit it, and come back to the campaign page."""
    check_csrf(request, token)
    c = _load(session, campaign_id)
    steps = {
        "submitted": lambda: workflow.submit(session, c),
        "approved": lambda: workflow.approve(session, c, user.username),
        "cancelled": lambda: workflow.cancel(session, c),
        "test_sent": lambda: delivery.queue_test(
            session, c, user.id, console_lang(request) if console_lang(request) else "vi"
        ),
    }
    try:
        steps[action]()
    except validation.NotAllowed as exc:
        session.rollback()
        audit.record(session, "campaign.approve_refused", user.username, f"campaign:{c.id}")
        session.commit()
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=say(request, exc)) from exc
    except validation.CampaignError as exc:
        session.rollback()
        error = "empty_audience" if isinstance(exc, validation.EmptyAudience) else action
        return RedirectResponse(f"/console/campaigns/{campaign_id}?error={error}", status_code=303)
    audit.record(session, f"campaign.{action}", user.username, f"campaign:{c.id}")
    return RedirectResponse(f"/console/campaigns/{campaign_id}?done={action}", status_code=303)


@router.post("/{campaign_id}/submit")
def submit(
    campaign_id: int,
    request: Request,
    session: SessionDep,
    user: Communicator,
    csrf_token: CsrfField,
) -> RedirectResponse:
    """Ask a colleague for approval."""
    return _step(request, session, user, campaign_id, csrf_token, "submitted")


@router.post("/{campaign_id}/approve")
def approve(
    campaign_id: int,
    request: Request,
    session: SessionDep,
    user: Communicator,
    csrf_token: CsrfField,
) -> RedirectResponse:
    """Approve and schedule: 403 for the author (two-person rule)."""
    return _step(request, session, user, campaign_id, csrf_token, "approved")


@router.post("/{campaign_id}/cancel")
def cancel(
    campaign_id: int,
    request: Request,
    session: SessionDep,
    user: Communicator,
    csrf_token: CsrfField,
) -> RedirectResponse:
    """Stop the campaign; messages not yet handed to a platform are skipped."""
    return _step(request, session, user, campaign_id, csrf_token, "cancelled")


@router.post("/{campaign_id}/test")
def test_send(
    campaign_id: int,
    request: Request,
    session: SessionDep,
    user: Communicator,
    csrf_token: CsrfField,
) -> RedirectResponse:
    """Queue the message to the staff member's own linked chat."""
    return _step(request, session, user, campaign_id, csrf_token, "test_sent")


@router.post("/{campaign_id}/link")
def link_code(
    campaign_id: int,
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: Communicator,
    csrf_token: CsrfField,
) -> RedirectResponse:
    """A one-time code to send as `/dangky CODE` from the staff member's own chat."""
    check_csrf(request, csrf_token)
    code = delivery.new_link_code(session, rt.pseudonyms, user.id)
    audit.record(session, "campaign.test_link_code", user.username, f"user:{user.id}")
    return RedirectResponse(f"/console/campaigns/{campaign_id}?code={code}", status_code=303)


@router.get("/{campaign_id}/results", response_class=HTMLResponse)
def results_page(
    campaign_id: int, request: Request, session: SessionDep, user: Communicator
) -> HTMLResponse:
    """Outcomes, clicks and quiz answers, with sends and clicks per day as an SVG bar chart."""
    c = _load(session, campaign_id)
    r = results.results(session, c)
    return page(request, "campaigns/results.html", user, c=c, r=r, chart=chart(r["by_day"]))


def chart(by_day: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry for the per-day chart (sent and clicks side by side)."""
    width, height, pad = 640, 200, 24
    top = max([1] + [max(d["sent"], d["clicks"]) for d in by_day])
    slot = (width - 2 * pad) / max(1, len(by_day))
    bar = max(2.0, min(24.0, slot / 3))
    bars = []
    for i, d in enumerate(by_day):
        x = pad + i * slot + slot / 2 - bar
        for j, key in enumerate(("sent", "clicks")):
            h = (height - 2 * pad) * d[key] / top
            bars.append(
                {
                    "x": round(x + j * bar, 1),
                    "y": round(height - pad - h, 1),
                    "w": round(bar, 1),
                    "h": round(h, 1),
                    "kind": key,
                    "value": d[key],
                    "day": d["day"],
                }
            )
    labels = [
        {"x": round(pad + i * slot + slot / 2, 1), "day": d["day"][:5]}
        for i, d in enumerate(by_day)
    ]
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "top": top,
        "bars": bars,
        "labels": labels,
    }

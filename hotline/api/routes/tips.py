"""`/api/v1/tips`: the queue, a tip with its routing, and the casework actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.casework import service as casework
from hotline.db.base import utcnow
from hotline.runtime import HotlineRuntime
from hotline.tips import service as tips
from hotline.tips.models import Tip
from hotline.users.models import Role, StaffUser
from hotline.web.deps import Refused, RuntimeDep, SessionDep, require_own_row, require_roles

router = APIRouter(prefix="/api/v1/tips", tags=["tips"])

Reader = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.operator, Role.agency))]
Staff = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.operator))]
Worker = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.operator, Role.agency))]


class TipSummary(BaseModel):
    """A queue line (no content)."""

    id: int
    created_at: datetime
    status: str
    urgency: str
    province: str | None
    channel: str
    overdue: bool
    agencies: list[str]
    assigned_to: int | None
    reasons: list[str] = []
    sla_due_at: datetime | None = None


class Recipient(BaseModel):
    """One recipient agency and why it was chosen."""

    agency_code: str
    status: str
    rule_ids: list[str]
    reason_vi: str
    reason_en: str
    added_by: str
    notified_at: datetime | None
    outcome: dict[str, Any] | None = None


class TipDetail(TipSummary):
    """A tip with its decrypted content, routing, thread and notes."""

    resolution: str | None
    content: dict[str, Any]
    recipients: list[Recipient]
    thread: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    related: list[int]


class StatusChange(BaseModel):
    """Move a tip along the workflow."""

    status: str
    resolution: str | None = None


class Assignment(BaseModel):
    """Assign to a staff user id (null: unassign)."""

    user_id: int | None


class NewRecipient(BaseModel):
    """Add an agency by hand, with the reason."""

    agency_code: str = Field(max_length=64)
    reason: str = Field(max_length=500)


class RecipientStatusChange(BaseModel):
    """An agency's own status on a tip."""

    status: str


class Text(BaseModel):
    """A question to the tipster."""

    text: str = Field(min_length=1, max_length=4000)


class NoteIn(Text):
    """A note: hotline-only unless shared with one recipient agency (agency users: theirs)."""

    share_with: str | None = Field(None, max_length=64)


class OutcomeIn(BaseModel):
    """An agency's outcome on a tip: counts and facts, never names."""

    verified: str | None = None
    victims_identified: int | None = Field(None, ge=0, le=100_000)
    victims_children: int | None = Field(None, ge=0, le=100_000)
    victims_rescued: int | None = Field(None, ge=0, le=100_000)
    victims_supported: int | None = Field(None, ge=0, le=100_000)
    support_kinds: list[str] = Field(default_factory=list, max_length=20)
    case_opened: bool | None = None
    case_solved: bool | None = None
    prosecuted: bool | None = None
    tried: bool | None = None


class Transfer(BaseModel):
    """Hand the tip to another agency, and why."""

    to: str = Field(max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class UrgencyChange(BaseModel):
    """An operator's new urgency and why."""

    urgency: str
    reason: str = Field(min_length=1, max_length=500)


def _outcome(r: Any) -> dict[str, Any] | None:
    if r.outcome_at is None:
        return None
    return {
        "verified": r.outcome_verified,
        "victims_identified": r.victims_identified,
        "victims_children": r.victims_children,
        "victims_rescued": r.victims_rescued,
        "victims_supported": r.victims_supported,
        "support_kinds": list(r.support_kinds or []),
        "case_opened": r.case_opened,
        "case_solved": r.case_solved,
        "prosecuted": r.prosecuted,
        "tried": r.tried,
        "recorded_at": r.outcome_at.isoformat(),
    }


def visible_tip(session: Session, user: StaffUser, tip_id: int) -> Tip:
    """The tip if this user may see it; 404 otherwise (no hint that it exists)."""
    tip = tips.get_tip(session, tip_id)
    if tip is None or not casework.can_see(session, user, tip):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return tip


def _fail(exc: casework.CaseError) -> Refused:
    return Refused(status.HTTP_409_CONFLICT, exc)


def detail(rt: HotlineRuntime, session: Session, user: StaffUser, tip: Tip) -> TipDetail:
    """Everything about a tip (the caller audits the view)."""
    case = casework.case_view(session, rt.settings, tip)
    recs = casework.recipients(session, tip.id)

    return TipDetail(
        id=tip.id,
        created_at=tip.created_at,
        status=tip.status,
        urgency=tip.urgency,
        province=tip.province,
        channel=tip.channel,
        overdue=casework.is_overdue(tip, case, rt.settings, utcnow()),
        agencies=[r.agency_code for r in recs],
        assigned_to=case.assigned_to,
        resolution=tip.resolution,
        reasons=tip.urgency_reasons.split(",") if tip.urgency_reasons else [],
        content=tips.decrypt_content(rt.cipher, tip),
        recipients=[
            Recipient(
                agency_code=r.agency_code,
                status=r.status,
                rule_ids=list(r.rule_ids),
                reason_vi=r.reason_vi,
                reason_en=r.reason_en,
                added_by=r.added_by,
                notified_at=r.notified_at,
                outcome=_outcome(r),
            )
            for r in recs
        ],
        thread=[
            {"direction": m.direction, "text": m.text, "created_at": m.created_at.isoformat()}
            for m in tips.thread(session, rt.cipher, tip)
        ],
        notes=[
            {
                "author": n.author,
                "text": n.text,
                "created_at": n.created_at.isoformat(),
                "scope": n.scope,
                "agency_code": n.agency_code,
            }
            for n in casework.notes(session, rt.cipher, tip.id, user)
        ],
        related=[
            t
            for t, _ in casework.related_tips(session, tip.id)
            if (o := tips.get_tip(session, t)) is not None and casework.can_see(session, user, o)
        ],
        sla_due_at=case.sla_due_at,
    )


@router.get("")
def list_tips(
    rt: RuntimeDep,
    session: SessionDep,
    user: Reader,
    response: Response,
    status_: Annotated[str | None, Query(alias="status")] = None,
    urgency: str | None = None,
    province: str | None = None,
    agency: str | None = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
    mine: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> list[TipSummary]:
    """The queue the user may see: crisis first, then overdue, then oldest; searched, paged.

    `q` is free text, a receipt code or a recruiter's phone; X-Total-Count gives all matches.
    """
    f = casework.QueueFilters(
        status_,
        urgency,
        province,
        agency,
        overdue,
        q=q,
        assigned_to=user.id if mine else None,
        page=page,
    )
    result = casework.queue_page(session, rt.settings, user, f, rt, page_size)
    if q:
        audit.record(session, "tip.queue_searched", user.username, None, hits=result.total)
    response.headers["X-Total-Count"] = str(result.total)
    return [
        TipSummary(
            id=r.tip.id,
            created_at=r.tip.created_at,
            status=r.tip.status,
            urgency=r.tip.urgency,
            province=r.tip.province,
            channel=r.tip.channel,
            overdue=r.overdue,
            agencies=r.agencies,
            assigned_to=r.case.assigned_to if r.case else None,
            reasons=r.tip.urgency_reasons.split(",") if r.tip.urgency_reasons else [],
            sla_due_at=r.case.sla_due_at if r.case else None,
        )
        for r in result.rows
    ]


@router.get("/{tip_id}")
def get_tip(tip_id: int, rt: RuntimeDep, session: SessionDep, user: Reader) -> TipDetail:
    """One tip with its decrypted content (the view is audited)."""
    tip = visible_tip(session, user, tip_id)
    audit.record(session, "tip.viewed", user.username, f"tip:{tip.id}", via="api")
    return detail(rt, session, user, tip)


@router.post("/{tip_id}/status")
def change_status(
    tip_id: int, body: StatusChange, rt: RuntimeDep, session: SessionDep, user: Staff
) -> dict[str, str]:
    """Move the tip along new → triaged → referred → in_progress → resolved → closed."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.change_status(
            session, rt.settings, tip, body.status, user.username, body.resolution
        )
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"status": tip.status}


@router.post("/{tip_id}/assign")
def assign(
    tip_id: int, body: Assignment, rt: RuntimeDep, session: SessionDep, user: Staff
) -> dict[str, int | None]:
    """Assign the tip to an operator (or unassign)."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.assign(session, rt.settings, tip, body.user_id, user.username)
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"assigned_to": body.user_id}


@router.post("/{tip_id}/route")
def reroute(tip_id: int, rt: RuntimeDep, session: SessionDep, user: Staff) -> list[str]:
    """Re-run the routing rules (adds recipients, never removes)."""
    tip = visible_tip(session, user, tip_id)
    return [r.agency_code for r in casework.route_tip(session, rt.settings, tip, user.username)]


@router.post("/{tip_id}/recipients", status_code=201)
def add_recipient(
    tip_id: int, body: NewRecipient, rt: RuntimeDep, session: SessionDep, user: Staff
) -> dict[str, str]:
    """Add a recipient agency by hand."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.add_recipient(
            session, rt.settings, tip, body.agency_code, user.username, body.reason
        )
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"agency_code": body.agency_code}


@router.delete("/{tip_id}/recipients/{code}", status_code=204)
def remove_recipient(tip_id: int, code: str, session: SessionDep, user: Staff) -> None:
    """Remove a recipient agency."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.remove_recipient(session, tip, code, user.username)
    except casework.CaseError as exc:
        raise _fail(exc) from exc


@router.post("/{tip_id}/recipients/{code}/status")
def recipient_status(
    tip_id: int, code: str, body: RecipientStatusChange, session: SessionDep, user: Worker
) -> dict[str, str]:
    """An agency reports its status (an agency user only for its own agency)."""
    tip = visible_tip(session, user, tip_id)
    require_own_row(user, code)
    try:
        rec = casework.set_recipient_status(session, tip, code, body.status, user.username)
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"status": rec.status}


@router.post("/{tip_id}/notes", status_code=201)
def add_note(
    tip_id: int, body: NoteIn, rt: RuntimeDep, session: SessionDep, user: Worker
) -> dict[str, bool]:
    """Add a note (encrypted at rest): hotline-only, or shared with one agency."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.note_for(session, rt.cipher, tip, user, body.text, body.share_with or "")
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"ok": True}


@router.post("/{tip_id}/recipients/{code}/outcome")
def record_outcome(
    tip_id: int, code: str, body: OutcomeIn, session: SessionDep, user: Worker
) -> dict[str, Any]:
    """An agency records what it found and did (an agency user only for its own agency)."""
    tip = visible_tip(session, user, tip_id)
    require_own_row(user, code)
    data = body.model_dump()
    data["support_kinds"] = tuple(data["support_kinds"])
    try:
        rec = casework.record_outcome(session, tip, code, user.username, casework.Outcome(**data))
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return _outcome(rec) or {}


@router.post("/{tip_id}/recipients/{code}/transfer", status_code=201)
def transfer(
    tip_id: int, code: str, body: Transfer, rt: RuntimeDep, session: SessionDep, user: Worker
) -> dict[str, str]:
    """An agency (or the hotline for it) hands the tip to another agency, with the reason."""
    tip = visible_tip(session, user, tip_id)
    require_own_row(user, code)
    try:
        casework.transfer(session, rt.settings, tip, code, body.to, user.username, body.reason)
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"agency_code": body.to}


@router.post("/{tip_id}/urgency")
def change_urgency(
    tip_id: int, body: UrgencyChange, rt: RuntimeDep, session: SessionDep, user: Staff
) -> dict[str, str]:
    """Set the tip's urgency by hand, with the reason (audited)."""
    tip = visible_tip(session, user, tip_id)
    try:
        casework.change_urgency(session, rt.settings, tip, body.urgency, user.username, body.reason)
    except casework.CaseError as exc:
        raise _fail(exc) from exc
    return {"urgency": tip.urgency}


@router.post("/{tip_id}/messages", status_code=201)
def ask_tipster(
    tip_id: int, body: Text, rt: RuntimeDep, session: SessionDep, user: Staff
) -> dict[str, bool]:
    """Send a question to the anonymous tipster (they read it with their receipt code)."""
    tip = visible_tip(session, user, tip_id)
    tips.add_hotline_message(session, rt.cipher, tip, user.username, body.text)
    audit.record(session, "tip.message_sent", user.username, f"tip:{tip.id}")
    return {"ok": True}

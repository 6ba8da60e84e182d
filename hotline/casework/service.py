"""Casework: routing a tip, moving it through the workflow, recipients, notes and SLA.

Services never commit; the request or the worker tick owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from hotline.agencies import service as agencies
from hotline.agencies.models import Agency
from hotline.audit import service as audit
from hotline.casework.models import (
    NoteScope,
    RecipientStatus,
    SupportKind,
    TipCase,
    TipNote,
    TipRecipient,
    Verification,
)
from hotline.config import Settings
from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher, Pseudonymizer, normalize_receipt_code
from hotline.kit.errors import CodedError
from hotline.notifications import service as notifications
from hotline.routing.engine import TipFacts, route
from hotline.tips import reasons as tip_reasons
from hotline.tips import service as tips_service
from hotline.tips.models import Tip, TipIdentifier, TipResolution, TipStatus, Urgency
from hotline.tips.reasons import Reason
from hotline.tips.triage import signals_danger
from hotline.users.models import Role, StaffUser
from nlu.normalize import fold_key

TRANSITIONS: dict[str, set[str]] = {
    TipStatus.NEW: {TipStatus.TRIAGED, TipStatus.REFERRED, TipStatus.RESOLVED},
    TipStatus.TRIAGED: {TipStatus.REFERRED, TipStatus.IN_PROGRESS, TipStatus.RESOLVED},
    TipStatus.REFERRED: {TipStatus.TRIAGED, TipStatus.IN_PROGRESS, TipStatus.RESOLVED},
    TipStatus.IN_PROGRESS: {TipStatus.REFERRED, TipStatus.RESOLVED},
    TipStatus.RESOLVED: {TipStatus.CLOSED, TipStatus.IN_PROGRESS},
    TipStatus.CLOSED: {TipStatus.IN_PROGRESS},
}
# An agency's own status: it acknowledges before it works and works before it is done, so
# "not sent" never jumps to "done"; done or declined can be reopened.
RECIPIENT_TRANSITIONS: dict[str, set[str]] = {
    RecipientStatus.pending: {RecipientStatus.notified, RecipientStatus.acknowledged},
    RecipientStatus.notified: {RecipientStatus.acknowledged, RecipientStatus.declined},
    RecipientStatus.acknowledged: {RecipientStatus.in_progress, RecipientStatus.declined},
    RecipientStatus.in_progress: {RecipientStatus.done, RecipientStatus.declined},
    RecipientStatus.done: {RecipientStatus.in_progress},
    RecipientStatus.declined: {RecipientStatus.acknowledged},
}
URGENCY_ORDER = {Urgency.CRISIS: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}
STAFF_ROLES = (Role.admin, Role.supervisor, Role.operator)


class CaseError(CodedError):
    """A workflow action that is not allowed (code in errors.casework)."""

    domain = "casework"


def sla_for(settings: Settings, urgency: str) -> timedelta:
    """How long a tip of this urgency may wait for triage."""
    minutes = (
        settings.sla_crisis_minutes if urgency == Urgency.CRISIS else settings.sla_default_minutes
    )
    return timedelta(minutes=minutes)


def facts_for(tip: Tip) -> TipFacts:
    """The routing facts of a tip (codes and flags only, never its text).

    Reads the reason codes triage writes (one shared enum, `hotline.tips.reasons`).
    """
    reasons = set(tip_reasons.parse(tip.urgency_reasons))
    return TipFacts(
        province=tip.province,
        border_area=bool(reasons & tip_reasons.AREA_REASONS),
        crosses_border=bool(tip.crosses_border) or Reason.BORDER_MOVEMENT in reasons,
        destination_country=tip.destination_country,
        # Intake records "unsure" age as a possible child (reason child_uncertain_age).
        child_involved=True
        if tip.child_involved or reasons & tip_reasons.CHILD_REASONS
        else tip.child_involved,
        victim_needs_support=bool(tip.reporter_is_victim) or Reason.VICTIM_SUPPORT in reasons,
    )


def get_case(session: Session, settings: Settings, tip: Tip) -> TipCase:
    """The tip's workflow record, created with its SLA deadline on first use."""
    case = session.get(TipCase, tip.id)
    if case is None:
        case = TipCase(tip_id=tip.id, sla_due_at=tip.created_at + sla_for(settings, tip.urgency))
        session.add(case)
        session.flush()
    return case


def case_view(session: Session, settings: Settings, tip: Tip) -> TipCase:
    """The tip's workflow record for reading: a transient one, never stored, if none yet."""
    case = session.get(TipCase, tip.id)
    if case is None:
        case = TipCase(tip_id=tip.id, sla_due_at=tip.created_at + sla_for(settings, tip.urgency))
    return case


def route_tip(
    session: Session, settings: Settings, tip: Tip, actor: str = "rules"
) -> list[TipRecipient]:
    """Run the routing rules and add the recipients not already there (with reasons)."""
    case = get_case(session, settings, tip)
    content_dir: Path = settings.content_dir
    decisions = route(
        facts_for(tip),
        agencies.load_provinces(content_dir),
        agencies.load_rules(session, content_dir),
        agencies.refs(session),
    )
    existing = {r.agency_code for r in recipients(session, tip.id)}
    added = []
    for d in decisions:
        if d.agency_code in existing:
            continue
        rec = TipRecipient(
            tip_id=tip.id,
            agency_code=d.agency_code,
            status=RecipientStatus.pending,
            rule_ids=d.rule_ids,
            reason_vi=d.reason_vi,
            reason_en=d.reason_en,
            added_by=actor,
        )
        session.add(rec)
        added.append(rec)
    case.routed_at = case.routed_at or utcnow()
    session.flush()
    audit.record(
        session,
        "tip.routed",
        actor=actor,
        target=f"tip:{tip.id}",
        agencies=[r.agency_code for r in added],
        rules=sorted({rid for d in decisions for rid in d.rule_ids}),
    )
    for rec in added:
        notifications.notify_recipient(session, settings, tip, rec)
    return added


def tipster_wrote(session: Session, settings: Settings, tip: Tip, text: str) -> bool:
    """A tipster's follow-up message: danger in it makes the tip a crisis again (audited).

    The message itself is stored by the caller; here only the urgency, its reason and the
    triage deadline change, so the night shift sees the tip at the top of the queue.
    """
    if not signals_danger(text):
        return False
    reasons = tip_reasons.parse(tip.urgency_reasons)
    if Reason.IMMINENT_DANGER not in reasons:
        reasons.insert(0, Reason.IMMINENT_DANGER)
    old = tip.urgency
    tip.urgency, tip.urgency_reasons = Urgency.CRISIS.value, ",".join(reasons)
    case = session.get(TipCase, tip.id)
    if case is not None:
        # Not get_case: a tip without a case is still waiting for the worker to route it.
        case.sla_due_at = min(case.sla_due_at, utcnow() + sla_for(settings, Urgency.CRISIS))
    session.flush()
    audit.record(
        session,
        "tip.escalated",
        None,
        f"tip:{tip.id}",
        old=old,
        new=Urgency.CRISIS.value,
        source="tipster_message",
    )
    return True


def process_new_tips(session: Session, settings: Settings) -> int:
    """Route every tip not routed yet (the worker's job only: reading the queue changes nothing).

    A tip whose case was made before routing (an early escalation) is still unrouted.
    """
    agencies.ensure_imported(session, settings.content_dir)
    pending = list(
        session.scalars(
            select(Tip)
            .where(~exists().where(TipCase.tip_id == Tip.id, TipCase.routed_at.is_not(None)))
            .order_by(Tip.id)
            .limit(200)
            # Two workers never route the same tip at once (the loser would roll back its tick).
            .with_for_update(skip_locked=True, of=Tip)
        )
    )
    for tip in pending:
        route_tip(session, settings, tip)
    return len(pending)


def recipients(session: Session, tip_id: int) -> list[TipRecipient]:
    """The tip's recipients in the order they were added."""
    return list(
        session.scalars(
            select(TipRecipient).where(TipRecipient.tip_id == tip_id).order_by(TipRecipient.id)
        )
    )


def add_recipient(
    session: Session, settings: Settings, tip: Tip, agency_code: str, actor: str, reason: str
) -> TipRecipient:
    """An operator adds an agency by hand; the reason they give is recorded."""
    agency = session.get(Agency, agency_code)
    if agency is None:
        raise CaseError("unknown_agency", agency=agency_code)
    if session.scalar(
        select(TipRecipient).where(
            TipRecipient.tip_id == tip.id, TipRecipient.agency_code == agency_code
        )
    ):
        raise CaseError("already_recipient")
    reason = reason.strip()[:500] or "—"
    rec = TipRecipient(
        tip_id=tip.id,
        agency_code=agency_code,
        status=RecipientStatus.pending,
        rule_ids=["manual"],
        reason_vi=reason,
        reason_en=reason,
        added_by=actor,
    )
    session.add(rec)
    session.flush()
    audit.record(session, "tip.recipient_added", actor, f"tip:{tip.id}", agency=agency_code)
    notifications.notify_recipient(session, settings, tip, rec)
    return rec


def transfer(
    session: Session,
    settings: Settings,
    tip: Tip,
    from_code: str,
    to_code: str,
    actor: str,
    reason: str,
) -> TipRecipient:
    """Hand a tip from one agency to another, with the reason (the new one is notified)."""
    reason = reason.strip()[:500]
    if not reason:
        raise CaseError("reason_required")
    if from_code == to_code:
        raise CaseError("same_agency")
    old = session.scalar(
        select(TipRecipient).where(
            TipRecipient.tip_id == tip.id, TipRecipient.agency_code == from_code
        )
    )
    if old is None:
        raise CaseError("not_recipient")
    source = session.get(Agency, from_code)
    new = add_recipient(
        session,
        settings,
        tip,
        to_code,
        actor,
        f"Chuyển từ {source.name if source else from_code}: {reason}",
    )
    old.status = RecipientStatus.declined
    session.flush()
    audit.record(
        session,
        "tip.transferred",
        actor,
        f"tip:{tip.id}",
        from_agency=from_code,
        to_agency=to_code,
        reason=reason,
    )
    return new


def remove_recipient(session: Session, tip: Tip, agency_code: str, actor: str) -> None:
    """Take an agency off a tip (the audit log keeps that it was there)."""
    rec = session.scalar(
        select(TipRecipient).where(
            TipRecipient.tip_id == tip.id, TipRecipient.agency_code == agency_code
        )
    )
    if rec is None:
        raise CaseError("not_recipient")
    session.delete(rec)
    session.flush()
    audit.record(session, "tip.recipient_removed", actor, f"tip:{tip.id}", agency=agency_code)


def set_recipient_status(
    session: Session, tip: Tip, agency_code: str, status: str, actor: str
) -> TipRecipient:
    """An agency (or the hotline for it) reports where it stands."""
    try:
        new = RecipientStatus(status)
    except ValueError as exc:
        raise CaseError("invalid_status", status=status) from exc
    rec = session.scalar(
        select(TipRecipient).where(
            TipRecipient.tip_id == tip.id, TipRecipient.agency_code == agency_code
        )
    )
    if rec is None:
        raise CaseError("not_recipient")
    if new.value == rec.status:
        return rec
    if new not in RECIPIENT_TRANSITIONS[RecipientStatus(rec.status)]:
        raise CaseError("cannot_move", old=rec.status, new=new.value)
    old, rec.status = rec.status, new
    session.flush()
    audit.record(
        session,
        "tip.recipient_status",
        actor,
        f"tip:{tip.id}",
        agency=agency_code,
        old=old,
        new=new.value,
    )
    return rec


def change_status(
    session: Session,
    settings: Settings,
    tip: Tip,
    status: str,
    actor: str,
    resolution: str | None = None,
) -> None:
    """Move a tip along the workflow; `resolved` needs a resolution."""
    try:
        new = TipStatus(status)
    except ValueError as exc:
        raise CaseError("invalid_status", status=status) from exc
    old = TipStatus(tip.status)
    if new == old and new != TipStatus.RESOLVED:
        return
    if new != old and new not in TRANSITIONS[old]:
        raise CaseError("cannot_move", old=old.value, new=new.value)
    case = get_case(session, settings, tip)
    now = utcnow()
    if new == TipStatus.RESOLVED:
        try:
            tip.resolution = TipResolution(resolution or "").value
        except ValueError as exc:
            raise CaseError("resolution_required") from exc
        case.resolved_at = now
    elif old in (TipStatus.RESOLVED, TipStatus.CLOSED) and new != TipStatus.CLOSED:
        tip.resolution, case.resolved_at, case.closed_at = None, None, None
    if old == TipStatus.NEW and case.triaged_at is None:
        case.triaged_at = now
    if new == TipStatus.REFERRED and case.referred_at is None:
        case.referred_at = now
    if new == TipStatus.CLOSED:
        case.closed_at = now
    tip.status = new.value
    session.flush()
    audit.record(
        session,
        "tip.status",
        actor,
        f"tip:{tip.id}",
        old=old.value,
        new=new.value,
        resolution=tip.resolution,
    )


def assign(session: Session, settings: Settings, tip: Tip, user_id: int | None, actor: str) -> None:
    """Give a tip to an operator (or take it back); only hotline staff can hold tips."""
    case = get_case(session, settings, tip)
    if user_id is not None:
        user = session.get(StaffUser, user_id)
        if user is None or not user.active or Role(user.role) not in STAFF_ROLES:
            raise CaseError("cannot_assign")
    case.assigned_to = user_id
    session.flush()
    audit.record(session, "tip.assigned", actor, f"tip:{tip.id}", to=user_id)


def add_note(
    session: Session,
    cipher: Cipher,
    tip: Tip,
    actor: str,
    text: str,
    agency_code: str | None = None,
) -> TipNote:
    """A note, encrypted at rest: hotline-only, or shared with one recipient agency."""
    text = text.strip()
    if not text:
        raise CaseError("empty_note")
    if agency_code and agency_code not in {r.agency_code for r in recipients(session, tip.id)}:
        raise CaseError("not_recipient")
    note = TipNote(
        tip_id=tip.id,
        author=actor,
        scope=NoteScope.agency if agency_code else NoteScope.hotline,
        agency_code=agency_code or None,
        body_enc=cipher.encrypt_text(text[:5000]),
    )
    session.add(note)
    session.flush()
    audit.record(
        session, "tip.note_added", actor, f"tip:{tip.id}", scope=note.scope, agency=agency_code
    )
    return note


def note_for(
    session: Session, cipher: Cipher, tip: Tip, user: StaffUser, text: str, share: str = ""
) -> TipNote:
    """A note as this user may write it: an agency user's note is its agency's, always."""
    if Role(user.role) is Role.agency:
        return add_note(session, cipher, tip, user.username, text, user.agency_code or "-")
    return add_note(session, cipher, tip, user.username, text, share or None)


@dataclass
class NoteView:
    """A decrypted note for display."""

    author: str
    created_at: datetime
    text: str
    scope: str = NoteScope.hotline
    agency_code: str | None = None


def notes(
    session: Session, cipher: Cipher, tip_id: int, viewer: StaffUser | None = None
) -> list[NoteView]:
    """The tip's notes a viewer may read, decrypted, oldest first.

    Hotline staff read every note; an agency user reads only the notes shared with its own
    agency (hotline-only notes and other agencies' notes never reach it).
    """
    query = select(TipNote).where(TipNote.tip_id == tip_id).order_by(TipNote.id)
    if viewer is not None and Role(viewer.role) not in STAFF_ROLES:
        query = query.where(
            TipNote.scope == NoteScope.agency,
            # An agency account without an agency reads nothing ("" never matches a code).
            TipNote.agency_code == (viewer.agency_code or ""),
        )
    rows = session.scalars(query)
    return [
        NoteView(n.author, n.created_at, cipher.decrypt_text(n.body_enc), n.scope, n.agency_code)
        for n in rows
    ]


@dataclass(frozen=True)
class Outcome:
    """What an agency reports back: counts and facts only, never a person's identity."""

    verified: str | None = None
    victims_identified: int | None = None
    victims_children: int | None = None
    victims_rescued: int | None = None
    victims_supported: int | None = None
    support_kinds: tuple[str, ...] = ()
    case_opened: bool | None = None
    prosecuted: bool | None = None
    case_solved: bool | None = None
    tried: bool | None = None


def _check_outcome(o: Outcome) -> None:
    if o.verified is not None and o.verified not in {v.value for v in Verification}:
        raise CaseError("invalid_verification", value=o.verified)
    counts = (o.victims_identified, o.victims_children, o.victims_rescued, o.victims_supported)
    if any(c is not None and not 0 <= c <= 100_000 for c in counts):
        raise CaseError("invalid_count")
    for part in (o.victims_children, o.victims_rescued, o.victims_supported):
        if part is not None and (o.victims_identified or 0) < part:
            raise CaseError("exceeds_identified")
    unknown = set(o.support_kinds) - {k.value for k in SupportKind}
    if unknown:
        raise CaseError("invalid_support", kinds=", ".join(sorted(unknown)))
    if (o.prosecuted or o.case_solved or o.tried) and o.case_opened is False:
        raise CaseError("prosecution_needs_case")
    if o.tried and o.prosecuted is False:
        raise CaseError("trial_needs_prosecution")


def record_outcome(
    session: Session, tip: Tip, agency_code: str, actor: str, outcome: Outcome
) -> TipRecipient:
    """An agency's outcome on a tip (replaces its earlier one; audited, counts only)."""
    _check_outcome(outcome)
    rec = session.scalar(
        select(TipRecipient).where(
            TipRecipient.tip_id == tip.id, TipRecipient.agency_code == agency_code
        )
    )
    if rec is None:
        raise CaseError("not_recipient")
    rec.outcome_verified = outcome.verified
    rec.victims_identified = outcome.victims_identified
    rec.victims_children = outcome.victims_children
    rec.victims_rescued = outcome.victims_rescued
    rec.victims_supported = outcome.victims_supported
    rec.support_kinds = sorted(set(outcome.support_kinds)) or None
    # Each later step implies the earlier ones: tried -> prosecuted -> case opened.
    rec.tried = outcome.tried
    rec.prosecuted = True if outcome.tried else outcome.prosecuted
    rec.case_solved = outcome.case_solved
    later = rec.prosecuted or outcome.case_solved
    rec.case_opened = True if later else outcome.case_opened
    rec.outcome_at, rec.outcome_by = utcnow(), actor
    session.flush()
    audit.record(
        session,
        "tip.outcome",
        actor,
        f"tip:{tip.id}",
        agency=agency_code,
        verified=outcome.verified,
        identified=outcome.victims_identified,
        supported=outcome.victims_supported,
        case_opened=rec.case_opened,
        case_solved=rec.case_solved,
        prosecuted=rec.prosecuted,
        tried=rec.tried,
    )
    return rec


def change_urgency(
    session: Session, settings: Settings, tip: Tip, urgency: str, actor: str, reason: str
) -> None:
    """An operator sets the urgency by hand; the reason is required and audited."""
    try:
        new = Urgency(urgency)
    except ValueError as exc:
        raise CaseError("invalid_urgency", urgency=urgency) from exc
    reason = reason.strip()[:500]
    if not reason:
        raise CaseError("reason_required")
    old = tip.urgency
    if new.value == old:
        return
    tip.urgency = new.value
    case = session.get(TipCase, tip.id)
    if case is not None and case.triaged_at is None:
        # The triage deadline follows the urgency the operator set.
        case.sla_due_at = tip.created_at + sla_for(settings, new)
    session.flush()
    audit.record(
        session, "tip.urgency", actor, f"tip:{tip.id}", old=old, new=new.value, reason=reason
    )


def is_overdue(tip: Tip, case: TipCase | None, settings: Settings, now: datetime) -> bool:
    """Still untriaged past its SLA deadline."""
    if tip.status != TipStatus.NEW:
        return False
    due = case.sla_due_at if case else tip.created_at + sla_for(settings, tip.urgency)
    return now > due


def minutes_left(tip: Tip, case: TipCase | None, now: datetime) -> int | None:
    """Minutes until the triage deadline (negative: overdue); None once triaged."""
    if tip.status != TipStatus.NEW or case is None:
        return None
    return int((case.sla_due_at - now).total_seconds() // 60)


def can_see(session: Session, user: StaffUser, tip: Tip) -> bool:
    """Hotline staff see every tip; an agency user only tips routed to its agency."""
    role = Role(user.role)
    if role in STAFF_ROLES:
        return True
    if role is Role.agency and user.agency_code:
        return (
            session.scalar(
                select(TipRecipient.id).where(
                    TipRecipient.tip_id == tip.id, TipRecipient.agency_code == user.agency_code
                )
            )
            is not None
        )
    return False


@dataclass
class QueueFilters:
    """The queue's filters (all optional)."""

    status: str | None = None
    urgency: str | None = None
    province: str | None = None
    agency: str | None = None
    overdue: bool = False
    open_only: bool = True
    # Free text, a receipt code or a recruiter's phone (see `search_ids`).
    q: str | None = None
    # Only tips assigned to this staff user id ("my tips").
    assigned_to: int | None = None
    page: int = 1


@dataclass
class QueueRow:
    """One line of the queue."""

    tip: Tip
    case: TipCase | None
    overdue: bool
    agencies: list[str]


def queue_query(user: StaffUser, f: QueueFilters, now: datetime) -> Select[Any]:
    """The tips a user may see, filtered (ordered by queue_order)."""
    q: Any = select(Tip, TipCase).outerjoin(TipCase, TipCase.tip_id == Tip.id)
    if Role(user.role) is Role.agency:
        q = q.where(
            exists().where(
                TipRecipient.tip_id == Tip.id, TipRecipient.agency_code == (user.agency_code or "")
            )
        )
    elif Role(user.role) not in STAFF_ROLES:
        q = q.where(Tip.id < 0)
    if f.status:
        q = q.where(Tip.status == f.status)
    elif f.open_only:
        q = q.where(Tip.status != TipStatus.CLOSED)
    if f.urgency:
        q = q.where(Tip.urgency == f.urgency)
    if f.assigned_to is not None:
        q = q.where(TipCase.assigned_to == f.assigned_to)
    if f.province:
        q = q.where(Tip.province == f.province)
    if f.agency:
        q = q.where(
            exists().where(TipRecipient.tip_id == Tip.id, TipRecipient.agency_code == f.agency)
        )
    if f.overdue:
        q = q.where(
            and_(
                Tip.status == TipStatus.NEW,
                or_(TipCase.sla_due_at < now, TipCase.tip_id.is_(None)),
            )
        )
    return q


def queue_order(q: Select[Any], now: datetime) -> Select[Any]:
    """Open before done, crisis first, overdue next, oldest first — in SQL, before the limit.

    Ordering after the LIMIT would hide an old open crisis tip behind 500 newer ones.
    """
    done = sql_case((Tip.status.in_([TipStatus.RESOLVED, TipStatus.CLOSED]), 1), else_=0)
    urgency = sql_case(
        {u.value: rank for u, rank in URGENCY_ORDER.items()}, value=Tip.urgency, else_=9
    )
    overdue = sql_case((and_(Tip.status == TipStatus.NEW, TipCase.sla_due_at < now), 0), else_=1)
    return q.order_by(done, urgency, overdue, Tip.created_at, Tip.id)


PAGE_SIZE = 50
#: Free-text search decrypts at most this many of the newest candidate tips (content is
#: encrypted, so it cannot be searched in SQL).
TEXT_SEARCH_LIMIT = 2000


class SearchKeys(Protocol):
    """What searching needs from the runtime (HotlineRuntime fits)."""

    cipher: Cipher
    pseudonyms: Pseudonymizer
    secret_key: bytes


def search_ids(session: Session, keys: SearchKeys, text: str) -> set[int] | None:
    """Tips a receipt code or a recruiter's phone / account / link names; None: search text."""
    text = text.strip()
    if normalize_receipt_code(text) is not None:
        tip = tips_service.find_by_receipt(session, keys.secret_key, text)
        return {tip.id} if tip else set()
    found = tips_service.extract_identifiers(text)
    if found:
        hashes = [keys.pseudonyms.derive(f"tip-id:{kind}", value) for kind, value in found]
        return set(
            session.scalars(select(TipIdentifier.tip_id).where(TipIdentifier.key_hash.in_(hashes)))
        )
    return None


def _text_matches(keys: SearchKeys, tip: Tip, needle: str) -> bool:
    content = tips_service.decrypt_content(keys.cipher, tip)
    hay = fold_key(" ".join(str(v) for v in content.values() if isinstance(v, str)))
    return needle in hay


@dataclass
class QueuePage:
    """One page of the queue and how many tips match in all."""

    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def queue_page(
    session: Session,
    settings: Settings,
    user: StaffUser,
    f: QueueFilters,
    keys: SearchKeys | None = None,
    page_size: int | None = None,
) -> QueuePage:
    """The queue in the night shift's order, searched and cut into pages."""
    page_size = page_size or PAGE_SIZE
    now = utcnow()
    base = queue_query(user, f, now)
    needle: str | None = None
    if f.q and f.q.strip() and keys is not None:
        ids = search_ids(session, keys, f.q)
        if ids is None:
            needle = fold_key(f.q)
        else:
            base = base.where(Tip.id.in_(ids or {-1}))
    ordered = queue_order(base, now)
    if needle is None and not f.overdue:
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        pages = max(1, -(-total // page_size))
        number = min(max(f.page, 1), pages)
        rows = cast(
            "list[tuple[Tip, TipCase | None]]",
            session.execute(ordered.offset((number - 1) * page_size).limit(page_size)).all(),
        )
        return QueuePage(_rows(session, settings, rows, now), total, number, pages)
    limit = TEXT_SEARCH_LIMIT if needle is not None else 5000
    rows = cast("list[tuple[Tip, TipCase | None]]", session.execute(ordered.limit(limit)).all())
    if needle is not None:
        assert keys is not None
        rows = [(t, c) for t, c in rows if _text_matches(keys, t, needle)]
    out = _night_order(_rows(session, settings, rows, now))
    if f.overdue:
        out = [r for r in out if r.overdue]
    pages = max(1, -(-len(out) // page_size))
    number = min(max(f.page, 1), pages)
    return QueuePage(out[(number - 1) * page_size : number * page_size], len(out), number, pages)


def _rows(
    session: Session,
    settings: Settings,
    rows: list[tuple[Tip, TipCase | None]],
    now: datetime,
) -> list[QueueRow]:
    ids = [t.id for t, _ in rows]
    by_tip: dict[int, list[str]] = {}
    if ids:
        for tid, code in session.execute(
            select(TipRecipient.tip_id, TipRecipient.agency_code).where(
                TipRecipient.tip_id.in_(ids)
            )
        ):
            by_tip.setdefault(tid, []).append(code)
    return [QueueRow(t, c, is_overdue(t, c, settings, now), by_tip.get(t.id, [])) for t, c in rows]


def queue(
    session: Session, settings: Settings, user: StaffUser, f: QueueFilters, limit: int = 500
) -> list[QueueRow]:
    """Crisis first, then overdue, then oldest first (the night shift's order)."""
    now = utcnow()
    rows = cast(
        "list[tuple[Tip, TipCase | None]]",
        session.execute(queue_order(queue_query(user, f, now), now).limit(limit)).all(),
    )
    out = _rows(session, settings, rows, now)
    if f.overdue:
        out = [r for r in out if r.overdue]
    return _night_order(out)


def _night_order(out: list[QueueRow]) -> list[QueueRow]:
    """Open before done, crisis first, overdue next, oldest first (in Python, exact overdue)."""
    done = {TipStatus.RESOLVED, TipStatus.CLOSED}
    return sorted(
        out,
        key=lambda r: (
            r.tip.status in done,
            URGENCY_ORDER.get(Urgency(r.tip.urgency), 9) if r.tip.urgency in URGENCY_ORDER else 9,
            not r.overdue,
            r.tip.created_at,
        ),
    )


def related_tips(session: Session, tip_id: int) -> list[tuple[int, str]]:
    """Other tips sharing a phone / account / link keyed hash: (tip id, kind)."""
    mine = select(TipIdentifier.kind, TipIdentifier.key_hash).where(TipIdentifier.tip_id == tip_id)
    pairs = list(session.execute(mine))
    if not pairs:
        return []
    found: dict[int, str] = {}
    for kind, key in pairs:
        for other in session.scalars(
            select(TipIdentifier.tip_id).where(
                TipIdentifier.kind == kind,
                TipIdentifier.key_hash == key,
                TipIdentifier.tip_id != tip_id,
            )
        ):
            found.setdefault(other, kind)
    return sorted(found.items())


def check_overdue(session: Session, settings: Settings) -> int:
    """Flag newly overdue tips to the supervisors' desk, once per tip."""
    now = utcnow()
    rows = session.execute(
        select(Tip, TipCase)
        .join(TipCase, TipCase.tip_id == Tip.id)
        .where(
            Tip.status == TipStatus.NEW,
            TipCase.sla_due_at < now,
            TipCase.overdue_notified_at.is_(None),
        )
    ).all()
    for tip, case in rows:
        case.overdue_notified_at = now
        notifications.notify_overdue(session, settings, tip)
        audit.record(session, "tip.overdue", None, f"tip:{tip.id}")
    session.flush()
    return len(rows)

"""Tips: submit once, read back decrypted, find by receipt code, and the anonymous thread.

Services never commit; the caller's unit of work does. Nothing here receives or stores a
channel user id: the intake dialog passes only the draft.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.db.base import utcnow
from hotline.kit.crypto import (
    Cipher,
    Pseudonymizer,
    lookup_tag,
    new_receipt_code,
    normalize_receipt_code,
    slow_hash,
    slow_verify,
)
from hotline.tips import repository
from hotline.tips.models import (
    IdentifierKind,
    MessageDirection,
    Tactic,
    Tip,
    TipAttachment,
    TipDraftPhoto,
    TipIdentifier,
    TipMessage,
    TipReplyHandle,
)
from hotline.tips.photos import CleanPhoto
from hotline.tips.reasons import CHILD_REASONS, Reason
from hotline.tips.schemas import TipContent, TipDraft
from hotline.tips.triage import Triage, TriageInput, assess
from nlu.crisis import mentions_child
from nlu.entities import extract
from nlu.gazetteer import COAST, border_areas, border_place
from nlu.normalize import fold_key

log = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(hours=24)
REPLY_HANDLE_DAYS = 30
MAX_MESSAGE = 4000


class TipKeys(Protocol):
    """What the tip service needs from the runtime (HotlineRuntime fits)."""

    cipher: Cipher
    pseudonyms: Pseudonymizer
    secret_key: bytes


#: Triage reason added to a report whose content matches one from the last 24 hours. It is
#: stored like any other tip: telling the sender "already received" would let anyone test
#: whether a given text had been reported.
POSSIBLE_DUPLICATE = Reason.POSSIBLE_DUPLICATE

#: When a story names several tactics, the most specific one wins: "việc nhẹ lương cao" is how
#: a scam compound recruits, so a tip naming both is a scam-compound tip, not a job offer.
TACTIC_PRECEDENCE = (
    Tactic.ORGAN,
    Tactic.SCAM_COMPOUND,
    Tactic.ADOPTION_SURROGACY,
    Tactic.MARRIAGE,
    Tactic.TRAVEL_STUDY,
    Tactic.JOB_OFFER,
    Tactic.OTHER,
)


class Submission(NamedTuple):
    """The tip and its receipt code; the code is None when the draft had already been sent."""

    tip: Tip
    receipt_code: str | None


@dataclass(frozen=True)
class ThreadEntry:
    """One decrypted thread message."""

    id: int
    direction: str
    author: str | None
    text: str
    created_at: datetime
    read_at: datetime | None


# --- recruiter identifiers -> keyed link hashes ---------------------------------------------

_PHONE = re.compile(r"(?<![\w])\+?\d(?:[\s.\-]?\d){8,13}(?![\w])")
_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|vn|net|org|me|ly|io|cc|info|biz|top|xyz|link)"
    r"(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(r"(?<![\w.])@([A-Za-z0-9_.]{3,64})")


def _norm_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("84") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def _norm_link(raw: str) -> str:
    link = re.sub(r"^(https?://)?(www\.)?", "", raw.strip().lower())
    return link.rstrip("/.,;:!?)")


def extract_identifiers(text: str) -> set[tuple[str, str]]:
    """(kind, normalised value) for every phone, account handle and link in a text."""
    found: set[tuple[str, str]] = set()
    for m in _LINK.finditer(text):
        found.add((IdentifierKind.LINK, _norm_link(m.group(0))))
    without_links = _LINK.sub(" ", text)
    for m in _PHONE.finditer(without_links):
        phone = _norm_phone(m.group(0))
        if 9 <= len(phone) <= 14:
            found.add((IdentifierKind.PHONE, phone))
    for m in _ACCOUNT.finditer(without_links):
        found.add((IdentifierKind.ACCOUNT, m.group(1).lower().rstrip(".")))
    return found


# --- submission ------------------------------------------------------------------------------


def _content(draft: TipDraft) -> TipContent:
    return TipContent(
        what=draft.what,
        province_text=draft.province_text,
        place=draft.place,
        when=draft.when,
        people_text=draft.people_text,
        child=draft.child,
        country_text=draft.country_text,
        platform=draft.platform,
        recruiter=draft.recruiter,
        urgent=draft.urgent,
    )


def dedupe_key(pseudonyms: Pseudonymizer, draft: TipDraft) -> str:
    """Keyed fingerprint of the normalised content (case, accents and spacing ignored)."""
    parts = [draft.what, draft.place, draft.recruiter, draft.province, draft.destination_country]
    return pseudonyms.derive("tip-dedupe", "\x1f".join(fold_key(p or "") for p in parts))


def province_of(draft: TipDraft) -> str | None:
    """The draft's province, else the one its place or story names ("xã Tả Van" -> Lào Cai)."""
    if draft.province:
        return draft.province
    for text in (draft.place, draft.province_text, draft.what):
        found = [e["value"] for e in extract(text or "") if e["entity"] == "province"]
        if len(set(found)) == 1:  # two provinces named: leave it to the operator
            return found[0]
    return None


def is_border_area(draft: TipDraft, province: str | None) -> bool:
    """Whether the draft names a border gate or a district on the land border (in its province)."""
    text = " \n ".join(x for x in (draft.place, draft.province_text, draft.what) if x)
    return bool(text) and border_place(text, province) is not None


def place_area_reasons(draft: TipDraft, province: str | None) -> list[Reason]:
    """Routing facts from the place named: a coastal district, and whether the border / coast
    row it rests on was left unverified in nlu/border_areas.yml (operators see that)."""
    text = " \n ".join(x for x in (draft.place, draft.province_text, draft.what) if x)
    areas = border_areas(text, province) if text else []
    out: list[Reason] = []
    if any(a.area == COAST for a in areas):
        out.append(Reason.COASTAL_AREA)
    if areas and not any(a.verified for a in areas):
        out.append(Reason.PLACE_UNCHECKED)
    return out


def tactic_of(draft: TipDraft) -> str | None:
    """The draft's tactic, made more specific by what the story says (scam compound > job)."""
    text = " \n ".join(x for x in (draft.what, draft.recruiter) if x)
    found = {e["value"] for e in extract(text) if e["entity"] == "tactic"} if text else set()
    if draft.tactic:
        found.add(draft.tactic)
    for tactic in TACTIC_PRECEDENCE:
        if tactic.value in found:
            return tactic.value
    return draft.tactic


def triage_draft(draft: TipDraft) -> Triage:
    """Run the triage rules on a draft."""
    text = " ".join(x for x in (draft.what, draft.place, draft.when, draft.people_text) if x)
    province = province_of(draft)
    triage = assess(
        TriageInput(
            text=text,
            child=draft.child,
            people_at_risk=draft.people_at_risk,
            destination_country=draft.destination_country,
            tactic=tactic_of(draft),
            reporter_is_victim=draft.reporter_is_victim,
            urgent=draft.urgent,
            border_area=is_border_area(draft, province),
            child_mentioned=bool(draft.what) and mentions_child(draft.what or ""),
        )
    )
    places = [r for r in place_area_reasons(draft, province) if r not in triage.reasons]
    return Triage(triage.urgency, [*triage.reasons, *places])


def submit_tip(session: Session, keys: TipKeys, draft: TipDraft) -> Submission:
    """Store a draft as a tip exactly once (a repeat of recent content is flagged, not refused)."""
    submission_key = keys.pseudonyms.derive("tip-submission", draft.submission_token)
    existing = repository.by_submission_key(session, submission_key)
    if existing is not None:
        return Submission(existing, None)
    dkey = dedupe_key(keys.pseudonyms, draft)
    repeated = repository.recent_duplicate(session, dkey, utcnow() - DUPLICATE_WINDOW)
    triage = triage_draft(draft)
    reasons = [*triage.reasons, *([POSSIBLE_DUPLICATE] if repeated is not None else [])]
    code = new_receipt_code()
    content = _content(draft).model_dump_json(exclude_none=True)
    tip = Tip(
        channel=draft.channel,
        urgency=triage.urgency,
        urgency_reasons=",".join(reasons),
        province=province_of(draft),
        destination_country=draft.destination_country,
        tactic=tactic_of(draft),
        # A child named in the story counts even when the age question said "no" or was skipped.
        child_involved=True if CHILD_REASONS.intersection(triage.reasons) else draft.child_involved,
        people_at_risk=draft.people_at_risk,
        reporter_is_victim=draft.reporter_is_victim,
        crosses_border=bool(draft.destination_country) and draft.destination_country != "Việt Nam",
        content_enc=keys.cipher.encrypt_text(content),
        receipt_hash=slow_hash(code),
        receipt_tag=lookup_tag(keys.secret_key, code),
        dedupe_key=dkey,
        submission_key=submission_key,
    )
    try:
        # A savepoint: a concurrent double tap loses the unique race and reads the winner.
        with session.begin_nested():
            session.add(tip)
            session.flush()
    except IntegrityError:
        winner = repository.by_submission_key(session, submission_key)
        if winner is None:
            raise
        return Submission(winner, None)
    text = " ".join(x for x in (draft.recruiter, draft.platform, draft.what, draft.place) if x)
    for kind, value in sorted(extract_identifiers(text)):
        session.add(
            TipIdentifier(
                tip_id=tip.id, kind=kind, key_hash=keys.pseudonyms.derive(f"tip-id:{kind}", value)
            )
        )
    for photo in repository.draft_photos(session, draft.draft_ref):
        session.add(
            TipAttachment(
                tip_id=tip.id, mime=photo.mime, size=photo.size, content_enc=photo.content_enc
            )
        )
    repository.delete_draft_photos(session, draft.draft_ref)
    session.flush()
    log.info("tip submitted", extra={"tip_id": tip.id, "urgency": tip.urgency})
    return Submission(tip, code)


# --- draft photos ----------------------------------------------------------------------------


def add_draft_photo(session: Session, cipher: Cipher, draft_ref: str, photo: CleanPhoto) -> int:
    """Keep a sanitised photo for a draft; returns how many the draft now has."""
    session.add(
        TipDraftPhoto(
            draft_ref=draft_ref,
            mime=photo.mime,
            size=len(photo.data),
            content_enc=cipher.encrypt(photo.data),
        )
    )
    session.flush()
    return len(repository.draft_photos(session, draft_ref))


def count_draft_photos(session: Session, draft_ref: str) -> int:
    """How many photos a draft holds."""
    return len(repository.draft_photos(session, draft_ref))


def discard_draft(session: Session, draft_ref: str) -> None:
    """Forget an abandoned draft's photos."""
    repository.delete_draft_photos(session, draft_ref)


# --- reading ---------------------------------------------------------------------------------


def get_tip(session: Session, tip_id: int) -> Tip | None:
    """A tip by id."""
    return session.get(Tip, tip_id)


def decrypt_content(cipher: Cipher, tip: Tip) -> dict[str, Any]:
    """The tip's free-text answers, decrypted (operators only)."""
    data = json.loads(cipher.decrypt_text(tip.content_enc))
    return data if isinstance(data, dict) else {}


def related_tips(session: Session, tip: Tip) -> list[int]:
    """Ids of other tips naming the same recruiter phone / account / link."""
    return repository.related_tip_ids(session, tip.id)


def find_by_receipt(session: Session, secret_key: bytes, code: str) -> Tip | None:
    """The tip whose receipt code this is: tag lookup, then a slow verify of the candidates."""
    canonical = normalize_receipt_code(code)
    if canonical is None:
        return None
    match = None
    for tip in repository.by_receipt_tag(session, lookup_tag(secret_key, canonical)):
        # Verify every candidate so the time taken does not reveal which one matched.
        if slow_verify(tip.receipt_hash, canonical) and match is None:
            match = tip
    return match


# --- the anonymous thread --------------------------------------------------------------------


def _add_message(
    session: Session, cipher: Cipher, tip: Tip, direction: str, author: str | None, text: str
) -> TipMessage:
    body = text.strip()[:MAX_MESSAGE]
    if not body:
        raise ValueError("empty message")
    msg = TipMessage(
        tip_id=tip.id, direction=direction, author=author, body_enc=cipher.encrypt_text(body)
    )
    session.add(msg)
    tip.updated_at = utcnow()
    session.flush()
    return msg


def add_hotline_message(
    session: Session, cipher: Cipher, tip: Tip, author: str, text: str
) -> TipMessage:
    """A question or note from the hotline to the tipster."""
    return _add_message(session, cipher, tip, MessageDirection.HOTLINE_TO_TIPSTER, author, text)


def add_tipster_message(session: Session, cipher: Cipher, tip: Tip, text: str) -> TipMessage:
    """An answer or new information from the tipster (no author: they are anonymous)."""
    return _add_message(session, cipher, tip, MessageDirection.TIPSTER_TO_HOTLINE, None, text)


def thread(session: Session, cipher: Cipher, tip: Tip) -> list[ThreadEntry]:
    """The whole thread, decrypted, oldest first."""
    return [
        ThreadEntry(
            id=m.id,
            direction=m.direction,
            author=m.author,
            text=cipher.decrypt_text(m.body_enc),
            created_at=m.created_at,
            read_at=m.read_at,
        )
        for m in repository.messages(session, tip.id)
    ]


def mark_read(session: Session, tip: Tip, direction: str) -> None:
    """Mark every unread message of one direction as read now."""
    now = utcnow()
    for m in repository.messages(session, tip.id):
        if m.direction == direction and m.read_at is None:
            m.read_at = now


def unread_for_tipster(session: Session, tip: Tip) -> int:
    """Hotline messages the tipster has not seen."""
    return repository.unread_for_tipster(session, tip.id)


# --- attachments -----------------------------------------------------------------------------


def add_attachment(session: Session, cipher: Cipher, tip: Tip, photo: CleanPhoto) -> TipAttachment:
    """Attach a sanitised photo to a tip (follow-up)."""
    att = TipAttachment(
        tip_id=tip.id, mime=photo.mime, size=len(photo.data), content_enc=cipher.encrypt(photo.data)
    )
    session.add(att)
    tip.updated_at = utcnow()
    session.flush()
    return att


def attachments(session: Session, tip: Tip) -> list[TipAttachment]:
    """A tip's photos (still encrypted; see attachment_bytes)."""
    return list(repository.attachments(session, tip.id))


def attachment_bytes(cipher: Cipher, attachment: TipAttachment) -> bytes:
    """The decrypted, already metadata-free image."""
    return cipher.decrypt(attachment.content_enc)


# --- optional notification handle (explicit consent only) -----------------------------------


def _handle_tag(pseudonyms: Pseudonymizer, token: str) -> str:
    return pseudonyms.derive("tip-reply-handle", token)


def set_reply_handle(session: Session, pseudonyms: Pseudonymizer, tip: Tip) -> str:
    """With consent: a random token that can ask "any news?" about this tip for 30 days.

    Only a keyed hash of the token is stored, and the token only ever lives in the person's own
    chat (a button): nothing in the database, even read with every key, ties it to a chat.
    """
    token = secrets.token_urlsafe(12)
    expires = utcnow() + timedelta(days=REPLY_HANDLE_DAYS)
    tag = _handle_tag(pseudonyms, token)
    handle = session.get(TipReplyHandle, tip.id)
    if handle is None:
        session.add(TipReplyHandle(tip_id=tip.id, handle_tag=tag, expires_at=expires))
    else:
        handle.handle_tag, handle.expires_at = tag, expires
    session.flush()
    return token


def has_reply_handle(session: Session, tip: Tip) -> bool:
    """True while the tipster's consent to be told about replies is in force."""
    handle = session.get(TipReplyHandle, tip.id)
    return handle is not None and handle.expires_at > utcnow()


def remove_reply_handle(session: Session, tip: Tip) -> None:
    """Withdraw consent: the token's button stops working."""
    handle = session.get(TipReplyHandle, tip.id)
    if handle is not None:
        session.delete(handle)


def news_for_token(session: Session, pseudonyms: Pseudonymizer, token: str) -> int | None:
    """Unread hotline messages on the tip a consent token names (None: no such live token)."""
    handles = repository.handles_for(session, _handle_tag(pseudonyms, token), utcnow())
    if not handles:
        return None
    return repository.unread_for_tipster(session, handles[0].tip_id)


def list_tips(session: Session, status: str | None = None, limit: int = 100) -> list[Tip]:
    """Newest tips first, optionally by status."""
    q = select(Tip).order_by(Tip.id.desc()).limit(limit)
    if status is not None:
        q = q.where(Tip.status == status)
    return list(session.scalars(q).all())

"""Queries on the tip tables (no commits: the boundary owns the transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.tips.models import (
    MessageDirection,
    Tip,
    TipAttachment,
    TipDraftPhoto,
    TipIdentifier,
    TipMessage,
    TipReplyHandle,
)


def by_submission_key(session: Session, key: str) -> Tip | None:
    """The tip created from one draft, if any."""
    return session.scalar(select(Tip).where(Tip.submission_key == key))


def recent_duplicate(session: Session, dedupe_key: str, since: datetime) -> Tip | None:
    """A tip with the same content fingerprint since a moment."""
    return session.scalar(
        select(Tip).where(Tip.dedupe_key == dedupe_key, Tip.created_at >= since).limit(1)
    )


def by_receipt_tag(session: Session, tag: str) -> Sequence[Tip]:
    """Candidate tips whose 16-bit receipt tag matches."""
    return session.scalars(select(Tip).where(Tip.receipt_tag == tag)).all()


def related_tip_ids(session: Session, tip_id: int) -> list[int]:
    """Other tips sharing a recruiter phone / account / link key with this one."""
    mine = select(TipIdentifier.kind, TipIdentifier.key_hash).where(TipIdentifier.tip_id == tip_id)
    pairs = list(session.execute(mine).all())
    if not pairs:
        return []
    ids: set[int] = set()
    for kind, key_hash in pairs:
        ids |= set(
            session.scalars(
                select(TipIdentifier.tip_id).where(
                    TipIdentifier.kind == kind,
                    TipIdentifier.key_hash == key_hash,
                    TipIdentifier.tip_id != tip_id,
                )
            ).all()
        )
    return sorted(ids)


def messages(session: Session, tip_id: int) -> Sequence[TipMessage]:
    """A tip's thread, oldest first."""
    return session.scalars(
        select(TipMessage).where(TipMessage.tip_id == tip_id).order_by(TipMessage.id)
    ).all()


def unread_for_tipster(session: Session, tip_id: int) -> int:
    """Hotline messages the tipster has not seen yet."""
    return int(
        session.scalar(
            select(func.count(TipMessage.id)).where(
                TipMessage.tip_id == tip_id,
                TipMessage.direction == MessageDirection.HOTLINE_TO_TIPSTER,
                TipMessage.read_at.is_(None),
            )
        )
        or 0
    )


def attachments(session: Session, tip_id: int) -> Sequence[TipAttachment]:
    """A tip's photos, oldest first."""
    return session.scalars(
        select(TipAttachment).where(TipAttachment.tip_id == tip_id).order_by(TipAttachment.id)
    ).all()


def draft_photos(session: Session, draft_ref: str) -> Sequence[TipDraftPhoto]:
    """Photos attached to a draft so far."""
    return session.scalars(
        select(TipDraftPhoto).where(TipDraftPhoto.draft_ref == draft_ref).order_by(TipDraftPhoto.id)
    ).all()


def delete_draft_photos(session: Session, draft_ref: str) -> None:
    """Drop a draft's photos (sent or abandoned)."""
    session.execute(delete(TipDraftPhoto).where(TipDraftPhoto.draft_ref == draft_ref))


def handles_for(session: Session, handle_tag: str, now: datetime) -> Sequence[TipReplyHandle]:
    """Unexpired reply handles of one conversation."""
    return session.scalars(
        select(TipReplyHandle).where(
            TipReplyHandle.handle_tag == handle_tag, TipReplyHandle.expires_at > now
        )
    ).all()

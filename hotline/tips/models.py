"""Tip tables: no channel identity anywhere; free text, answers and photos encrypted at rest."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class Urgency(StrEnum):
    """How fast a tip needs a human."""

    CRISIS = "crisis"
    HIGH = "high"
    NORMAL = "normal"


class TipStatus(StrEnum):
    """The hotline's workflow (stored as a string: new states need no migration)."""

    NEW = "new"
    TRIAGED = "triaged"
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class TipResolution(StrEnum):
    """How a resolved tip ended."""

    CONFIRMED = "confirmed"
    UNFOUNDED = "unfounded"
    DUPLICATE = "duplicate"
    REFERRED_ELSEWHERE = "referred_elsewhere"


class Tactic(StrEnum):
    """The recruitment tactic (same values as the NLU `tactic` entity, plus `other`)."""

    JOB_OFFER = "job_offer"
    MARRIAGE = "marriage"
    SCAM_COMPOUND = "scam_compound"
    ADOPTION_SURROGACY = "adoption_surrogacy"
    ORGAN = "organ"
    TRAVEL_STUDY = "travel_study"
    OTHER = "other"


class MessageDirection(StrEnum):
    """Who wrote a thread message."""

    HOTLINE_TO_TIPSTER = "hotline_to_tipster"
    TIPSTER_TO_HOTLINE = "tipster_to_hotline"


class IdentifierKind(StrEnum):
    """What a link key was derived from."""

    PHONE = "phone"
    ACCOUNT = "account"
    LINK = "link"


class Tip(Base):
    """One anonymous report. Routing facts are plain; everything the citizen wrote is not."""

    __tablename__ = "tips"
    __table_args__ = (Index("ix_tips_status_urgency", "status", "urgency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The channel's name ("telegram", "webchat"), never the user id.
    channel: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16), default=Urgency.NORMAL)
    # Triage reason codes, comma-separated, so operators see why (codes, not text).
    urgency_reasons: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default=TipStatus.NEW, index=True)
    resolution: Mapped[str | None] = mapped_column(String(32), nullable=True)
    province: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    destination_country: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tactic: Mapped[str | None] = mapped_column(String(32), nullable=True)
    child_involved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    people_at_risk: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reporter_is_victim: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    crosses_border: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fernet token of the JSON of every free-text answer (see TipContent).
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # Argon2id of the receipt code, and a 16-bit keyed tag to find the few candidates.
    receipt_hash: Mapped[str] = mapped_column(String(128))
    receipt_tag: Mapped[str] = mapped_column(String(8), index=True)
    # Keyed hash of the normalised content: the same report twice within a day is refused.
    dedupe_key: Mapped[str] = mapped_column(String(64), index=True)
    # Keyed hash of the draft's random token: a double-tapped "Gửi" finds the first tip.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)


class TipIdentifier(Base):
    """A keyed hash of a recruiter's phone / account / link, to find related tips."""

    __tablename__ = "tip_identifiers"
    __table_args__ = (Index("ix_tip_identifiers_kind_key_hash", "kind", "key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))


class TipAttachment(Base):
    """A photo, re-encoded without metadata, encrypted. No plaintext hash: it could be matched."""

    __tablename__ = "tip_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)


class TipMessage(Base):
    """The anonymous two-way thread between the hotline and the tipster."""

    __tablename__ = "tip_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(24))
    # Staff username for hotline messages; always null for the tipster.
    author: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TipDraftPhoto(Base):
    """A sanitised photo waiting for its draft to be sent, keyed by a random draft id only."""

    __tablename__ = "tip_draft_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random, lives in the (encrypted) draft; not derived from the user.
    draft_ref: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)


class TipReplyHandle(Base):
    """With explicit consent only: lets the bot tell this conversation the hotline wrote."""

    __tablename__ = "tip_reply_handles"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    # Keyed hash of the conversation pseudonym (never the channel user id).
    handle_tag: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

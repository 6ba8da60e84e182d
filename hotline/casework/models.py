"""Casework rows beside each tip: its workflow record, its recipients and its notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class Resolution(StrEnum):
    """How a resolved tip ended."""

    confirmed = "confirmed"
    unfounded = "unfounded"
    duplicate = "duplicate"
    referred_elsewhere = "referred_elsewhere"


class RecipientStatus(StrEnum):
    """Where one agency stands on a tip (GlobaLeaks keeps one row per receiver too)."""

    pending = "pending"
    notified = "notified"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    done = "done"
    declined = "declined"


class NoteScope(StrEnum):
    """Who may read a note: the hotline only, or the hotline and one agency."""

    hotline = "hotline"
    agency = "agency"


class Verification(StrEnum):
    """What an agency found when it checked a tip."""

    confirmed = "confirmed"
    unfounded = "unfounded"
    unverifiable = "unverifiable"


class SupportKind(StrEnum):
    """Kinds of victim support of Điều 37, Law 53/2024 (what was given, not who to)."""

    essentials = "essentials"
    travel = "travel"
    medical = "medical"
    psychological = "psychological"
    legal_aid = "legal_aid"
    education_vocational = "education_vocational"
    initial_allowance = "initial_allowance"
    loan = "loan"
    interpretation = "interpretation"


class TipCase(Base):
    """The workflow record of a tip: who has it, when it moved, when it is due."""

    __tablename__ = "tip_cases"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TipRecipient(Base):
    """One agency a tip was routed to, why, by whom, and its own status."""

    __tablename__ = "tip_recipients"
    __table_args__ = (UniqueConstraint("tip_id", "agency_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RecipientStatus.pending)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason_vi: Mapped[str] = mapped_column(Text, default="")
    reason_en: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The agency's outcome (counts, never names): it feeds the plans' indicators in reports.
    outcome_verified: Mapped[str | None] = mapped_column(String(16), nullable=True)
    victims_identified: Mapped[int | None] = mapped_column(Integer, nullable=True)
    victims_children: Mapped[int | None] = mapped_column(Integer, nullable=True)
    victims_rescued: Mapped[int | None] = mapped_column(Integer, nullable=True)
    victims_supported: Mapped[int | None] = mapped_column(Integer, nullable=True)
    support_kinds: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    case_opened: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    prosecuted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Investigation cleared the case ("điều tra, khám phá") and the case came to trial.
    case_solved: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    tried: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TipNote(Base):
    """An internal note on a tip (encrypted: notes often repeat tip content)."""

    __tablename__ = "tip_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    # hotline: staff only; agency: staff and the one agency in agency_code (never another).
    scope: Mapped[str] = mapped_column(String(16), default=NoteScope.hotline)
    agency_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Campaigns, their outbox (one row per subscriber and occurrence), clicks, test recipients."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class CampaignStatus(StrEnum):
    """draft -> pending_approval -> scheduled -> sending -> sent | cancelled."""

    draft = "draft"
    pending_approval = "pending_approval"
    scheduled = "scheduled"
    sending = "sending"
    sent = "sent"
    cancelled = "cancelled"


class ScheduleKind(StrEnum):
    """When a campaign goes out."""

    now = "now"
    at = "at"
    yearly = "yearly"


class DeliveryStatus(StrEnum):
    """One outbox row's state (see bot/broadcast.py for the crash rule)."""

    pending = "pending"
    claimed = "claimed"  # leased by a worker, not yet handed to the API: safe to reclaim
    sending = "sending"  # handed (or about to be handed) to the platform API
    sent = "sent"
    failed = "failed"
    failed_unknown = "failed_unknown"  # a crash while in flight: maybe delivered, never resent
    blocked = "blocked"
    skipped = "skipped"  # unsubscribed meanwhile, channel off
    skipped_quota = "skipped_quota"


class Campaign(Base):
    """A message to a segment on a schedule, approved by someone other than its author."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # {"vi": "...", "en": "..."}: vi required; others fall back to vi.
    messages: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # [{"kind": "hoc"|"quiz", "target": "<piece-id or topic>", "title": {"vi": ..., "en": ...}}]
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"channels": [...], "provinces": [...], "topics": [...], "languages": [...],
    #  "age_bands": [...]}: an empty list means "everyone" for that criterion.
    segment: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    schedule: Mapped[str] = mapped_column(String(8), default=ScheduleKind.now)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    yearly_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    yearly_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    yearly_hour: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.draft, index=True)
    # When the scheduler next expands it (None: nothing due).
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    last_occurrence: Mapped[str | None] = mapped_column(String(16), nullable=True)
    author: Mapped[str] = mapped_column(String(64))
    approver: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


OPEN_SQL = "status IN ('pending', 'claimed', 'sending')"
LEASED_SQL = "status IN ('claimed', 'sending')"


class CampaignDelivery(Base):
    """One message to one subscriber for one occurrence: the unique key makes it exactly once."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "subscriber_id", "occurrence"),
        # Partial indexes hold only the few rows each query looks for, however many millions
        # of finished rows the table keeps: the claim (pending; test sends first) ...
        Index(
            "ix_campaign_deliveries_claim",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_campaign_deliveries_claim_test",
            "id",
            postgresql_where=text("status = 'pending' AND is_test"),
            sqlite_where=text("status = 'pending' AND is_test"),
        ),
        # ... a campaign's open rows (is it finished?), leases to recover ...
        Index(
            "ix_campaign_deliveries_open",
            "campaign_id",
            postgresql_where=text(OPEN_SQL),
            sqlite_where=text(OPEN_SQL),
        ),
        Index(
            "ix_campaign_deliveries_leased",
            "claimed_until",
            postgresql_where=text(LEASED_SQL),
            sqlite_where=text(LEASED_SQL),
        ),
        # ... a channel's sends of the day (Zalo's cap) ...
        Index(
            "ix_campaign_deliveries_sent",
            "channel",
            "sent_at",
            postgresql_where=text("status = 'sent'"),
            sqlite_where=text("status = 'sent'"),
        ),
        # ... and the oldest rows, for the retention purge.
        Index("ix_campaign_deliveries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    # Not a foreign key: the row outlives an unsubscribed subscriber (results stay countable).
    # Test sends use the negative staff user id.
    subscriber_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only test sends carry their own (encrypted) address; others read the subscriber's.
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CampaignClick(Base):
    """A button press that came from a campaign: campaign, day and kind only (anonymous)."""

    __tablename__ = "campaign_clicks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))


class TestRecipient(Base):
    """A staff user's own chat for test sends, linked by a one-time code sent to the bot."""

    __tablename__ = "campaign_test_recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), unique=True
    )
    # HMAC of the pending one-time code (None once used).
    code_tag: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

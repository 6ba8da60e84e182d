"""When a campaign is due: its first run, yearly occurrences, and the tick that expands due ones."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignDelivery,
    CampaignStatus,
    DeliveryStatus,
    ScheduleKind,
)
from hotline.campaigns.segments import expand
from hotline.campaigns.validation import TZ, CampaignError
from hotline.db.base import utcnow


def next_yearly(day: int, month: int, hour: int, after: datetime) -> tuple[datetime, str]:
    """The first dd/mm at hour:00 (Asia/Ho_Chi_Minh) strictly after ``after``, and its year."""
    local = after.astimezone(TZ)
    for year in range(local.year, local.year + 9):
        try:
            moment = datetime(year, month, day, hour, tzinfo=TZ)
        except ValueError:  # 29/2 in a common year
            continue
        if moment > local:
            return moment.astimezone(UTC), str(year)
    raise CampaignError("no_next_occurrence")  # pragma: no cover - 29/2 recurs within 8 years


def _yearly(c: Campaign) -> tuple[int, int, int]:
    if c.yearly_day is None or c.yearly_month is None or c.yearly_hour is None:
        raise CampaignError("no_yearly_date")
    return c.yearly_day, c.yearly_month, c.yearly_hour


def first_run(c: Campaign, now: datetime) -> datetime:
    """When an approved campaign first becomes due."""
    if c.schedule == ScheduleKind.at and c.send_at is not None:
        return c.send_at
    if c.schedule == ScheduleKind.yearly:
        return next_yearly(*_yearly(c), now)[0]
    return now


def occurrence_of(c: Campaign, due: datetime) -> str:
    """The occurrence label: "once", or the year of a yearly campaign."""
    if c.schedule == ScheduleKind.yearly:
        return str(due.astimezone(TZ).year)
    return "once"


def run_scheduler(session: Session, now: datetime | None = None) -> int:
    """Expand every due campaign into outbox rows; finish campaigns with nothing left."""
    now = now or utcnow()
    query = (
        select(Campaign)
        .where(
            Campaign.status.in_([CampaignStatus.scheduled, CampaignStatus.sending]),
            Campaign.next_run_at.is_not(None),
            Campaign.next_run_at <= now,
        )
        .order_by(Campaign.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    inserted = 0
    for c in list(session.scalars(query)):
        assert c.next_run_at is not None
        occurrence = occurrence_of(c, c.next_run_at)
        inserted += expand(session, c, occurrence)
        c.last_occurrence = occurrence
        c.status = CampaignStatus.sending
        if c.schedule == ScheduleKind.yearly:
            c.next_run_at = next_yearly(*_yearly(c), now)[0]
        else:
            c.next_run_at = None
    session.flush()
    finish(session)
    return inserted


def finish(session: Session) -> None:
    """A sending campaign with no open rows is sent (yearly ones wait for next year)."""
    open_rows = (
        select(CampaignDelivery.id)
        .where(
            CampaignDelivery.campaign_id == Campaign.id,
            CampaignDelivery.is_test.is_(False),
            CampaignDelivery.status.in_(
                [DeliveryStatus.pending, DeliveryStatus.claimed, DeliveryStatus.sending]
            ),
        )
        .exists()
    )
    for c in session.scalars(
        select(Campaign).where(Campaign.status == CampaignStatus.sending, ~open_rows)
    ):
        c.status = CampaignStatus.scheduled if c.next_run_at is not None else CampaignStatus.sent
    session.flush()

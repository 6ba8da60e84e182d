"""Who a campaign reaches: a segment as SQL over subscribers, counted, expanded into the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, func, literal, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignDelivery,
    DeliveryStatus,
)
from hotline.campaigns.validation import EmptyAudience
from hotline.db.base import UTCDateTime, utcnow
from hotline.subscribers.models import Subscriber


def _segment_filters(session: Session, segment: dict[str, list[str]]) -> list[Any]:
    """SQL conditions on subscribers for a segment (topics, a JSON list, included)."""
    conditions: list[Any] = []
    for key, column in (
        ("channels", Subscriber.channel),
        ("provinces", Subscriber.province),
        ("languages", Subscriber.lang),
        ("age_bands", Subscriber.age_band),
    ):
        if segment.get(key):
            conditions.append(column.in_(segment[key]))
    topics = list(segment.get("topics") or [])
    if topics:
        if session.get_bind().dialect.name == "postgresql":
            as_jsonb = sql_cast(Subscriber.topics, postgresql.JSONB)
            conditions.append(as_jsonb.has_any(postgresql.array(topics)))
        else:
            each = func.json_each(Subscriber.topics).table_valued("value")
            conditions.append(
                select(literal(1)).select_from(each).where(each.c.value.in_(topics)).exists()
            )
    return conditions


def segment_query(session: Session, segment: dict[str, list[str]]) -> Any:
    """Subscribers of a segment, filtered entirely in SQL."""
    return select(Subscriber).where(*_segment_filters(session, segment)).order_by(Subscriber.id)


def audience(session: Session, segment: dict[str, list[str]]) -> list[Subscriber]:
    """Every subscriber in a segment (small segments: previews and tests)."""
    return list(session.scalars(segment_query(session, segment)))


def audience_count(session: Session, segment: dict[str, list[str]]) -> int:
    """How many subscribers a segment reaches now, counted in SQL (no row is loaded)."""
    query = select(func.count(Subscriber.id)).where(*_segment_filters(session, segment))
    return int(session.scalar(query) or 0)


def require_audience(session: Session, campaign: Campaign) -> None:
    """Refuse a step for a campaign that would reach nobody."""
    if audience_count(session, campaign.segment) == 0:
        raise EmptyAudience("empty_audience")


# Subscriber ids per INSERT ... SELECT: each statement stays short however big the segment.
EXPAND_CHUNK = 50_000


def expand(session: Session, campaign: Campaign, occurrence: str, chunk: int = EXPAND_CHUNK) -> int:
    """Create the outbox rows of one occurrence (idempotent); returns rows inserted.

    Set-based: INSERT ... SELECT over ranges of subscriber ids, so no subscriber passes
    through Python however many millions the segment holds; the unique key (campaign,
    subscriber, occurrence) with ON CONFLICT DO NOTHING makes a second expansion a no-op.
    """
    now = utcnow()
    table: Any = CampaignDelivery.__table__
    bounds = session.execute(select(func.min(Subscriber.id), func.max(Subscriber.id))).one()
    lowest, highest = bounds.tuple()
    if lowest is None or highest is None:
        return 0
    filters = _segment_filters(session, campaign.segment)
    columns = [
        "campaign_id",
        "subscriber_id",
        "occurrence",
        "channel",
        "lang",
        "is_test",
        "status",
        "attempts",
        "next_attempt_at",
        "message_ids",
        "created_at",
    ]
    postgres = session.get_bind().dialect.name == "postgresql"
    insert: Any = postgresql.insert if postgres else sqlite.insert
    total = 0
    for start in range(int(lowest), int(highest) + 1, chunk):
        rows = select(
            literal(campaign.id),
            Subscriber.id,
            literal(occurrence),
            Subscriber.channel,
            Subscriber.lang,
            literal(False),
            literal(str(DeliveryStatus.pending)),
            literal(0),
            literal(now, UTCDateTime()),
            literal([], JSON()),
            literal(now, UTCDateTime()),
        ).where(Subscriber.id >= start, Subscriber.id < start + chunk, *filters)
        stmt = insert(table).from_select(columns, rows).on_conflict_do_nothing()
        if postgres:
            # psycopg reports no rowcount for INSERT ... SELECT: count the RETURNING rows there.
            inserted = stmt.returning(table.c.id).cte("inserted")
            total += int(session.scalar(select(func.count()).select_from(inserted)) or 0)
        else:
            total += int(getattr(session.execute(stmt), "rowcount", 0) or 0)
    return total

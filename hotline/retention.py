"""Data retention: delete what the hotline no longer needs, on a schedule (worker) or by hand.

Defaults (days, see Settings and docs/deploy.md): conversation state untouched for 30,
webhook de-duplication markers after 7, closed tips 730 after closing; the message ids kept
for /xoa after 2 (Telegram deletes nothing older). Tables are looked up in
the live schema, so a database without the tips tables is simply skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import column as sa_column
from sqlalchemy import delete, func, inspect, select
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.conversations.models import ConversationState, ProcessedUpdate, SentMessage

if TYPE_CHECKING:
    from hotline.runtime import HotlineRuntime

log = logging.getLogger(__name__)

# Deleting by id in chunks keeps statements and locks small on a large table.
BATCH = 500
# How often the worker should call purge().
PURGE_INTERVAL_SECONDS = 6 * 3600


def _count_or_delete(session: Session, model: Any, where: Any, dry_run: bool) -> int:
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(model).where(where)) or 0)
    result = session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _closed_tip_ids(session: Session, cutoff: datetime, tables: set[str]) -> list[int]:
    """Ids of tips closed before the cutoff (closing time from the case, else the tip)."""
    from hotline.tips.models import Tip, TipStatus

    closed = Tip.status == TipStatus.CLOSED.value
    if "tip_cases" in tables:
        from hotline.casework.models import TipCase

        when = func.coalesce(TipCase.closed_at, Tip.updated_at)
        query = select(Tip.id).outerjoin(TipCase, TipCase.tip_id == Tip.id)
        return list(session.scalars(query.where(closed, when < cutoff)))
    return list(session.scalars(select(Tip.id).where(closed, Tip.updated_at < cutoff)))


def _delete_tips(session: Session, ids: Sequence[int], tables: set[str]) -> None:
    """Delete tips and every row that names them (CASCADE may be off, e.g. plain tip_id)."""
    from hotline.tips.models import Tip

    insp = inspect(session.connection())
    dependants = sorted(
        name
        for name in tables
        if name != "tips" and "tip_id" in {c["name"] for c in insp.get_columns(name)}
    )
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        for name in dependants:
            t = sa_table(name, sa_column("tip_id"))
            session.execute(delete(t).where(t.c.tip_id.in_(chunk)))
        session.execute(delete(Tip).where(Tip.id.in_(chunk)))


def _purge_deliveries(session: Session, cutoff: datetime, dry_run: bool) -> int:
    """Finished campaign deliveries created before the cutoff, deleted 10,000 ids at a time."""
    from hotline.campaigns.delivery import FINAL
    from hotline.campaigns.models import CampaignDelivery

    old = (CampaignDelivery.created_at < cutoff) & CampaignDelivery.status.in_(FINAL)
    if dry_run:
        return int(session.scalar(select(func.count()).where(old)) or 0)
    total = 0
    while True:
        # The created_at index finds the oldest rows; a campaign's millions go in short steps.
        ids = list(session.scalars(select(CampaignDelivery.id).where(old).limit(10_000)))
        if not ids:
            return total
        session.execute(
            delete(CampaignDelivery)
            .where(CampaignDelivery.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        total += len(ids)


def purge(
    session: Session, now: datetime, settings: Settings, dry_run: bool = False
) -> dict[str, int]:
    """Delete expired rows; returns how many per kind. The caller owns the transaction."""
    tables = set(inspect(session.connection()).get_table_names())
    counts: dict[str, int] = {}

    conv_cutoff = now - timedelta(days=settings.retention_conversation_days)
    counts["conversation_states"] = _count_or_delete(
        session, ConversationState, ConversationState.updated_at < conv_cutoff, dry_run
    )
    counts["processed_updates"] = _count_or_delete(
        session,
        ProcessedUpdate,
        ProcessedUpdate.created_at < now - timedelta(days=settings.retention_processed_update_days),
        dry_run,
    )

    # /xoa cannot delete messages older than 48 h: their ids are of no use after that.
    counts["sent_messages"] = _count_or_delete(
        session, SentMessage, SentMessage.sent_hour < now - timedelta(days=2), dry_run
    )

    # Console sessions past their lifetime can never be used again (hotline.console.auth).
    if "staff_sessions" in tables:
        from hotline.users.models import StaffSession

        counts["staff_sessions"] = _count_or_delete(
            session,
            StaffSession,
            StaffSession.created_at < now - timedelta(seconds=settings.session_max_age_seconds),
            dry_run,
        )

    if "campaign_deliveries" in tables:
        cutoff = now - timedelta(days=settings.retention_campaign_delivery_days)
        counts["campaign_deliveries"] = _purge_deliveries(session, cutoff, dry_run)

    counts["closed_tips"] = 0
    if "tips" in tables:
        try:
            from hotline.tips import models as tip_models
        except ImportError:  # pragma: no cover - only while the tips package is absent
            tip_models = None  # type: ignore[assignment]
        if tip_models is not None:
            cutoff = now - timedelta(days=settings.retention_closed_tip_days)
            ids = _closed_tip_ids(session, cutoff, tables)
            counts["closed_tips"] = len(ids)
            if ids and not dry_run:
                _delete_tips(session, ids, tables)
            # Photos of drafts never sent live no longer than the conversation that held them.
            if "tip_draft_photos" in tables:
                draft = tip_models.TipDraftPhoto
                counts["tip_draft_photos"] = _count_or_delete(
                    session, draft, draft.created_at < conv_cutoff, dry_run
                )
            if "tip_reply_handles" in tables:
                handle = tip_models.TipReplyHandle
                counts["tip_reply_handles"] = _count_or_delete(
                    session, handle, handle.expires_at < now, dry_run
                )
    summary = " ".join(f"{k}={v}" for k, v in counts.items())
    log.info(
        "retention purge%s: %s",
        " (dry run)" if dry_run else "",
        summary,
        extra={"job": "retention", "count": sum(counts.values())},
    )
    return counts


def run_scheduled(rt: HotlineRuntime) -> dict[str, int]:
    """The worker's job: one purge in its own transaction (call every PURGE_INTERVAL_SECONDS)."""
    from hotline.db.base import utcnow
    from hotline.db.session import unit_of_work

    with unit_of_work(rt.sessions) as session:
        return purge(session, utcnow(), rt.settings)

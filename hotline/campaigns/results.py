"""What a campaign achieved: sends by status and day, button clicks, quiz answers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, cast

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignClick,
    CampaignDelivery,
    DeliveryStatus,
)
from hotline.campaigns.validation import BUTTON_KINDS, TZ
from hotline.db.base import utcnow
from hotline.quiz.models import QuizResult


def record_click(session: Session, campaign_id: int, kind: str) -> None:
    """Count a campaign button press: campaign, local day and kind only."""
    if kind not in BUTTON_KINDS or session.get(Campaign, campaign_id) is None:
        return
    session.add(
        CampaignClick(campaign_id=campaign_id, day=utcnow().astimezone(TZ).date(), kind=kind)
    )


def results(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Sent / delivered / failed / blocked, clicks, quiz answers, and sends per day."""
    base = and_(CampaignDelivery.campaign_id == campaign.id, CampaignDelivery.is_test.is_(False))
    by_status = Counter(
        {
            str(s): int(n)
            for s, n in session.execute(
                select(CampaignDelivery.status, func.count())
                .where(base)
                .group_by(CampaignDelivery.status)
            )
        }
    )
    per_day: Counter[str] = Counter()
    # Grouped in SQL (a million sends must not come to Python one by one). Viet Nam keeps
    # UTC+7 all year, so the local day is the UTC time plus seven hours on both databases.
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone("Asia/Ho_Chi_Minh", CampaignDelivery.sent_at)
        day: Any = func.to_char(local, "DD/MM/YYYY")
    else:
        day = func.strftime("%d/%m/%Y", CampaignDelivery.sent_at, "+7 hours")
    daily = select(day, func.count()).where(base, CampaignDelivery.status == DeliveryStatus.sent)
    for label, n in session.execute(daily.group_by(day)).tuples():
        per_day[str(label)] += int(cast(int, n))
    clicks: Counter[str] = Counter()
    clicks_per_day: Counter[str] = Counter()
    for day, kind, n in session.execute(
        select(CampaignClick.day, CampaignClick.kind, func.count())
        .where(CampaignClick.campaign_id == campaign.id)
        .group_by(CampaignClick.day, CampaignClick.kind)
    ):
        clicks[kind] += int(n)
        clicks_per_day[day.strftime("%d/%m/%Y")] += int(n)
    answers, correct = cast(
        tuple[Any, Any],
        session.execute(
            select(
                func.count(QuizResult.id), func.sum(case((QuizResult.correct, 1), else_=0))
            ).where(QuizResult.campaign_id == str(campaign.id))
        ).one(),
    )
    days = sorted(
        set(per_day) | set(clicks_per_day), key=lambda d: datetime.strptime(d, "%d/%m/%Y")
    )
    return {
        "campaign_id": campaign.id,
        "status": campaign.status,
        "total": sum(by_status.values()),
        "sent": by_status[DeliveryStatus.sent],
        # Neither platform reports delivery to a bot: an accepted send is counted as delivered.
        "delivered": by_status[DeliveryStatus.sent],
        "failed": by_status[DeliveryStatus.failed] + by_status[DeliveryStatus.failed_unknown],
        "failed_unknown": by_status[DeliveryStatus.failed_unknown],
        "blocked": by_status[DeliveryStatus.blocked],
        "skipped": by_status[DeliveryStatus.skipped] + by_status[DeliveryStatus.skipped_quota],
        "pending": by_status[DeliveryStatus.pending]
        + by_status[DeliveryStatus.claimed]
        + by_status[DeliveryStatus.sending],
        "clicks": {"hoc": clicks["hoc"], "quiz": clicks["quiz"]},
        "quiz_answers": int(answers or 0),
        "quiz_correct": int(correct or 0),
        "by_day": [{"day": d, "sent": per_day[d], "clicks": clicks_per_day[d]} for d in days],
    }

"""A campaign's life: draft -> pending_approval -> scheduled (two-person rule) -> cancelled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignDelivery,
    CampaignStatus,
    DeliveryStatus,
    ScheduleKind,
)
from hotline.campaigns.scheduler import first_run
from hotline.campaigns.schemas import CampaignDraft
from hotline.campaigns.segments import require_audience
from hotline.campaigns.validation import CampaignError, NotAllowed
from hotline.db.base import utcnow


def create(session: Session, data: dict[str, Any], author: str) -> Campaign:
    """A new draft."""
    campaign = Campaign(
        author=author, status=CampaignStatus.draft, **CampaignDraft.parse(data).columns()
    )
    session.add(campaign)
    session.flush()
    return campaign


def get(session: Session, campaign_id: int) -> Campaign | None:
    """One campaign."""
    return session.get(Campaign, campaign_id)


def many(session: Session, ids: set[int]) -> list[Campaign]:
    """The campaigns with these ids."""
    return list(session.scalars(select(Campaign).where(Campaign.id.in_(ids)))) if ids else []


def list_all(session: Session) -> list[Campaign]:
    """Every campaign, newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def update_draft(session: Session, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Edit a draft (or a campaign sent back to draft); editing clears any approval."""
    if campaign.status not in (CampaignStatus.draft, CampaignStatus.pending_approval):
        raise CampaignError("only_drafts_edited")
    merged = {
        "title": campaign.title,
        "messages": campaign.messages,
        "buttons": campaign.buttons,
        "segment": campaign.segment,
        "schedule": campaign.schedule,
        "send_at": campaign.send_at,
        "yearly_day": campaign.yearly_day,
        "yearly_month": campaign.yearly_month,
        "yearly_hour": campaign.yearly_hour,
        **{k: v for k, v in data.items() if v is not None},
    }
    for key, value in CampaignDraft.parse(merged).columns().items():
        setattr(campaign, key, value)
    campaign.status = CampaignStatus.draft  # a changed text needs a fresh review
    session.flush()
    return campaign


def submit(session: Session, campaign: Campaign) -> Campaign:
    """draft -> pending_approval."""
    if campaign.status != CampaignStatus.draft:
        raise CampaignError("only_drafts_submitted")
    require_audience(session, campaign)
    campaign.status = CampaignStatus.pending_approval
    session.flush()
    return campaign


def approve(
    session: Session, campaign: Campaign, approver: str, now: datetime | None = None
) -> Campaign:
    """pending_approval -> scheduled, by someone other than the author (two-person rule)."""
    if campaign.author == approver:
        raise NotAllowed("author_cannot_approve")
    if campaign.status != CampaignStatus.pending_approval:
        raise CampaignError("not_pending")
    now = now or utcnow()
    if (
        campaign.schedule == ScheduleKind.at
        and campaign.send_at
        and campaign.send_at < now - timedelta(hours=1)
    ):
        raise CampaignError("send_time_passed")
    # Checked again here: subscribers may have left between submission and approval.
    require_audience(session, campaign)
    campaign.approver = approver
    campaign.approved_at = now
    campaign.status = CampaignStatus.scheduled
    campaign.next_run_at = first_run(campaign, now)
    session.flush()
    return campaign


def cancel(session: Session, campaign: Campaign) -> Campaign:
    """Stop a campaign; rows not yet handed to the platform are skipped."""
    if campaign.status in (CampaignStatus.sent, CampaignStatus.cancelled):
        raise CampaignError("already_finished")
    campaign.status = CampaignStatus.cancelled
    campaign.next_run_at = None
    session.execute(
        update(CampaignDelivery)
        .where(
            CampaignDelivery.campaign_id == campaign.id,
            CampaignDelivery.status.in_([DeliveryStatus.pending, DeliveryStatus.claimed]),
        )
        .values(status=DeliveryStatus.skipped, last_error="cancelled", claimed_by=None)
    )
    session.flush()
    return campaign

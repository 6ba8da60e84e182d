"""`/api/v1/campaigns`: draft, submit, approve (not by the author), cancel, test-send, results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from hotline.audit import service as audit
from hotline.campaigns import delivery, results, segments, validation, workflow
from hotline.campaigns.models import Campaign
from hotline.campaigns.schemas import Segment
from hotline.subscribers import service as subscribers
from hotline.users.models import Role, StaffUser
from hotline.web.deps import Refused, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
Communicator = Annotated[StaffUser, Depends(require_roles(Role.communicator, Role.supervisor))]


class CampaignIn(BaseModel):
    """A campaign's editable fields (send_at in Asia/Ho_Chi_Minh, "dd/mm/yyyy HH:MM")."""

    title: str | None = None
    messages: dict[str, str] | None = None
    buttons: list[dict[str, Any]] | None = None
    segment: dict[str, list[str]] | None = None
    schedule: str | None = Field(None, description="now | at | yearly")
    send_at: str | None = None
    yearly: str | None = Field(None, description='dd/mm, e.g. "30/7"')
    yearly_hour: int | None = None


class CampaignOut(BaseModel):
    """A campaign as the API shows it."""

    id: int
    title: str
    messages: dict[str, str]
    buttons: list[dict[str, Any]]
    segment: dict[str, list[str]]
    schedule: str
    send_at: datetime | None
    yearly_day: int | None
    yearly_month: int | None
    yearly_hour: int | None
    status: str
    next_run_at: datetime | None
    author: str
    approver: str | None
    audience: int | None = Field(
        None, description="Subscribers the segment reaches now (not filled in the list)"
    )


class SegmentIn(BaseModel):
    """A segment to count before a campaign is saved."""

    segment: dict[str, list[str]] = Field(default_factory=dict)


def _out(c: Campaign, session: SessionDep | None = None) -> CampaignOut:
    out = CampaignOut.model_validate(c, from_attributes=True)
    if session is not None:
        out.audience = segments.audience_count(session, c.segment)
    return out


def _load(session: SessionDep, campaign_id: int) -> Campaign:
    found = workflow.get(session, campaign_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return found


def _fail(exc: validation.CampaignError) -> Refused:
    code = (
        status.HTTP_403_FORBIDDEN
        if isinstance(exc, validation.NotAllowed)
        else status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    return Refused(code, exc)


def _data(body: CampaignIn) -> dict[str, Any]:
    data = body.model_dump(exclude_none=True)
    if "yearly_hour" in data and "yearly" not in data:
        data.pop("yearly_hour")
    return data


@router.get("")
def list_campaigns(session: SessionDep, user: Communicator) -> list[CampaignOut]:
    """Every campaign, newest first."""
    return [_out(c) for c in workflow.list_all(session)]


@router.post("/audience")
def count_audience(body: SegmentIn, session: SessionDep, user: Communicator) -> dict[str, int]:
    """How many subscribers a segment reaches now (a COUNT; no identities)."""
    try:
        segment = Segment.parse(body.segment).model_dump()
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    return {"audience": segments.audience_count(session, segment)}


@router.post("", status_code=status.HTTP_201_CREATED)
def create_campaign(body: CampaignIn, session: SessionDep, user: Communicator) -> CampaignOut:
    """A new draft authored by the caller."""
    try:
        c = workflow.create(session, _data(body), user.username)
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.created", user.username, f"campaign:{c.id}")
    return _out(c, session)


@router.get("/{campaign_id}")
def get_campaign(campaign_id: int, session: SessionDep, user: Communicator) -> CampaignOut:
    """One campaign."""
    return _out(_load(session, campaign_id), session)


@router.patch("/{campaign_id}")
def update_campaign(
    campaign_id: int, body: CampaignIn, session: SessionDep, user: Communicator
) -> CampaignOut:
    """Edit a draft (an edit sends it back to draft)."""
    c = _load(session, campaign_id)
    try:
        workflow.update_draft(session, c, _data(body))
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.updated", user.username, f"campaign:{c.id}")
    return _out(c, session)


@router.post("/{campaign_id}/submit")
def submit_campaign(campaign_id: int, session: SessionDep, user: Communicator) -> CampaignOut:
    """Ask for approval."""
    c = _load(session, campaign_id)
    try:
        workflow.submit(session, c)
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.submitted", user.username, f"campaign:{c.id}")
    return _out(c, session)


@router.post("/{campaign_id}/approve")
def approve_campaign(campaign_id: int, session: SessionDep, user: Communicator) -> CampaignOut:
    """Approve and schedule: 403 when the caller is the author (two-person rule)."""
    c = _load(session, campaign_id)
    try:
        workflow.approve(session, c, user.username)
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.approved", user.username, f"campaign:{c.id}")
    return _out(c, session)


@router.post("/{campaign_id}/cancel")
def cancel_campaign(campaign_id: int, session: SessionDep, user: Communicator) -> CampaignOut:
    """Cancel; rows not yet handed to a platform are skipped."""
    c = _load(session, campaign_id)
    try:
        workflow.cancel(session, c)
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.cancelled", user.username, f"campaign:{c.id}")
    return _out(c, session)


@router.post("/test-recipient/code")
def link_code(rt: RuntimeDep, session: SessionDep, user: Communicator) -> dict[str, Any]:
    """A one-time code: send `/dangky CODE` to the bot from your own chat within 15 minutes."""
    code = delivery.new_link_code(session, rt.pseudonyms, user.id)
    return {"code": code, "command": f"/dangky {code}", "minutes": delivery.TEST_CODE_MINUTES}


@router.post("/{campaign_id}/test-send", status_code=status.HTTP_202_ACCEPTED)
def send_test(
    campaign_id: int, session: SessionDep, user: Communicator, lang: str = "vi"
) -> dict[str, Any]:
    """Queue the message to the caller's own linked chat (the worker sends it first)."""
    c = _load(session, campaign_id)
    try:
        queued = delivery.queue_test(session, c, user.id, lang)
    except validation.CampaignError as exc:
        raise _fail(exc) from exc
    audit.record(session, "campaign.test_sent", user.username, f"campaign:{c.id}")
    return {"queued": True, "delivery_id": queued.id}


@router.get("/{campaign_id}/results")
def campaign_results(campaign_id: int, session: SessionDep, user: Communicator) -> dict[str, Any]:
    """Sent / delivered / failed / blocked, clicks, quiz answers, per day."""
    return results.results(session, _load(session, campaign_id))


subscribers_router = APIRouter(prefix="/api/v1/subscribers", tags=["campaigns"])


@subscribers_router.get("/stats")
def subscriber_stats(session: SessionDep, user: Communicator) -> dict[str, dict[str, int]]:
    """Subscriber counts by channel, language and province (no identities)."""
    return subscribers.stats(session)

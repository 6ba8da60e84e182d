"""The outbox: claiming due rows for a worker, recording outcomes, and staff test sends.

Exactly once: an outbox row is unique per (campaign, subscriber, occurrence), so expanding a
segment twice (two workers, a restart) inserts nothing new. A row moves
pending -> claimed (leased to one worker, never handed to the API yet) -> sending (committed
just before the API call) -> sent | failed | blocked | skipped. After a crash, an expired
``claimed`` row goes back to pending (it was never sent), while an expired ``sending`` row
becomes ``failed_unknown``: the platform may have received it, and no message is sent twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignDelivery,
    CampaignStatus,
    DeliveryStatus,
    TestRecipient,
)
from hotline.campaigns.validation import CHANNELS, TZ, CampaignError, payload_for
from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher, Pseudonymizer
from hotline.subscribers.models import Subscriber
from hotline.subscribers.service import LANGUAGES

MAX_ATTEMPTS = 5
TEST_CODE_MINUTES = 15
FINAL = (
    DeliveryStatus.sent,
    DeliveryStatus.failed,
    DeliveryStatus.failed_unknown,
    DeliveryStatus.blocked,
    DeliveryStatus.skipped,
    DeliveryStatus.skipped_quota,
)


def recover(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Expired leases: claimed -> pending (never sent); sending -> failed_unknown (maybe sent)."""
    now = now or utcnow()
    back = session.execute(
        update(CampaignDelivery)
        .where(
            CampaignDelivery.status == DeliveryStatus.claimed, CampaignDelivery.claimed_until < now
        )
        .values(status=DeliveryStatus.pending, claimed_by=None, claimed_until=None)
    )
    unknown = session.execute(
        update(CampaignDelivery)
        .where(
            CampaignDelivery.status == DeliveryStatus.sending, CampaignDelivery.claimed_until < now
        )
        .values(status=DeliveryStatus.failed_unknown, last_error="crash_in_flight")
    )
    return int(getattr(back, "rowcount", 0) or 0), int(getattr(unknown, "rowcount", 0) or 0)


@dataclass
class Claimed:
    """One outbox row marked ``sending`` for this worker, with what the sender needs."""

    id: int
    campaign_id: int
    subscriber_id: int
    channel: str
    lang: str
    attempts: int  # including this one
    address_enc: bytes  # still encrypted
    is_test: bool
    key: str | None  # the subscriber's pseudonym (None for test sends)


def claim(
    session: Session,
    worker: str,
    limit: int,
    lease_seconds: float,
    now: datetime | None = None,
    *,
    channels: tuple[str, ...] | set[str] = CHANNELS,
    zalo_daily_cap: int | None = None,
) -> tuple[list[Claimed], int]:
    """Mark up to ``limit`` due rows ``sending`` for ``worker`` in this one transaction.

    Returns the rows to send and how many were settled without sending.

    The caller commits before any API call: from then on a crash leaves at most these rows
    ``failed_unknown`` (never resent). Rows that will not be sent at all (channel off, campaign
    cancelled, subscriber gone, Zalo's daily cap reached) get their final status here too.
    """
    now = now or utcnow()
    token = f"{worker}:{secrets.token_hex(4)}"
    postgres = session.get_bind().dialect.name == "postgresql"
    zalo_before = sent_today(session, "zalo", now) if zalo_daily_cap is not None else 0
    taken = 0
    # Test sends first (their own tiny partial index), then the campaigns in id order.
    for only_tests in (True, False):
        due = (
            select(CampaignDelivery.id)
            .where(
                CampaignDelivery.status == DeliveryStatus.pending,
                CampaignDelivery.next_attempt_at <= now,
            )
            .order_by(CampaignDelivery.id)
            .limit(limit - taken)
        )
        if only_tests:
            due = due.where(CampaignDelivery.is_test)
        if postgres:
            # SKIP LOCKED: two workers claiming at once get disjoint rows without waiting.
            ids = list(session.scalars(due.with_for_update(skip_locked=True)))
            condition: Any = CampaignDelivery.id.in_(ids)
        else:
            # SQLite has one writer at a time: the UPDATE ... WHERE status='pending' is the lock.
            condition = CampaignDelivery.id.in_(due.scalar_subquery())
        result = session.execute(
            update(CampaignDelivery)
            .where(condition, CampaignDelivery.status == DeliveryStatus.pending)
            .values(
                status=DeliveryStatus.sending,
                attempts=CampaignDelivery.attempts + 1,
                claimed_by=token,
                claimed_until=now + timedelta(seconds=lease_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        taken += int(getattr(result, "rowcount", 0) or 0)
        if taken >= limit:
            break
    if not taken:
        return [], 0
    rows = session.execute(
        select(
            CampaignDelivery.id,
            CampaignDelivery.campaign_id,
            CampaignDelivery.subscriber_id,
            CampaignDelivery.channel,
            CampaignDelivery.lang,
            CampaignDelivery.attempts,
            CampaignDelivery.address_enc,
            CampaignDelivery.is_test,
            Subscriber.address_enc,
            Subscriber.key,
            Campaign.status,
        )
        .join(Campaign, Campaign.id == CampaignDelivery.campaign_id)
        .outerjoin(Subscriber, Subscriber.id == CampaignDelivery.subscriber_id)
        .where(
            CampaignDelivery.claimed_by == token, CampaignDelivery.status == DeliveryStatus.sending
        )
        .order_by(CampaignDelivery.id)
    ).all()
    out: list[Claimed] = []
    skipped: list[Outcome] = []
    zalo = zalo_before
    for r in rows:
        values: list[Any] = list(r)
        did, cid, sid, channel, lang, attempts, test_enc, is_test, sub_enc, key, cstatus = values
        address = test_enc if is_test else sub_enc
        if channel not in channels:
            skipped.append(Outcome(did, DeliveryStatus.skipped, "channel_off"))
        elif cstatus == CampaignStatus.cancelled and not is_test:
            skipped.append(Outcome(did, DeliveryStatus.skipped, "cancelled"))
        elif address is None:
            skipped.append(Outcome(did, DeliveryStatus.skipped, "unsubscribed"))
        elif channel == "zalo" and not is_test and zalo_daily_cap is not None:
            if zalo >= zalo_daily_cap:
                skipped.append(Outcome(did, DeliveryStatus.skipped_quota, "zalo_daily_cap"))
                continue
            zalo += 1
            out.append(Claimed(did, cid, sid, channel, lang, attempts, address, is_test, key))
        else:
            key = None if is_test else key
            out.append(Claimed(did, cid, sid, channel, lang, attempts, address, is_test, key))
    record(session, skipped, now)
    return out, len(skipped)


@dataclass
class Outcome:
    """What became of one ``sending`` row; ``retry_in`` puts it back to pending for later."""

    id: int
    status: DeliveryStatus
    error: str | None = None
    message_ids: list[Any] | None = None
    retry_in: float | None = None


def record(session: Session, outcomes: Sequence[Outcome], now: datetime | None = None) -> None:
    """Record a batch of outcomes in one executemany (the worker's lease on them ends)."""
    if not outcomes:
        return
    now = now or utcnow()
    params = []
    for o in outcomes:
        sent = o.status == DeliveryStatus.sent and o.retry_in is None
        params.append(
            {
                "id": o.id,
                "status": DeliveryStatus.pending if o.retry_in is not None else o.status,
                "last_error": None if sent else o.error,
                "claimed_by": None,
                "claimed_until": None,
                "sent_at": now if sent else None,
                "message_ids": (o.message_ids or []) if sent else [],
                "next_attempt_at": now + timedelta(seconds=o.retry_in or 0.0),
            }
        )
    # ORM bulk UPDATE by primary key: one statement, many parameter sets.
    session.execute(update(CampaignDelivery), params)


def sent_today(session: Session, channel: str, now: datetime | None = None) -> int:
    """Broadcast messages sent on a channel since local midnight (Asia/Ho_Chi_Minh)."""
    local = (now or utcnow()).astimezone(TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    # Two counts, each over its own partial index: today's sent rows, and the ones in flight.
    sent = session.scalar(
        select(func.count()).where(
            CampaignDelivery.status == DeliveryStatus.sent,
            CampaignDelivery.channel == channel,
            CampaignDelivery.sent_at >= midnight,
        )
    )
    sending = session.scalar(
        select(func.count()).where(
            CampaignDelivery.status == DeliveryStatus.sending, CampaignDelivery.channel == channel
        )
    )
    return int(sent or 0) + int(sending or 0)


def content_of(campaign: Campaign, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """The text and (title, payload) buttons in a language (falling back to Vietnamese)."""
    text = campaign.messages.get(lang) or campaign.messages["vi"]
    buttons = [
        (b["title"].get(lang) or b["title"]["vi"], payload_for(b, campaign.id))
        for b in campaign.buttons
    ]
    return text, buttons


def has_open_rows(session: Session) -> bool:
    """Whether any outbox row waits (pending or claimed), due or not."""
    return (
        session.scalar(
            select(CampaignDelivery.id)
            .where(CampaignDelivery.status.in_([DeliveryStatus.pending, DeliveryStatus.claimed]))
            .limit(1)
        )
        is not None
    )


def new_link_code(session: Session, pseudonyms: Pseudonymizer, user_id: int) -> str:
    """A one-time code (15 minutes) the staff user sends to the bot as `/dangky CODE`."""
    code = "NV-" + secrets.token_hex(4).upper()
    row = session.scalar(select(TestRecipient).where(TestRecipient.user_id == user_id))
    if row is None:
        row = TestRecipient(user_id=user_id)
        session.add(row)
    row.code_tag = pseudonyms.derive("campaign-test-code", code)
    row.code_expires_at = utcnow() + timedelta(minutes=TEST_CODE_MINUTES)
    session.flush()
    return code


def is_link_code(text: str) -> bool:
    """Whether a /dangky argument looks like a staff link code."""
    text = text.strip().upper()
    return text.startswith("NV-") and len(text) == 11


def link_test_recipient(
    session: Session,
    pseudonyms: Pseudonymizer,
    cipher: Cipher,
    code: str,
    channel: str,
    address: str,
) -> bool:
    """Bind the chat that sent a valid, unexpired code to its staff user (code used up)."""
    tag = pseudonyms.derive("campaign-test-code", code.strip().upper())
    row = session.scalar(select(TestRecipient).where(TestRecipient.code_tag == tag))
    if row is None or row.code_expires_at is None or row.code_expires_at < utcnow():
        return False
    row.code_tag = None
    row.code_expires_at = None
    row.channel = channel
    row.address_enc = cipher.encrypt_text(address)
    row.linked_at = utcnow()
    session.flush()
    return True


def test_recipient(session: Session, user_id: int) -> TestRecipient | None:
    """A staff user's linked chat, if any."""
    row = session.scalar(select(TestRecipient).where(TestRecipient.user_id == user_id))
    return row if row is not None and row.address_enc is not None else None


def queue_test(
    session: Session, campaign: Campaign, user_id: int, lang: str = "vi"
) -> CampaignDelivery:
    """Queue one test message to the staff user's own chat (not counted in results)."""
    row = test_recipient(session, user_id)
    if row is None or row.channel is None:
        raise CampaignError("no_test_chat")
    delivery = CampaignDelivery(
        campaign_id=campaign.id,
        subscriber_id=-user_id,
        occurrence=f"test-{secrets.token_hex(6)}",
        channel=row.channel,
        lang=lang if lang in LANGUAGES else "vi",
        is_test=True,
        address_enc=row.address_enc,
        status=DeliveryStatus.pending,
        next_attempt_at=utcnow(),
        message_ids=[],
    )
    session.add(delivery)
    session.flush()
    return delivery

"""Campaign workflow, scheduling, segment expansion, outbox claiming and results.

Exactly once: an outbox row is unique per (campaign, subscriber, occurrence), so expanding a
segment twice (two workers, a restart) inserts nothing new. A row moves
pending -> claimed (leased to one worker, never handed to the API yet) -> sending (committed
just before the API call) -> sent | failed | blocked | skipped. After a crash, an expired
``claimed`` row goes back to pending (it was never sent), while an expired ``sending`` row
becomes ``failed_unknown``: the platform may have received it, and no message is sent twice.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, and_, case, func, literal, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.campaigns.models import (
    Campaign,
    CampaignClick,
    CampaignDelivery,
    CampaignStatus,
    DeliveryStatus,
    ScheduleKind,
    TestRecipient,
)
from hotline.db.base import UTCDateTime, utcnow
from hotline.kit.crypto import Cipher, Pseudonymizer
from hotline.quiz.models import QuizResult
from hotline.subscribers.models import Subscriber
from hotline.subscribers.service import AGE_BANDS, LANGUAGES

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS = ("telegram", "zalo", "zalo_oa")
SEGMENT_KEYS = ("channels", "provinces", "topics", "languages", "age_bands")
BUTTON_KINDS = ("hoc", "quiz")
MAX_MESSAGE = 3500
# Telegram callback_data is 64 bytes: a campaign button's payload must fit without hashing.
MAX_PAYLOAD_BYTES = 64
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


class CampaignError(ValueError):
    """A campaign request that cannot be honoured (message meant for the user)."""


class EmptyAudience(CampaignError):
    """The campaign's segment reaches no subscriber: nothing to submit or approve."""


class NotAllowed(CampaignError):
    """The user may not do this (e.g. approve their own campaign)."""


# ---------------------------------------------------------------------- validation


def payload_for(button: dict[str, Any], campaign_id: int) -> str:
    """The chat command a campaign button sends, with the campaign marker for attribution."""
    return f"/{button['kind']} {button['target']} c:{campaign_id}"


def clean_segment(raw_segment: dict[str, Any]) -> dict[str, list[str]]:
    """Validate a segment: known keys, sorted unique values (raises CampaignError)."""
    segment: dict[str, list[str]] = {}
    for key in SEGMENT_KEYS:
        values = sorted({str(v).strip() for v in raw_segment.get(key) or [] if str(v).strip()})
        allowed = {"channels": CHANNELS, "languages": LANGUAGES, "age_bands": AGE_BANDS}.get(key)
        if allowed is not None and any(v not in allowed for v in values):
            raise CampaignError(f"Giá trị không hợp lệ / invalid value in segment.{key}")
        segment[key] = values
    return segment


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise campaign fields (raises CampaignError)."""
    out: dict[str, Any] = {}
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        raise CampaignError("Cần tiêu đề (tối đa 200 ký tự) / title required (max 200)")
    out["title"] = title
    messages = {
        str(k): str(v).strip()
        for k, v in (data.get("messages") or {}).items()
        if v and str(v).strip()
    }
    if not messages.get("vi"):
        raise CampaignError("Cần nội dung tiếng Việt / the Vietnamese message is required")
    for lang, text in messages.items():
        if lang not in LANGUAGES:
            raise CampaignError(f"Ngôn ngữ không hỗ trợ / unsupported language: {lang}")
        if len(text) > MAX_MESSAGE:
            raise CampaignError(f"Nội dung quá dài / message too long (max {MAX_MESSAGE})")
    out["messages"] = messages
    buttons = []
    for b in data.get("buttons") or []:
        kind, target = str(b.get("kind", "")), str(b.get("target", "")).strip()
        titles = {str(k): str(v).strip() for k, v in (b.get("title") or {}).items() if v}
        if kind not in BUTTON_KINDS or not target or " " in target or not titles.get("vi"):
            raise CampaignError("Nút không hợp lệ / invalid button (kind hoc|quiz, target, title)")
        if len(payload_for({"kind": kind, "target": target}, 10**9).encode()) > MAX_PAYLOAD_BYTES:
            raise CampaignError("Mã nội dung quá dài / button target too long")
        buttons.append({"kind": kind, "target": target, "title": titles})
    if len(buttons) > 3:
        raise CampaignError("Tối đa 3 nút / at most 3 buttons")
    out["buttons"] = buttons
    out["segment"] = clean_segment(data.get("segment") or {})
    kind = str(data.get("schedule") or ScheduleKind.now)
    if kind not in ScheduleKind.__members__:
        raise CampaignError("Lịch không hợp lệ / schedule must be now|at|yearly")
    out["schedule"] = kind
    out["send_at"] = out["yearly_day"] = out["yearly_month"] = out["yearly_hour"] = None
    if kind == ScheduleKind.at:
        out["send_at"] = parse_local(data.get("send_at"))
    elif kind == ScheduleKind.yearly:
        day, month, hour = data.get("yearly_day"), data.get("yearly_month"), data.get("yearly_hour")
        if isinstance(data.get("yearly"), str):  # "30/7"
            try:
                d, m = data["yearly"].split("/")
                day, month = int(d), int(m)
            except ValueError as exc:
                raise CampaignError("Ngày hằng năm dạng dd/mm / yearly date as dd/mm") from exc
        try:
            day, month, hour = int(str(day)), int(str(month)), int(str(8 if hour is None else hour))
            date(2024, month, day)  # a leap year accepts 29/2
        except (TypeError, ValueError) as exc:
            raise CampaignError("Ngày hằng năm không hợp lệ / invalid yearly date") from exc
        if not 0 <= hour <= 23:
            raise CampaignError("Giờ gửi 0–23 / delivery hour 0–23")
        out.update(yearly_day=day, yearly_month=month, yearly_hour=hour)
    return out


def parse_local(value: Any) -> datetime:
    """A date-time in Asia/Ho_Chi_Minh ("dd/mm/yyyy HH:MM" or ISO) as aware UTC."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        parsed_or_none = None
        for fmt in ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
            try:
                parsed_or_none = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed_or_none is None:
            try:
                parsed_or_none = datetime.fromisoformat(text)
            except ValueError as exc:
                raise CampaignError(
                    "Thời điểm dạng dd/mm/yyyy HH:MM / time as dd/mm/yyyy HH:MM"
                ) from exc
        parsed = parsed_or_none
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TZ)
    return parsed.astimezone(UTC)


def local_text(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh (empty for None)."""
    return moment.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if moment else ""


# ---------------------------------------------------------------------- schedule


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
    raise CampaignError("no next occurrence")  # pragma: no cover - 29/2 recurs within 8 years


def _yearly(c: Campaign) -> tuple[int, int, int]:
    if c.yearly_day is None or c.yearly_month is None or c.yearly_hour is None:
        raise CampaignError("yearly campaign without a date")
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


# ---------------------------------------------------------------------- workflow


def create(session: Session, data: dict[str, Any], author: str) -> Campaign:
    """A new draft."""
    campaign = Campaign(author=author, status=CampaignStatus.draft, **clean(data))
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
        raise CampaignError("Chỉ sửa được bản nháp / only drafts can be edited")
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
    for key, value in clean(merged).items():
        setattr(campaign, key, value)
    campaign.status = CampaignStatus.draft  # a changed text needs a fresh review
    session.flush()
    return campaign


def submit(session: Session, campaign: Campaign) -> Campaign:
    """draft -> pending_approval."""
    if campaign.status != CampaignStatus.draft:
        raise CampaignError("Chỉ gửi duyệt được bản nháp / only drafts can be submitted")
    _require_audience(session, campaign)
    campaign.status = CampaignStatus.pending_approval
    session.flush()
    return campaign


def approve(
    session: Session, campaign: Campaign, approver: str, now: datetime | None = None
) -> Campaign:
    """pending_approval -> scheduled, by someone other than the author (two-person rule)."""
    if campaign.author == approver:
        raise NotAllowed("Người soạn không được tự duyệt / the author cannot approve")
    if campaign.status != CampaignStatus.pending_approval:
        raise CampaignError("Chiến dịch chưa chờ duyệt / not pending approval")
    now = now or utcnow()
    if (
        campaign.schedule == ScheduleKind.at
        and campaign.send_at
        and campaign.send_at < now - timedelta(hours=1)
    ):
        raise CampaignError("Thời điểm gửi đã qua / the send time has passed")
    # Checked again here: subscribers may have left between submission and approval.
    _require_audience(session, campaign)
    campaign.approver = approver
    campaign.approved_at = now
    campaign.status = CampaignStatus.scheduled
    campaign.next_run_at = first_run(campaign, now)
    session.flush()
    return campaign


def cancel(session: Session, campaign: Campaign) -> Campaign:
    """Stop a campaign; rows not yet handed to the platform are skipped."""
    if campaign.status in (CampaignStatus.sent, CampaignStatus.cancelled):
        raise CampaignError("Chiến dịch đã kết thúc / campaign already finished")
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


# ---------------------------------------------------------------------- segments


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


def _require_audience(session: Session, campaign: Campaign) -> None:
    """Refuse a step for a campaign that would reach nobody."""
    if audience_count(session, campaign.segment) == 0:
        raise EmptyAudience(
            "Nhóm người nhận hiện có 0 người đăng ký: hãy nới bộ lọc (kênh, tỉnh, chủ đề, "
            "ngôn ngữ, độ tuổi) trước khi gửi duyệt / the segment reaches 0 subscribers"
        )


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


# ---------------------------------------------------------------------- outbox


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


# ---------------------------------------------------------------------- test sends


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
        raise CampaignError(
            "Chưa liên kết tài khoản nhận thử / no test chat linked: send the code to the bot"
        )
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


# ---------------------------------------------------------------------- clicks & results


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

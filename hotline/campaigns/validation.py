"""What a campaign may say and to whom: fields checked and normalised, local times parsed.

Every other campaign module raises the errors defined here; their messages are shown to
the staff user as they are (Vietnamese / English).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.campaigns.models import (
    ScheduleKind,
)
from hotline.subscribers.service import AGE_BANDS, LANGUAGES

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS = ("telegram", "zalo", "zalo_oa")
SEGMENT_KEYS = ("channels", "provinces", "topics", "languages", "age_bands")
BUTTON_KINDS = ("hoc", "quiz")
MAX_MESSAGE = 3500
# Telegram callback_data is 64 bytes: a campaign button's payload must fit without hashing.
MAX_PAYLOAD_BYTES = 64


class CampaignError(ValueError):
    """A campaign request that cannot be honoured (message meant for the user)."""


class EmptyAudience(CampaignError):
    """The campaign's segment reaches no subscriber: nothing to submit or approve."""


class NotAllowed(CampaignError):
    """The user may not do this (e.g. approve their own campaign)."""


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

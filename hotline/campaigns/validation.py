"""A campaign's limits and errors, and local times parsed (the field rules are in schemas).

Every other campaign module raises the errors defined here, with a code the console and the
API word in the user's language (content/strings/<lang>/errors.yml, errors.campaign.*).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.kit.errors import CodedError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS = ("telegram", "zalo", "zalo_oa")
SEGMENT_KEYS = ("channels", "provinces", "topics", "languages", "age_bands")
BUTTON_KINDS = ("hoc", "quiz")
MAX_MESSAGE = 3500
# Telegram callback_data is 64 bytes: a campaign button's payload must fit without hashing.
MAX_PAYLOAD_BYTES = 64


class CampaignError(CodedError):
    """A campaign request that cannot be honoured (code in errors.campaign)."""

    domain = "campaign"


class EmptyAudience(CampaignError):
    """The campaign's segment reaches no subscriber: nothing to submit or approve."""


class NotAllowed(CampaignError):
    """The user may not do this (e.g. approve their own campaign)."""


def payload_for(button: dict[str, Any], campaign_id: int) -> str:
    """The chat command a campaign button sends, with the campaign marker for attribution."""
    return f"/{button['kind']} {button['target']} c:{campaign_id}"


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
                raise CampaignError("time_format") from exc
        parsed = parsed_or_none
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TZ)
    return parsed.astimezone(UTC)


def local_text(moment: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh (empty for None)."""
    return moment.astimezone(TZ).strftime("%d/%m/%Y %H:%M") if moment else ""

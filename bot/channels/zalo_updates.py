"""Zalo Bot Platform updates (webhook bodies and getUpdates results) parsed defensively.

Everything here reads untrusted input: ids, text and URLs are cleaned and capped, envelopes
are unwrapped a bounded number of times, and garbage gives None (or is skipped), never an
exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.channels.text import clean_text

__all__ = [
    "EVENT_IMAGE",
    "EVENT_STICKER",
    "EVENT_TEXT",
    "MAX_BATCH",
    "MAX_UPDATE_TEXT_LENGTH",
    "ZaloUpdate",
    "parse_update",
    "parse_updates",
]

MAX_UPDATE_TEXT_LENGTH = 4096  # incoming text is truncated to this
MAX_BATCH = 100  # updates read from one payload
_MAX_ID_LENGTH = 128
_MAX_EVENT_LENGTH = 100
_MAX_RAW_JSON = 1_000_000  # bytes/chars of a raw body parse_update will try to decode
_MAX_UNWRAP = 4  # nested "result" / JSON-string levels

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"


@dataclass(frozen=True, slots=True)
class ZaloUpdate:
    """One incoming Zalo Bot Platform event, normalised."""

    event_name: str
    message_id: str | None
    chat_id: str | None
    chat_type: str | None
    user_id: str | None
    text: str | None
    photo_url: str | None
    date: datetime | None


def _as_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        cleaned = clean_text(value, _MAX_ID_LENGTH).strip()
        return cleaned or None
    return None


def _as_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value, MAX_UPDATE_TEXT_LENGTH)


def _as_date(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or value != value:  # NaN
        return None
    seconds = float(value)
    if seconds > 1e11:  # milliseconds (Zalo) — 1e11 s would be year 5138
        seconds /= 1000.0
    if not 946_684_800 <= seconds <= 4_102_444_800:  # 2000-01-01 .. 2100-01-01
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def _as_url(value: Any) -> str | None:
    if isinstance(value, str):
        url = clean_text(value, 2048).strip()
        return url if url.startswith(("http://", "https://")) else None
    if isinstance(value, dict):
        for key in ("url", "photo_url", "href", "src"):
            found = _as_url(value.get(key))
            if found:
                return found
    if isinstance(value, list):
        for item in reversed(value[:20]):  # Telegram-like size lists: largest last
            found = _as_url(item)
            if found:
                return found
    return None


def _unwrap(data: Any) -> Any:
    """Strip raw-JSON and ``{"ok": ..., "result": ...}`` envelopes (bounded)."""
    for _ in range(_MAX_UNWRAP):
        if isinstance(data, bytes | bytearray):
            if len(data) > _MAX_RAW_JSON:
                return None
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        if isinstance(data, str):
            if len(data) > _MAX_RAW_JSON:
                return None
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                return None
            continue
        if isinstance(data, dict) and "result" in data and not _looks_like_update(data):
            if data.get("ok") is False:
                return None
            data = data["result"]
            continue
        return data
    return None


def _looks_like_update(data: dict[Any, Any]) -> bool:
    return "event_name" in data or "message" in data


def _infer_event(message: dict[Any, Any]) -> str | None:
    if isinstance(message.get("text"), str):
        return EVENT_TEXT
    if message.get("photo") or message.get("photo_url"):
        return EVENT_IMAGE
    if message.get("sticker"):
        return EVENT_STICKER
    return None


def _parse_one(data: Any) -> ZaloUpdate | None:
    if not isinstance(data, dict):
        return None
    raw_event = data.get("event_name")
    raw_message = data.get("message")
    message: dict[Any, Any] = raw_message if isinstance(raw_message, dict) else {}
    if raw_event is None:
        if not message:
            return None
        event = _infer_event(message)
        if event is None:
            return None
    elif isinstance(raw_event, str):
        event = clean_text(raw_event, _MAX_EVENT_LENGTH).strip()
        if not event:
            return None
    else:
        return None

    chat = message.get("chat")
    chat = chat if isinstance(chat, dict) else {}
    sender = message.get("from")
    sender = sender if isinstance(sender, dict) else {}
    user_id = _as_id(sender.get("id"))
    chat_id = _as_id(chat.get("id"))
    chat_type = _as_id(chat.get("chat_type") or chat.get("type"))
    if chat_id is None and chat_type in (None, "PRIVATE"):
        chat_id = user_id  # in a private chat the chat is the user

    text: str | None = None
    photo_url: str | None = None
    if event == EVENT_TEXT:
        text = _as_text(message.get("text"))
    elif event == EVENT_IMAGE:
        photo_url = _as_url(message.get("photo")) or _as_url(message.get("photo_url"))
        text = _as_text(message.get("caption"))
    return ZaloUpdate(
        event_name=event,
        message_id=_as_id(message.get("message_id")),
        chat_id=chat_id,
        chat_type=chat_type,
        user_id=user_id,
        text=text,
        photo_url=photo_url,
        date=_as_date(message.get("date", data.get("date"))),
    )


def parse_update(data: Any) -> ZaloUpdate | None:
    """Parse one webhook/getUpdates payload into a ZaloUpdate; None for garbage, never raises."""
    try:
        data = _unwrap(data)
        if isinstance(data, list):
            for item in data[:MAX_BATCH]:
                parsed = _parse_one(item)
                if parsed is not None:
                    return parsed
            return None
        return _parse_one(data)
    except Exception:  # a parser of untrusted input must never take the caller down
        return None


def parse_updates(data: Any) -> list[ZaloUpdate]:
    """Parse a payload holding one update or a list of them; skips garbage, never raises."""
    try:
        data = _unwrap(data)
        items: Iterable[Any] = data[:MAX_BATCH] if isinstance(data, list) else [data]
        out = []
        for item in items:
            parsed = _parse_one(item)
            if parsed is not None:
                out.append(parsed)
        return out
    except Exception:
        return []

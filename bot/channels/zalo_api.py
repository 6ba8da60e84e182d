"""Zalo Bot Platform client (``{root}/bot{token}/{method}``) on httpx, plus a defensive parser."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_TEXT_LENGTH",
    "MAX_UPDATE_TEXT_LENGTH",
    "ZaloApiError",
    "ZaloBotApi",
    "ZaloForbidden",
    "ZaloNetworkError",
    "ZaloRetryAfter",
    "ZaloUpdate",
    "clean_text",
    "parse_update",
    "parse_updates",
    "split_text",
]

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT_LENGTH = 2000  # sendMessage text / sendPhoto caption limit
MAX_UPDATE_TEXT_LENGTH = 4096  # incoming text is truncated to this
_MAX_ID_LENGTH = 128
_MAX_EVENT_LENGTH = 100
_MAX_RAW_JSON = 1_000_000  # bytes/chars of a raw body parse_update will try to decode
_MAX_UNWRAP = 4  # nested "result" / JSON-string levels
_MAX_BATCH = 100

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"

# Bidi controls, zero-width no-break/BOM, and other invisible format chars worth removing.
_BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2060\ufeff\ufff9\ufffa\ufffb"
)
_KEEP_CONTROLS = frozenset("\n\t")


class ZaloApiError(Exception):
    """An error answered by the Zalo Bot API (or a failed request)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class ZaloForbidden(ZaloApiError):
    """403: the user blocked the bot or the bot may not write to this chat."""

    def __init__(self, description: str = "Forbidden") -> None:
        super().__init__(403, description)


class ZaloRetryAfter(ZaloApiError):
    """429: flood control; retry after ``seconds``."""

    def __init__(self, seconds: float, description: str = "Too Many Requests") -> None:
        super().__init__(429, description)
        self.seconds = seconds


class ZaloNetworkError(ZaloApiError):
    """The request did not get a usable HTTP answer (status 0)."""

    def __init__(self, description: str) -> None:
        super().__init__(0, description)


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


# ---------------------------------------------------------------------- text helpers


def clean_text(value: str, limit: int = MAX_UPDATE_TEXT_LENGTH) -> str:
    """NFC-normalise, drop control/bidi/surrogate characters, truncate to ``limit``."""
    head = value[: limit * 4 + 16]
    out = [
        ch
        for ch in head
        if ch in _KEEP_CONTROLS
        or (ch not in _BIDI_AND_INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs"))
    ]
    text = unicodedata.normalize("NFC", "".join(out))
    return _safe_cut(text, limit)


def _safe_cut(text: str, limit: int) -> str:
    """Cut to at most ``limit`` chars without leaving a dangling combining mark or ZWJ."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and _is_joiner(text[cut]):
        cut -= 1
    if cut == 0:
        cut = limit
    return text[:cut].rstrip("\u200d")


def _is_joiner(ch: str) -> bool:
    """Whether ``ch`` must stay attached to the character before it."""
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin tone modifiers
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences
    )


_SENTENCE_END = re.compile(r"[.!?…;:。！？][\"'”’»)\]]*\s+")
_CLAUSE_END = re.compile(r"[,،、]\s+")
_SEPARATORS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n\s*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    _SENTENCE_END,  # sentence
    _CLAUSE_END,  # clause
    re.compile(r"\s+"),  # word
)


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Split ``text`` into NFC parts of at most ``limit`` chars at the nicest boundaries."""
    if limit < 1:
        raise ValueError("limit must be positive")
    rest = unicodedata.normalize("NFC", text).strip()
    parts: list[str] = []
    while rest:
        if len(rest) <= limit:
            parts.append(rest)
            break
        cut, resume = _best_cut(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            parts.append(piece)
        rest = rest[resume:].lstrip()
    return parts


def _best_cut(text: str, limit: int) -> tuple[int, int]:
    """Return (end of this part, start of the next) for text longer than ``limit``."""
    window = text[: limit + 1]  # a separator starting exactly at ``limit`` is fine
    floor = limit // 2
    for level, pattern in enumerate(_SEPARATORS):
        keeps_mark = pattern in (_SENTENCE_END, _CLAUSE_END)
        best: tuple[int, int] | None = None
        for match in pattern.finditer(window):
            end = match.start() + len(match.group(0).rstrip()) if keeps_mark else match.start()
            if 0 < end <= limit:
                best = (end, match.end())
        # Paragraph / line / sentence / clause cuts must not leave a tiny part.
        if best is None or (level < len(_SEPARATORS) - 1 and best[0] < floor):
            continue
        return best
    # No usable whitespace: hard cut, never between a base and its combining marks.
    cut = limit
    while cut > 1 and _is_joiner(text[cut]):
        cut -= 1
    if cut <= 1:  # one cluster longer than the limit: it has to be cut somewhere
        cut = limit
    return cut, cut


# ---------------------------------------------------------------------- update parsing


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
            for item in data[:_MAX_BATCH]:
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
        items: Iterable[Any] = data[:_MAX_BATCH] if isinstance(data, list) else [data]
        out = []
        for item in items:
            parsed = _parse_one(item)
            if parsed is not None:
                out.append(parsed)
        return out
    except Exception:
        return []


# ---------------------------------------------------------------------- the client


class ZaloBotApi:
    """Async client for the Zalo Bot Platform API."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10,
        *,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not token:
            raise ValueError("token is required")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"ZaloBotApi(base_url={self.base_url!r})"  # never show the token

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying HTTP client (if this object created it)."""
        if self._own_client:
            await self._client.aclose()

    def _url(self, method: str) -> str:
        return f"{self.base_url}/bot{self._token}/{method}"

    async def call(
        self,
        method: str,
        payload: dict[str, Any] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        http_timeout: float | None = None,
    ) -> Any:
        """POST one API method and return its ``result`` (raises ZaloApiError subclasses)."""
        body = {k: v for k, v in (payload or {}).items() if v is not None}
        request_timeout = self.timeout if http_timeout is None else http_timeout
        try:
            if files:
                data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
                response = await self._client.post(
                    self._url(method), data=data, files=files, timeout=request_timeout
                )
            else:
                response = await self._client.post(
                    self._url(method), json=body, timeout=request_timeout
                )
        except httpx.TimeoutException as exc:
            raise ZaloNetworkError(f"{method}: timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            # str(exc) may contain the URL, i.e. the token: keep only the class name.
            raise ZaloNetworkError(f"{method}: {type(exc).__name__}") from None
        return self._result(method, response)

    @staticmethod
    def _result(method: str, response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            if 200 <= response.status_code < 300:
                raise ZaloApiError(response.status_code, f"{method}: response is not JSON")
            data = {}
        ok = data.get("ok")
        if ok is True or (ok is None and 200 <= response.status_code < 300 and "result" in data):
            return data.get("result", True)
        raw_code = data.get("error_code")
        status = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 0
        if status == 0:
            status = response.status_code if response.status_code >= 400 else 500
        raw_desc = data.get("description") or data.get("message")
        description = str(raw_desc)[:500] if raw_desc else response.reason_phrase or "error"
        if status == 429:
            raise ZaloRetryAfter(_retry_after(data, response), description)
        if status == 403 or "blocked" in description.lower():
            raise ZaloForbidden(description)
        raise ZaloApiError(status, description)

    # ------------------------------------------------------------------ methods

    async def get_me(self) -> dict[str, Any]:
        """Check the token; returns the bot's ``id``, ``account_name``, ..."""
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates_raw(
        self,
        offset: int | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the API's long-poll parameter
    ) -> list[dict[str, Any]]:
        """Long-poll once; returns raw update dicts (a single object or a list, normalised)."""
        try:
            result = await self.call(
                "getUpdates",
                {"offset": offset, "timeout": str(timeout)},
                http_timeout=timeout + self.timeout,
            )
        except ZaloApiError as err:
            if err.status == 408 or "timeout" in err.description.lower():
                return []  # Zalo answers "Request timeout" when nothing arrived
            raise
        if isinstance(result, list):
            return [u for u in result[:_MAX_BATCH] if isinstance(u, dict)]
        if isinstance(result, dict) and result:
            return [result]
        return []

    async def get_updates(
        self,
        offset: int | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the API's long-poll parameter
    ) -> list[ZaloUpdate]:
        """Long-poll once; returns parsed updates (garbage skipped)."""
        return parse_updates(await self.get_updates_raw(offset=offset, timeout=timeout))

    async def set_webhook(self, url: str, secret_token: str) -> dict[str, Any]:
        """Register the webhook URL; Zalo sends ``secret_token`` in X-Bot-Api-Secret-Token."""
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("secret_token must be 8-256 characters")
        result = await self.call("setWebhook", {"url": url, "secret_token": secret_token})
        return result if isinstance(result, dict) else {"url": url}

    async def delete_webhook(self) -> dict[str, Any]:
        """Remove the webhook (needed before getUpdates works)."""
        result = await self.call("deleteWebhook")
        return result if isinstance(result, dict) else {}

    async def get_webhook_info(self) -> dict[str, Any]:
        """Current webhook settings."""
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def send_message(self, chat_id: str, text: str) -> list[dict[str, Any]]:
        """Send text, split into <= 2000-char parts; returns one result per part."""
        parts = split_text(text, MAX_TEXT_LENGTH)
        if not parts:
            raise ValueError("text is empty")
        results = []
        for part in parts:
            result = await self.call("sendMessage", {"chat_id": chat_id, "text": part})
            results.append(result if isinstance(result, dict) else {})
        return results

    async def send_photo(
        self, chat_id: str, photo: str | bytes, caption: str | None = None
    ) -> dict[str, Any]:
        """Send a photo (URL or bytes); a caption over 2000 chars continues as messages."""
        parts = split_text(caption, MAX_TEXT_LENGTH) if caption else []
        first = parts[0] if parts else None
        if isinstance(photo, bytes | bytearray):
            result = await self.call(
                "sendPhoto",
                {"chat_id": chat_id, "caption": first},
                files={"photo": ("photo.jpg", bytes(photo), "image/jpeg")},
            )
        else:
            result = await self.call(
                "sendPhoto", {"chat_id": chat_id, "photo": photo, "caption": first}
            )
        for extra in parts[1:]:
            await self.call("sendMessage", {"chat_id": chat_id, "text": extra})
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> bool:
        """Show a transient status such as ``typing``."""
        result = await self.call("sendChatAction", {"chat_id": chat_id, "action": action})
        return bool(result)


def _retry_after(data: dict[str, Any], response: httpx.Response) -> float:
    """Seconds to wait, from ``parameters.retry_after``, the Retry-After header, or 1."""
    params = data.get("parameters")
    candidates: list[Any] = []
    if isinstance(params, dict):
        candidates.append(params.get("retry_after"))
    candidates.append(data.get("retry_after"))
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        if isinstance(value, bool) or value is None:
            continue
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if 0 <= seconds <= 86_400:
            return seconds
    match = re.search(r"retry after (\d+(?:\.\d+)?)", str(data.get("description", "")), re.I)
    return float(match.group(1)) if match else 1.0

"""Zalo Official Account client (API v3 messages, OAuth v4 tokens), signature and event parser.

Every call answers HTTP 200 with ``{"error": <code>, "message": ...}``; the codes that change
what the caller does are mapped to exceptions here (see docs/deploy.md for their sources):
an invalid or expired token, a recipient who unfollowed or refuses messages, the OA's quota.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.text import clean_text, split_text
from bot.channels.zalo_api import MAX_TEXT_LENGTH
from bot.dialogs.types import Button

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
SIGNATURE_HEADER = "x-zevent-signature"
#: Interactive buttons per message (Zalo shows at most five under a text).
MAX_BUTTONS = 5
#: A button's payload limit (oa.query.*: 1,000 characters) and title limit.
MAX_PAYLOAD = 1000
MAX_TITLE = 100
#: A user's text is cut to this (as on the Zalo Bot Platform; the engine trims to 4,000).
MAX_EVENT_TEXT = 4096
#: Query buttons send their payload back as the user's text, behind this marker.
PAYLOAD_MARK = "#cg:"

#: Error codes, from Zalo's OA API error appendix (docs/deploy.md cites it).
TOKEN_CODES = frozenset({-216, -220, -124})  # access token invalid / expired
GONE_CODES = frozenset({-213, -217, -227, -244})  # not following, blocked, inactive, refuses
QUOTA_CODES = frozenset({-211})  # the OA's quota for this message type is used up
# This recipient cannot be written to now (no interaction in the window, per-user limit).
WINDOW_CODES = frozenset({-218, -230, -232})
RATE_CODES = frozenset({-32})  # too many requests

EVENT_TEXT = "user_send_text"
EVENT_IMAGE = "user_send_image"
EVENT_STICKER = "user_send_sticker"
EVENT_LOCATION = "user_send_location"
EVENT_LINK = "user_send_link"
EVENT_FOLLOW = "follow"
EVENT_UNFOLLOW = "unfollow"


class OaApiError(Exception):
    """An error answered by the OA API (code < 0) or a failed request (code 0)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class OaTokenInvalid(OaApiError):
    """The access token is invalid or expired: refresh it and retry once."""


class OaRecipientGone(OaApiError):
    """The user unfollowed the OA, blocked it or refuses this kind of message."""


class OaQuotaExceeded(OaApiError):
    """The OA's message quota is used up (until Zalo resets it)."""


class OaOutsideWindow(OaApiError):
    """This user may not be messaged now (no recent interaction, per-user limit)."""


class OaRateLimited(OaApiError):
    """Too many requests: wait and retry."""


class OaNetworkError(OaApiError):
    """No usable HTTP answer (timeouts included: the message may have been delivered)."""

    def __init__(self, description: str) -> None:
        super().__init__(0, description)


class OaAuthError(Exception):
    """OAuth v4 refused a refresh token or an authorization code (or could not be reached)."""


@dataclass(frozen=True)
class OaTokens:
    """What OAuth v4 answers: a new access token and its single-use refresh token."""

    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class OaEvent:
    """One webhook event, normalised; ``user_id`` is the OA-scoped id (never logged)."""

    event_name: str
    user_id: str | None
    message_id: str | None
    text: str | None
    url: str | None
    timestamp: int | None


# ---------------------------------------------------------------------- signature


def signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """sha256(app id + raw body + timestamp + OA secret key), hex (Zalo's ``mac``)."""
    data = app_id.encode() + body + timestamp.encode() + oa_secret.encode()
    return hashlib.sha256(data).hexdigest()


def signature_ok(header: str | None, app_id: str, body: bytes, timestamp: str, secret: str) -> bool:
    """Whether ``X-ZEvent-Signature`` (``mac=<hex>``) signs this body (constant time)."""
    if not header:
        return False
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:]
    expected = signature(app_id, body, timestamp, secret)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def timestamp_ms(value: Any) -> int | None:
    """The event's ``timestamp`` (milliseconds since 1970, a string or a number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int):
        return value
    return None


def fresh(ts_ms: int, window_seconds: float, now: float | None = None) -> bool:
    """Whether a signed timestamp is within ``window_seconds`` of now (either way)."""
    now = time.time() if now is None else now
    return abs(now - ts_ms / 1000.0) <= window_seconds


# ---------------------------------------------------------------------- events


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        cleaned = clean_text(value, 128).strip()
        return cleaned or None
    return None


def _attachment(message: dict[str, Any], kind: str) -> dict[str, Any]:
    items = message.get("attachments")
    if not isinstance(items, list):
        return {}
    for item in items[:10]:
        if isinstance(item, dict) and item.get("type") == kind:
            payload = item.get("payload")
            return payload if isinstance(payload, dict) else {}
    return {}


def _url(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    url = clean_text(value, 2048).strip()
    return url if url.startswith(("https://", "http://")) else None


def parse_event(data: Any) -> OaEvent | None:
    """One webhook body into an OaEvent; None for anything unusable (never raises)."""
    try:
        if not isinstance(data, dict) or not isinstance(data.get("event_name"), str):
            return None
        event = clean_text(data["event_name"], 64).strip()
        raw_message = data.get("message")
        message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
        if event in (EVENT_FOLLOW, EVENT_UNFOLLOW):
            follower = data.get("follower")
            user = _id(follower.get("id")) if isinstance(follower, dict) else None
        else:
            sender = data.get("sender")
            user = _id(sender.get("id")) if isinstance(sender, dict) else None
        text = message.get("text")
        url: str | None = None
        if event == EVENT_IMAGE:
            payload = _attachment(message, "image")
            url = _url(payload.get("url")) or _url(payload.get("thumbnail"))
        elif event == EVENT_LINK:
            url = _url(_attachment(message, "link").get("url"))
        return OaEvent(
            event_name=event,
            user_id=user,
            message_id=_id(message.get("msg_id")),
            text=clean_text(text, MAX_EVENT_TEXT) if isinstance(text, str) else None,
            url=url,
            timestamp=timestamp_ms(data.get("timestamp")),
        )
    except Exception:  # untrusted input never takes the caller down
        return None


# ---------------------------------------------------------------------- the client


def raise_for_code(code: int, description: str) -> None:
    """Turn an OA error code into its exception."""
    if code in TOKEN_CODES:
        raise OaTokenInvalid(code, description)
    if code in GONE_CODES:
        raise OaRecipientGone(code, description)
    if code in QUOTA_CODES:
        raise OaQuotaExceeded(code, description)
    if code in WINDOW_CODES:
        raise OaOutsideWindow(code, description)
    if code in RATE_CODES:
        raise OaRateLimited(code, description)
    raise OaApiError(code, description)


def buttons_payload(buttons: list[Button]) -> list[dict[str, Any]]:
    """Dialog buttons as OA query buttons (hidden: the chat shows the title, not the code)."""
    return [
        {
            "title": b.title[:MAX_TITLE],
            "type": "oa.query.hide",
            "payload": (PAYLOAD_MARK + b.payload)[:MAX_PAYLOAD],
        }
        for b in buttons
    ]


class ZaloOaApi:
    """Async client for the OA message API (token passed per call) and OAuth v4."""

    def __init__(
        self,
        api_base: str = DEFAULT_API_BASE,
        oauth_base: str = DEFAULT_OAUTH_BASE,
        timeout: float = 10,
        *,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.oauth_base = oauth_base.rstrip("/")
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    def __repr__(self) -> str:
        return f"ZaloOaApi(api_base={self.api_base!r})"

    async def aclose(self) -> None:
        """Close the HTTP client (if this object created it)."""
        if self._own_client:
            await self._client.aclose()

    async def _post(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.post(url, **kwargs)
        except httpx.TimeoutException as exc:
            raise OaNetworkError(f"timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise OaNetworkError(type(exc).__name__) from None
        if response.status_code == 429:
            raise OaRateLimited(-32, "HTTP 429")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise OaApiError(-response.status_code, "response is not JSON")
        return data

    async def send(
        self,
        token: str,
        user_id: str,
        message: dict[str, Any],
        *,
        reply_to: str | None = None,
        kind: str = "cs",
    ) -> str:
        """POST /v3.0/oa/message/{kind}; returns Zalo's message id.

        ``reply_to`` (the user's message id) makes the message a reply inside the free
        48-hour window; without it Zalo counts the message as proactive.
        """
        recipient: dict[str, str] = {"user_id": user_id}
        if reply_to:
            recipient["message_id"] = reply_to
        data = await self._post(
            f"{self.api_base}/v3.0/oa/message/{kind}",
            headers={"access_token": token},
            json={"recipient": recipient, "message": message},
        )
        code = data.get("error", 0)
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            raise_for_code(code, str(data.get("message") or "error")[:300])
        found = data.get("data")
        mid = found.get("message_id") if isinstance(found, dict) else None
        return str(mid or "")

    @staticmethod
    def text_messages(text: str, buttons: list[Button], more: str) -> list[dict[str, Any]]:
        """Text split at 2,000 characters; buttons five to a message, under the last part."""
        parts = split_text(text, MAX_TEXT_LENGTH) or [more]
        messages: list[dict[str, Any]] = [{"text": p} for p in parts]
        chunks = [buttons[i : i + MAX_BUTTONS] for i in range(0, len(buttons), MAX_BUTTONS)]
        for n, chunk in enumerate(chunks):
            if n > 0:
                messages.append({"text": more})
            messages[-1]["attachment"] = {
                "type": "template",
                "payload": {"buttons": buttons_payload(chunk)},
            }
        return messages

    @staticmethod
    def image_message(url: str, caption: str | None = None) -> dict[str, Any]:
        """An image message (a public URL), with an optional caption."""
        message: dict[str, Any] = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "image", "url": url}],
                },
            }
        }
        if caption:
            message["text"] = split_text(caption, MAX_TEXT_LENGTH)[0]
        return message

    async def _oauth(self, app_id: str, app_secret: str, form: dict[str, str]) -> OaTokens:
        try:
            data = await self._post(
                f"{self.oauth_base}/v4/oa/access_token",
                headers={"secret_key": app_secret},
                data={"app_id": app_id, **form},
            )
        except OaApiError as exc:
            raise OaAuthError(f"oauth unreachable: {exc.description}") from None
        access, refresh = data.get("access_token"), data.get("refresh_token")
        if not isinstance(access, str) or not isinstance(refresh, str) or not access:
            code = data.get("error")
            reason = str(data.get("error_name") or data.get("error_description") or "refused")
            raise OaAuthError(f"oauth {code}: {reason[:200]}")
        try:
            expires = int(str(data.get("expires_in", "3600")))
        except ValueError:
            expires = 3600
        return OaTokens(access, refresh, max(60, expires))

    async def refresh(self, app_id: str, app_secret: str, refresh_token: str) -> OaTokens:
        """Trade the single-use refresh token for a new pair (raises OaAuthError)."""
        return await self._oauth(
            app_id, app_secret, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def exchange_code(
        self, app_id: str, app_secret: str, code: str, code_verifier: str | None = None
    ) -> OaTokens:
        """Trade an OA authorization code (the first time) for a token pair."""
        form = {"grant_type": "authorization_code", "code": code}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return await self._oauth(app_id, app_secret, form)


def event_json(data: dict[str, Any]) -> bytes:
    """Compact JSON, as the tests' fake Zalo sends it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

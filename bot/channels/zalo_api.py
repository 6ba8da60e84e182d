"""Zalo Bot Platform client (``{root}/bot{token}/{method}``) on httpx.

The updates it reads are parsed by bot.channels.zalo_updates; long texts are split by
bot.channels.text.
"""

from __future__ import annotations

import json
import re
from types import TracebackType
from typing import Any, Self

import httpx

from bot.channels.text import split_text
from bot.channels.zalo_updates import MAX_BATCH, ZaloUpdate, parse_updates

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_TEXT_LENGTH",
    "ZaloApiError",
    "ZaloBotApi",
    "ZaloForbidden",
    "ZaloNetworkError",
    "ZaloRetryAfter",
]

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT_LENGTH = 2000  # sendMessage text / sendPhoto caption limit


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
            return [u for u in result[:MAX_BATCH] if isinstance(u, dict)]
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

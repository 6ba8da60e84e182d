"""`POST /webhooks/telegram`, `POST /webhooks/zalo` and `POST /webhooks/zalo-oa` (contract §4).

A request is checked in this order, and nothing is processed before the secret matched:
channel configured (else 404 JSON), secret configured (else 503), secret header equal
(constant time, else 401), body size (413), JSON object (400). A valid update is processed
inline and answered 200 even when handling failed: the platforms retry non-2xx answers,
and a retried update that already failed once would only fail again.

Both paths are answered by ``WebhookFront``, a plain ASGI layer in front of the web app: a
chat message is the busiest request there is, and the framework's middleware, routing and
request objects were ~14% of its CPU (bench/platform_bench.py profile). Every other
request goes to the app unchanged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr
from starlette.types import ASGIApp, Receive, Scope, Send
from telegram import Update

from bot.channels import telegram as tg
from bot.channels import zalo, zalo_oa
from bot.channels import zalo_oa_api as oa
from bot.channels.zalo_updates import parse_updates
from bot.runtime import BotRuntime
from hotline.web.headers import SECURITY_HEADER_PAIRS

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # a 1M-character Vietnamese text (3 bytes each) fits
TELEGRAM_HEADER = "x-telegram-bot-api-secret-token"
ZALO_HEADER = "x-bot-api-secret-token"
TELEGRAM_PATH = "/webhooks/telegram"
ZALO_PATH = "/webhooks/zalo"
ZALO_OA_PATH = "/webhooks/zalo-oa"

#: A webhook's answer: HTTP status and a short detail (never user text).
Answer = tuple[int, str]
#: Reads the request body: its bytes, or None when it is larger than MAX_BODY_BYTES.
ReadBody = Callable[[], Awaitable[bytes | None]]


class ClientGone(Exception):
    """The caller disconnected before its body arrived."""


def _secret_ok(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _json(body: bytes | None) -> tuple[Any, Answer | None]:
    """The decoded body, or the 4xx answer to give."""
    if body is None:
        return None, (413, "body too large")
    try:
        return json.loads(body), None
    except (ValueError, RecursionError):
        return None, (400, "body is not JSON")


async def _secret_json(
    headers: Mapping[str, str],
    read_body: ReadBody,
    channel: str,
    secret: SecretStr | None,
    header: str,
    setting: str,
) -> tuple[Any, Answer | None]:
    """The JSON body of a request that carries the shared secret header, or the answer to give.

    Nothing is read before the secret matched (see the module docstring for the order).
    """
    if secret is None or not secret.get_secret_value():
        return None, (503, f"{setting} is not set")
    if not _secret_ok(headers.get(header), secret.get_secret_value()):
        log.warning("webhook secret mismatch", extra={"channel": channel})
        return None, (401, "bad secret token")
    return _json(await read_body())


async def _read_body(headers: Mapping[str, str], receive: Receive) -> bytes | None:
    """The ASGI request body, or None as soon as it exceeds MAX_BODY_BYTES."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class TelegramWebhook:
    """The PTB application behind the webhook, initialised on the first update."""

    def __init__(self, rt: BotRuntime) -> None:
        self.rt = rt
        self._app: Any = None
        self._lock: asyncio.Lock | None = None

    async def application(self) -> Any:
        """The initialised PTB Application (getMe on first use)."""
        if self._app is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._app is None:
                    app = tg.build_application(self.rt)
                    await app.initialize()
                    self._app = app
        return self._app

    async def close(self) -> None:
        """Shut the PTB application down (closes its HTTP pool)."""
        if self._app is not None:
            await self._app.bot_data["channel"].sent_log.close()
            await self._app.shutdown()
            self._app = None

    async def __call__(self, headers: Mapping[str, str], read_body: ReadBody) -> Answer:
        if tg.token_of(self.rt) is None:
            return 404, "telegram channel is off (TELEGRAM_BOT_TOKEN unset)"
        secret = self.rt.settings.telegram_webhook_secret
        data, error = await _secret_json(
            headers, read_body, tg.CHANNEL, secret, TELEGRAM_HEADER, "TELEGRAM_WEBHOOK_SECRET"
        )
        if error is not None:
            return error
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return 400, "not a Telegram update"
        try:
            app = await self.application()
        except Exception as exc:
            log.error(
                "telegram unavailable", extra={"channel": tg.CHANNEL, "error": type(exc).__name__}
            )
            # Not processed: let Telegram retry later (a 503 says "try again", not "bad input").
            return 503, "telegram API unreachable"
        try:
            update = Update.de_json(data, app.bot)
        except Exception:
            return 400, "malformed update"
        # Straight to the channel's one handler: PTB's dispatcher would only build a
        # CallbackContext (and per-user dicts keyed by Telegram ids) that nothing here reads.
        await app.bot_data["channel"].process(update)  # never raises
        return 200, "ok"


class ZaloWebhook:
    """The Zalo channel behind the webhook, built on the first update."""

    def __init__(self, rt: BotRuntime) -> None:
        self.rt = rt
        self._channel: zalo.ZaloChannel | None = None

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._channel is not None:
            await self._channel.sender.api.aclose()
            self._channel = None

    async def __call__(self, headers: Mapping[str, str], read_body: ReadBody) -> Answer:
        if zalo.token_of(self.rt) is None:
            return 404, "zalo channel is off (ZALO_BOT_TOKEN unset)"
        secret = self.rt.settings.zalo_webhook_secret
        data, error = await _secret_json(
            headers, read_body, zalo.CHANNEL, secret, ZALO_HEADER, "ZALO_WEBHOOK_SECRET"
        )
        if error is not None:
            return error
        if not isinstance(data, dict | list):
            return 400, "not a Zalo update"
        if self._channel is None:
            self._channel = zalo.build_channel(self.rt)
        # Unknown event shapes are acknowledged (200) so Zalo does not retry them forever.
        for update in parse_updates(data):
            await self._channel.process(update)
        return 200, "ok"


class ZaloOaWebhook:
    """The Zalo OA channel: signed events (X-ZEvent-Signature), fresh timestamps only.

    Zalo signs sha256(app id + raw body + timestamp + OA secret key), the timestamp being the
    body's own. The body is parsed only to read that timestamp; nothing is processed before
    the signature matched and the timestamp is inside the window, so a captured event
    replayed later is refused, and one replayed inside the window is a duplicate (processed
    once by its message id). Unknown events are acknowledged so Zalo does not retry them.
    """

    def __init__(self, rt: BotRuntime) -> None:
        self.rt = rt
        self._channel: zalo_oa.ZaloOaChannel | None = None

    async def close(self) -> None:
        """Close the HTTP client."""
        if self._channel is not None:
            await self._channel.sender.api.aclose()
            self._channel = None

    async def __call__(self, headers: Mapping[str, str], read_body: ReadBody) -> Answer:
        settings = self.rt.settings
        if not zalo_oa.enabled(settings):
            return 404, "zalo oa channel is off (ZALO_OA_APP_ID/APP_SECRET/SECRET_KEY unset)"
        body = await read_body()
        data, error = _json(body)
        if error is not None:
            return error
        assert body is not None
        stamp = oa.timestamp_ms(data.get("timestamp")) if isinstance(data, dict) else None
        key = settings.zalo_oa_secret_key
        assert key is not None
        assert settings.zalo_oa_app_id
        if stamp is None or not oa.signature_ok(
            headers.get(oa.SIGNATURE_HEADER),
            settings.zalo_oa_app_id,
            body,
            str(data["timestamp"]),
            key.get_secret_value(),
        ):
            log.warning("webhook signature mismatch", extra={"channel": zalo_oa.CHANNEL})
            return 401, "bad signature"
        if not oa.fresh(stamp, settings.zalo_oa_signature_window):
            log.warning("webhook timestamp outside window", extra={"channel": zalo_oa.CHANNEL})
            return 401, "stale timestamp"
        event = oa.parse_event(data)
        if event is None:
            return 200, "ignored"
        if self._channel is None:
            self._channel = zalo_oa.build_channel(self.rt)
        await self._channel.process(event)  # never raises
        return 200, "ok"


Hook = Callable[[Mapping[str, str], ReadBody], Awaitable[Answer]]


class WebhookFront:
    """ASGI: answers ``POST`` on the webhook paths itself, passes everything else on."""

    def __init__(self, app: ASGIApp, hooks: Mapping[str, Hook]) -> None:
        self.app = app
        self.hooks = hooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hook = self.hooks.get(scope["path"]) if scope["type"] == "http" else None
        if hook is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            status, detail = await hook(headers, lambda: _read_body(headers, receive))
        except ClientGone:
            return  # nobody is left to answer
        except Exception as exc:  # the hooks never raise; this is the last line of defence
            log.error("webhook failed", extra={"error": type(exc).__name__})
            status, detail = 500, "internal error"
        body = json.dumps({"ok": status < 300, "detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    *SECURITY_HEADER_PAIRS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def register(app: FastAPI, rt: BotRuntime) -> None:
    """Answer the webhook paths in front of ``app`` (each 404s while its channel is off)."""
    telegram_hook = TelegramWebhook(rt)
    zalo_hook = ZaloWebhook(rt)
    oa_hook = ZaloOaWebhook(rt)
    app.state.telegram_webhook = telegram_hook
    app.state.zalo_webhook = zalo_hook
    app.state.zalo_oa_webhook = oa_hook
    # The outermost user middleware: only FastAPI's own error and body-limit layers run first.
    app.add_middleware(
        WebhookFront,
        hooks={TELEGRAM_PATH: telegram_hook, ZALO_PATH: zalo_hook, ZALO_OA_PATH: oa_hook},
    )

    async def _close() -> None:
        await telegram_hook.close()
        await zalo_hook.close()
        await oa_hook.close()

    app.router.on_shutdown.append(_close)

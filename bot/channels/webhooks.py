"""`POST /webhooks/telegram` and `POST /webhooks/zalo` (contract §4).

A request is checked in this order, and nothing is processed before the secret matched:
channel configured (else 404 JSON), secret configured (else 503), secret header equal
(constant time, else 401), body size (413), JSON object (400). A valid update is processed
inline and answered 200 even when handling failed: the platforms retry non-2xx answers,
and a retried update that already failed once would only fail again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from telegram import Update

from bot.channels import telegram as tg
from bot.channels import zalo
from bot.channels.zalo_api import parse_updates
from bot.runtime import BotRuntime

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024  # a 1M-character Vietnamese text (3 bytes each) fits
TELEGRAM_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_HEADER = "X-Bot-Api-Secret-Token"


def _answer(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"ok": status < 300, "detail": detail}, status_code=status)


def _secret_ok(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


async def _json_body(request: Request) -> tuple[Any, JSONResponse | None]:
    """The decoded body, or the 4xx answer to give."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None, _answer(413, "body too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None, _answer(413, "body too large")
    try:
        return json.loads(body), None
    except (ValueError, RecursionError):
        return None, _answer(400, "body is not JSON")


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

    async def __call__(self, request: Request) -> JSONResponse:
        settings = self.rt.settings
        if tg.token_of(self.rt) is None:
            return _answer(404, "telegram channel is off (TELEGRAM_BOT_TOKEN unset)")
        secret = settings.telegram_webhook_secret
        if secret is None or not secret.get_secret_value():
            return _answer(503, "TELEGRAM_WEBHOOK_SECRET is not set")
        if not _secret_ok(request.headers.get(TELEGRAM_HEADER), secret.get_secret_value()):
            log.warning("webhook secret mismatch", extra={"channel": tg.CHANNEL})
            return _answer(401, "bad secret token")
        data, error = await _json_body(request)
        if error is not None:
            return error
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return _answer(400, "not a Telegram update")
        try:
            app = await self.application()
        except Exception as exc:
            log.error(
                "telegram unavailable", extra={"channel": tg.CHANNEL, "error": type(exc).__name__}
            )
            # Not processed: let Telegram retry later (a 503 says "try again", not "bad input").
            return _answer(503, "telegram API unreachable")
        try:
            update = Update.de_json(data, app.bot)
        except Exception:
            return _answer(400, "malformed update")
        # Straight to the channel's one handler: PTB's dispatcher would only build a
        # CallbackContext (and per-user dicts keyed by Telegram ids) that nothing here reads.
        await app.bot_data["channel"].process(update)  # never raises
        return _answer(200, "ok")


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

    async def __call__(self, request: Request) -> JSONResponse:
        settings = self.rt.settings
        if zalo.token_of(self.rt) is None:
            return _answer(404, "zalo channel is off (ZALO_BOT_TOKEN unset)")
        secret = settings.zalo_webhook_secret
        if secret is None or not secret.get_secret_value():
            return _answer(503, "ZALO_WEBHOOK_SECRET is not set")
        if not _secret_ok(request.headers.get(ZALO_HEADER), secret.get_secret_value()):
            log.warning("webhook secret mismatch", extra={"channel": zalo.CHANNEL})
            return _answer(401, "bad secret token")
        data, error = await _json_body(request)
        if error is not None:
            return error
        if not isinstance(data, dict | list):
            return _answer(400, "not a Zalo update")
        if self._channel is None:
            self._channel = zalo.build_channel(self.rt)
        # Unknown event shapes are acknowledged (200) so Zalo does not retry them forever.
        for update in parse_updates(data):
            await self._channel.process(update)
        return _answer(200, "ok")


def register(app: FastAPI, rt: BotRuntime) -> None:
    """Add both webhook routes (each answers 404 while its channel is off)."""
    telegram_hook = TelegramWebhook(rt)
    zalo_hook = ZaloWebhook(rt)
    app.state.telegram_webhook = telegram_hook
    app.state.zalo_webhook = zalo_hook

    @app.post("/webhooks/telegram", tags=["channels"], include_in_schema=False)
    async def telegram_webhook(request: Request) -> JSONResponse:
        """Telegram Update JSON; header X-Telegram-Bot-Api-Secret-Token required."""
        return await telegram_hook(request)

    @app.post("/webhooks/zalo", tags=["channels"], include_in_schema=False)
    async def zalo_webhook(request: Request) -> JSONResponse:
        """Zalo Bot Platform update; header X-Bot-Api-Secret-Token required."""
        return await zalo_hook(request)

    async def _close() -> None:
        await telegram_hook.close()
        await zalo_hook.close()

    app.router.on_shutdown.append(_close)

"""Webhook gatekeeping (contract §4) and outbound pacing against the fake's rate policy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi.testclient import TestClient
from telegram import Bot

from bot.channels import outbound
from bot.channels import telegram as tg
from bot.runtime import BotRuntime
from bot.web import create_web_app
from tests.channels.conftest import FAST, TG_TOKEN, state_rows
from tests.channels.test_telegram import message
from tests.fixtures.fake_botapi import FakeBotApi


def test_wrong_secret_rejected_nothing_processed(
    channel_rt: BotRuntime, fake_botapi: FakeBotApi
) -> None:
    with TestClient(create_web_app(channel_rt)) as web:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "nope"}):
            r = web.post("/webhooks/telegram", json=message("/start"), headers=headers)
            assert r.status_code == 401
            assert r.json()["ok"] is False
        # Even garbage is refused on the secret first.
        assert web.post("/webhooks/telegram", content=b"{").status_code == 401
    assert fake_botapi.calls() == []  # not even getMe
    assert state_rows(channel_rt) == 0


def test_channels_off_without_token(client: TestClient) -> None:
    for path in ("/webhooks/telegram", "/webhooks/zalo"):
        r = client.post(path, json={"update_id": 1})
        assert r.status_code == 404
        assert "off" in r.json()["detail"]


def test_oversized_body_refused(channel_rt: BotRuntime) -> None:
    from tests.channels.conftest import TG_SECRET

    with TestClient(create_web_app(channel_rt)) as web:
        r = web.post(
            "/webhooks/telegram",
            content=b" " * (5 * 1024 * 1024),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert r.status_code == 413


async def test_burst_respects_telegram_limits(real_pacing: None, fake_botapi: FakeBotApi) -> None:
    """A burst of replies (one chat, many chats) and broadcasts: <= 1/s per chat, <= 30/s."""
    fake_botapi.max_per_second = 30
    fake_botapi.max_per_chat_per_second = 1
    async with tg.make_bot(TG_TOKEN, fake_botapi.root_url) as bot:
        sender = tg.TelegramSender(bot, outbound.Outbound("telegram", outbound.TELEGRAM_LIMITS))
        started = time.monotonic()
        replies = [sender.send_text(777, f"trả lời {i}") for i in range(3)]
        replies += [sender.send_text(2000 + i, "chào") for i in range(40)]
        casts = [sender.send_text(1000 + i, f"tin {i}", priority="broadcast") for i in range(45)]
        await asyncio.gather(*replies, *casts)
        elapsed = time.monotonic() - started
    assert fake_botapi.violations == 0
    assert len(fake_botapi.sent_messages()) == 88
    assert elapsed >= 2.0  # three replies to one chat need two full seconds
    # Replies go first: every reply reached the API before the first broadcast.
    order = [c.chat_id for c in fake_botapi.sent_messages()]
    first_broadcast = min(i for i, chat in enumerate(order) if 1000 <= chat < 2000)
    assert all(not 1000 <= chat < 2000 for chat in order[:first_broadcast])
    assert first_broadcast >= 41


async def test_blocked_raises_typed_error(fake_botapi: FakeBotApi) -> None:
    async with Bot(TG_TOKEN, base_url=fake_botapi.base_url) as bot:
        sender = tg.TelegramSender(bot, outbound.Outbound("telegram", FAST))
        fake_botapi.block_chat(31)
        try:
            await sender.send_text(31, "x", priority="broadcast")
        except outbound.RecipientBlocked:
            pass
        else:
            raise AssertionError("RecipientBlocked expected")


def test_webhook_answers_carry_security_headers_and_other_methods_pass(
    channel_rt: BotRuntime, fake_botapi: FakeBotApi
) -> None:
    """The webhook front answers like the app would: JSON, security headers, other verbs on."""
    from tests.channels.conftest import TG_SECRET

    with TestClient(create_web_app(channel_rt)) as web:
        r = web.post(
            "/webhooks/telegram",
            json=message("/start"),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert r.status_code == 200
        assert r.json() == {"ok": True, "detail": "ok"}
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert fake_botapi.sent_texts()  # the reply went out before the answer
        # Only POST is a webhook: anything else reaches the app (and is not found there).
        assert web.get("/webhooks/telegram").status_code in (404, 405)
        assert web.get("/healthz").status_code == 200


def test_chunked_body_over_the_limit_refused(channel_rt: BotRuntime) -> None:
    """Without a Content-Length the body is still cut off at MAX_BODY_BYTES."""
    from bot.channels.webhooks import MAX_BODY_BYTES
    from tests.channels.conftest import TG_SECRET

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    with TestClient(create_web_app(channel_rt)) as web:
        r = web.post(
            "/webhooks/telegram",
            content=chunks(),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert r.status_code == 413
    assert state_rows(channel_rt) == 0


async def test_caller_gone_before_its_body_gets_no_answer() -> None:
    """A disconnect mid-body ends the request quietly: no half answer, nothing processed."""
    from bot.channels.webhooks import WebhookFront

    processed: list[bytes | None] = []
    sent: list[dict[str, object]] = []

    async def hook(headers: Mapping[str, str], read_body: Any) -> tuple[int, str]:
        processed.append(await read_body())
        return 200, "ok"

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the webhook path must not reach the app")

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    front = WebhookFront(app, {"/webhooks/telegram": hook})
    scope = {"type": "http", "method": "POST", "path": "/webhooks/telegram", "headers": []}
    await front(scope, receive, send)
    assert processed == []
    assert sent == []


async def test_send_message_id_and_cached_keyboard(fake_botapi: FakeBotApi) -> None:
    """The lean sendMessage posts the same markup PTB would and returns the new id."""
    from bot.dialogs.types import Button

    buttons = (Button("Báo tin", "/baotin"), Button("Học", "/hoc"))
    markup = tg.keyboard_json(buttons)
    assert markup is not None
    assert tg.keyboard_json(buttons) is markup  # memoised
    assert tg.keyboard_json(()) is None
    async with Bot(TG_TOKEN, base_url=fake_botapi.base_url) as bot:
        first = await tg.send_message_id(bot, 4242, "Xin chào 🇻🇳", markup)
        second = await tg.send_message_id(bot, 4242, "lần hai")
    assert second == first + 1
    calls = fake_botapi.calls("sendMessage")
    expected = tg.keyboard(buttons)
    assert expected is not None
    assert calls[0].params["reply_markup"] == expected.to_dict()
    assert "reply_markup" not in calls[1].params
    assert fake_botapi.sent_texts(4242) == ["Xin chào 🇻🇳", "lần hai"]


async def test_a_runtime_owns_its_pacers(channel_rt: BotRuntime, settings) -> None:  # type: ignore[no-untyped-def]
    """Replies and broadcasts of one runtime share a pacer; another runtime has its own."""
    from bot.broadcast import channel_senders
    from hotline.runtime import HotlineRuntime

    reply_sender = tg.sender_for(channel_rt)
    senders, close = await channel_senders(channel_rt.hotline)
    try:
        assert senders["telegram"].outbound is reply_sender.outbound
        assert reply_sender.outbound is outbound.pacer(channel_rt.hotline, "telegram")
    finally:
        await close()
    other = HotlineRuntime.from_settings(settings)
    try:
        assert outbound.pacer(other, "telegram") is not reply_sender.outbound
        assert outbound.pacer(other, "telegram").limits == outbound.TELEGRAM_LIMITS
    finally:
        other.close()

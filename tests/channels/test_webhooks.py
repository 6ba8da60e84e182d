"""Webhook gatekeeping (contract §4) and outbound pacing against the fake's rate policy."""

from __future__ import annotations

import asyncio
import time

from fastapi.testclient import TestClient
from telegram import Bot

from bot.channels import outbound
from bot.channels import telegram as tg
from bot.runtime import BotRuntime
from bot.web import create_web_app
from tests.channels.conftest import TG_TOKEN, state_rows
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
        sender = tg.TelegramSender(bot, outbound.outbound_for("telegram"))
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
        sender = tg.TelegramSender(bot, outbound.outbound_for("telegram"))
        fake_botapi.block_chat(31)
        try:
            await sender.send_text(31, "x", priority="broadcast")
        except outbound.RecipientBlocked:
            pass
        else:
            raise AssertionError("RecipientBlocked expected")

"""The turn every messenger channel shares (bot/channels/turn.py), on the real runtime."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bot.channels import base, memory, turn
from bot.channels.outbound import OutboundError, RecipientBlocked
from bot.dialogs.types import Incoming
from bot.runtime import BotRuntime
from bot.web import create_web_app
from tests.channels.conftest import ZALO_SECRET
from tests.channels.test_zalo_channel import USER, zmsg
from tests.fixtures.fake_botapi import FakeBotApi


@pytest.fixture
def broken_state_table(channel_rt: BotRuntime) -> Iterator[None]:
    """The conversation table is missing for the test: every turn fails in the database."""
    engine = channel_rt.hotline.engine
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE conversation_states RENAME TO conversation_states_away"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE conversation_states_away RENAME TO conversation_states"))


async def test_a_turn_is_answered_once_per_update(channel_rt: BotRuntime) -> None:
    first = await turn.run(channel_rt, "zalo", USER, Incoming(text="/start"), "u-1")
    assert first is not None and not first.failed
    assert first.replies[0].text.startswith(channel_rt.catalog.t("vi", "menu.welcome"))
    assert await turn.run(channel_rt, "zalo", USER, Incoming(text="/start"), "u-1") is None


@pytest.mark.usefixtures("broken_state_table")
async def test_a_failed_turn_is_the_apology_not_an_exception(channel_rt: BotRuntime) -> None:
    outcome = await turn.run(channel_rt, "zalo", USER, Incoming(text="/start"), "u-2")
    assert outcome is not None and outcome.failed
    assert [r.text for r in outcome.replies] == [channel_rt.catalog.t("vi", "core.error")]


@pytest.mark.usefixtures("broken_state_table")
def test_zalo_sends_the_apology_without_numbered_choices(
    channel_rt: BotRuntime, fake_botapi: FakeBotApi
) -> None:
    with TestClient(create_web_app(channel_rt)) as web:
        r = web.post(
            "/webhooks/zalo", json=zmsg("/start"), headers={"X-Bot-Api-Secret-Token": ZALO_SECRET}
        )
    assert r.status_code == 200
    assert fake_botapi.sent_texts(USER) == [channel_rt.catalog.t("vi", "core.error")]


async def test_sending_stops_at_the_first_failure_and_marks_a_blocked_user(
    channel_rt: BotRuntime,
) -> None:
    await turn.run(channel_rt, "zalo", USER, Incoming(text="/start"), "u-3")  # a known user
    hooked: list[str] = []
    channel_rt.blocked_hooks.append(lambda rt, channel, key: hooked.append(channel))
    sent: list[str] = []

    async def send(item: str) -> int:
        if item == "blocked":
            raise RecipientBlocked("forbidden")
        if item == "down":
            raise OutboundError("zalo 500")
        sent.append(item)
        return len(sent)

    assert await turn.send_in_order(channel_rt, "zalo", USER, ["a", "b", "down", "c"], send) == [
        1,
        2,
    ]
    assert sent == ["a", "b"]
    assert not memory.bucket(memory.read(channel_rt, "zalo", USER)).get("blocked")
    assert await turn.send_in_order(channel_rt, "zalo", USER, ["d", "blocked", "e"], send) == [3]
    assert sent == ["a", "b", "d"]
    assert memory.bucket(memory.read(channel_rt, "zalo", USER)).get("blocked")
    assert hooked == ["zalo"]


async def test_a_notice_is_given_once_per_update(channel_rt: BotRuntime) -> None:
    t = channel_rt.catalog.t
    found = await turn.notice(channel_rt, "zalo", USER, "sticker-1", "core.unsupported_message")
    assert found is not None
    reply, lang = found
    assert (reply.text, lang) == (t("vi", "core.unsupported_message"), "vi")
    assert reply.buttons and reply.buttons == base.menu_buttons(channel_rt, "vi", "zalo")
    assert (
        await turn.notice(channel_rt, "zalo", USER, "sticker-1", "core.unsupported_message") is None
    )
    # Without an update id (a platform that gives none) every call answers.
    assert await turn.notice(channel_rt, "zalo", USER, None, "core.unsupported_message") is not None

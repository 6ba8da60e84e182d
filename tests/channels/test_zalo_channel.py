"""Zalo end to end: the app's webhook and the real ZaloBotApi client against the fake server."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.channels import memory
from bot.channels import zalo as zl
from bot.runtime import BotRuntime
from bot.web import create_web_app
from tests.channels.conftest import ZALO_SECRET, ZALO_TOKEN, state_rows
from tests.fixtures.fake_botapi import FakeBotApi

USER = "e4ea2cd5189df1c3a88c"
HEADERS = {"X-Bot-Api-Secret-Token": ZALO_SECRET}
_mids = itertools.count(1)


def zmsg(
    text: str | None = None,
    user: str = USER,
    event: str = "message.text.received",
    chat_type: str = "PRIVATE",
    **fields: Any,
) -> dict[str, Any]:
    """A Zalo Bot Platform update."""
    message: dict[str, Any] = {
        "chat": {"id": user if chat_type == "PRIVATE" else "grp-1", "chat_type": chat_type},
        "message_id": f"m{next(_mids):08d}",
        "date": int(time.time() * 1000),
        "from": {"id": user, "display_name": "Lan", "is_bot": False},
        **fields,
    }
    if text is not None:
        message["text"] = text
    return {"event_name": event, "message": message}


@pytest.fixture
def web(channel_rt: BotRuntime) -> Iterator[TestClient]:
    """The whole web app with the Zalo channel on."""
    with TestClient(create_web_app(channel_rt)) as c:
        yield c


def post(web: TestClient, update: dict[str, Any]) -> None:
    r = web.post("/webhooks/zalo", json=update, headers=HEADERS)
    assert r.status_code == 200, r.text


def test_full_conversation_with_numbered_choices(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    t = channel_rt.catalog.t
    post(web, zmsg("/start"))
    [menu] = fake_botapi.sent_texts(USER)
    assert menu.startswith(t("vi", "menu.welcome"))
    assert f"1. {t('vi', 'menu.buttons.emergency')}" in menu
    assert f"2. {t('vi', 'menu.buttons.tip')}" in menu
    assert t("vi", "channels.choose_number") in menu
    assert all(c.token == ZALO_TOKEN for c in fake_botapi.calls("sendMessage"))
    assert fake_botapi.calls("sendChatAction")

    post(web, zmsg(" 1 "))  # "1" = the first button: emergency
    assert "113" in fake_botapi.sent_texts(USER)[1]

    post(web, zmsg("xin chao"))
    assert fake_botapi.sent_texts(USER)[-1].startswith(t("vi", "core.smalltalk.greet"))
    assert all(len(x) <= 2000 for x in fake_botapi.sent_texts(USER))
    assert state_rows(channel_rt) == 1


def test_duplicate_message_answered_once(web: TestClient, fake_botapi: FakeBotApi) -> None:
    update = zmsg("/start")
    post(web, update)
    post(web, update)
    assert len(fake_botapi.sent_texts(USER)) == 1


def test_wrong_secret_rejected_nothing_processed(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"}):
        r = web.post("/webhooks/zalo", json=zmsg("/start"), headers=headers)
        assert r.status_code == 401
    assert fake_botapi.calls("sendMessage") == []
    assert state_rows(channel_rt) == 0


def test_retry_after_429_and_blocked_user(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    fake_botapi.fail_next("sendMessage", 429, retry_after=1)
    post(web, zmsg("/menu"))
    assert [c.status for c in fake_botapi.calls("sendMessage")] == [429, 200]
    seen: list[str] = []
    channel_rt.blocked_hooks.append(lambda rt, channel, key: seen.append(channel))
    fake_botapi.block_chat(USER)
    post(web, zmsg("/menu"))
    assert seen == ["zalo"]
    assert memory.bucket(memory.read(channel_rt, "zalo", USER)).get("blocked")


def test_group_sticker_long_and_garbage(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    t = channel_rt.catalog.t
    post(web, zmsg("/start", chat_type="GROUP"))
    post(web, zmsg("nói chuyện", chat_type="GROUP"))
    assert fake_botapi.sent_texts("grp-1") == [t("vi", "core.group_chat")]
    post(web, zmsg(event="message.sticker.received", sticker="abc"))
    assert fake_botapi.sent_texts(USER)[-1].startswith(t("vi", "core.unsupported_message"))
    post(web, zmsg("x\x00\u202e" + "ạ" * 1_000_000))
    post(web, {"event_name": "user.reacted", "message": {"x": 1}})
    post(web, {"whatever": True})
    for body in (b"{", b"42", b'"s"'):
        r = web.post("/webhooks/zalo", content=body, headers=HEADERS)
        assert 400 <= r.status_code < 500


def test_image_downloaded(web: TestClient, fake_botapi: FakeBotApi) -> None:
    fake_botapi.add_file("img", b"\xff\xd8zalo-jpeg", "photos/img.jpg")
    url = f"{fake_botapi.root_url}/file/bot{ZALO_TOKEN}/photos/img.jpg"
    post(web, zmsg(event="message.image.received", photo=url, caption="tin tuyển dụng"))
    assert [c.status for c in fake_botapi.calls("file")] == [200]
    assert fake_botapi.sent_texts(USER)  # the dialogs answered


@pytest.mark.parametrize(
    "photo",
    [
        "{root}/file/bot{token}/photos/img.jpg".replace("{root}", "http://localhost:{port}"),
        "https://127.0.0.1:{port}/file/bot{token}/photos/img.jpg",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:{port}/x.jpg",
    ],
)
def test_image_url_into_the_private_network_is_not_fetched(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime, photo: str
) -> None:
    fake_botapi.add_file("img", b"\xff\xd8zalo-jpeg", "photos/img.jpg")
    port = fake_botapi.root_url.rsplit(":", 1)[1]
    url = photo.replace("{port}", port).replace("{token}", ZALO_TOKEN)
    post(web, zmsg(event="message.image.received", photo=url, caption="ảnh"))
    assert fake_botapi.calls("file") == []
    [reply] = fake_botapi.sent_texts(USER)
    assert reply.startswith(channel_rt.catalog.t("vi", "channels.photo_failed"))


async def test_long_polling(channel_rt: BotRuntime, fake_botapi: FakeBotApi) -> None:
    channel = zl.build_channel(channel_rt)
    fake_botapi.push_update(zmsg("/start"), token=ZALO_TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(zl.poll(channel, stop, timeout=1))
    await asyncio.to_thread(fake_botapi.wait_for_calls, "sendMessage", 1, 10)
    stop.set()
    await asyncio.wait_for(task, 5)
    await channel.sender.api.aclose()
    assert fake_botapi.sent_texts(USER)[0].startswith(channel_rt.catalog.t("vi", "menu.welcome"))

"""Telegram end to end: the app's webhook, the real PTB Application, the fake Bot API."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.channels import telegram as tg
from bot.runtime import BotRuntime
from bot.web import create_web_app
from tests.channels.conftest import TG_SECRET, state_rows
from tests.fixtures.fake_botapi import FakeBotApi

USER = 5550001
_ids = itertools.count(900_000)
_mids = itertools.count(10_000)
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}


def _user(uid: int, lang: str = "vi") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Lan", "language_code": lang}


def message(
    text: str | None = None, uid: int = USER, chat: int | None = None, **fields: Any
) -> dict[str, Any]:
    """A Telegram message update (private chat unless ``chat`` is a group id)."""
    chat_id = uid if chat is None else chat
    chat_obj = {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "G"}
    msg: dict[str, Any] = {
        "message_id": next(_mids),
        "date": int(time.time()),
        "chat": chat_obj,
        "from": _user(uid),
        **fields,
    }
    if text is not None:
        msg["text"] = text
    return {"update_id": next(_ids), "message": msg}


def press(data: str, uid: int = USER) -> dict[str, Any]:
    """A callback_query update (a button pressed under an earlier bot message)."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq{next(_ids)}",
            "from": _user(uid),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": uid, "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
                "text": "menu",
            },
        },
    }


@pytest.fixture
def web(channel_rt: BotRuntime) -> Iterator[TestClient]:
    """The whole web app with the Telegram channel on."""
    with TestClient(create_web_app(channel_rt)) as c:
        yield c


def post(web: TestClient, update: dict[str, Any]) -> None:
    r = web.post("/webhooks/telegram", json=update, headers=HEADERS)
    assert r.status_code == 200, r.text


def test_typing_when_slow(
    web: TestClient, fake_botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A turn still running after TYPING_AFTER seconds shows "typing…" first."""
    monkeypatch.setattr(tg, "TYPING_AFTER", 0.0)
    post(web, message("/start"))
    [action] = fake_botapi.wait_for_calls("sendChatAction", 1)
    assert action.params["action"] == "typing"


def test_full_conversation(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    t = channel_rt.catalog.t
    post(web, message("/start"))
    [welcome] = fake_botapi.sent_messages(USER)
    assert welcome.params["text"] == t("vi", "menu.welcome")
    assert "parse_mode" not in welcome.params  # plain text: hostile quotes need no escaping
    rows = welcome.params["reply_markup"]["inline_keyboard"]
    payloads = [b["callback_data"] for row in rows for b in row]
    assert "/khancap" in payloads
    assert "/baotin" in payloads
    # A fast turn shows no "typing…" (see test_typing_when_slow).
    assert fake_botapi.calls("sendChatAction") == []

    post(web, press("/khancap"))
    assert fake_botapi.calls("answerCallbackQuery")
    texts = fake_botapi.sent_texts(USER)
    assert "113" in texts[1]

    post(web, message("xin chao"))
    assert fake_botapi.sent_texts(USER)[-1] == t("vi", "core.smalltalk.greet")
    assert state_rows(channel_rt) == 1


def test_duplicate_update_answered_once(web: TestClient, fake_botapi: FakeBotApi) -> None:
    update = message("/start")
    post(web, update)
    post(web, update)
    assert len(fake_botapi.sent_messages(USER)) == 1
    sticker = message(
        sticker={
            "file_id": "s",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    )
    post(web, sticker)
    post(web, sticker)
    assert len(fake_botapi.sent_messages(USER)) == 2


def test_retry_after_429(web: TestClient, fake_botapi: FakeBotApi) -> None:
    fake_botapi.fail_next("sendMessage", 429, retry_after=1)
    started = time.monotonic()
    post(web, message("/menu"))
    assert time.monotonic() - started >= 1.0  # retry_after honoured
    attempts = fake_botapi.calls("sendMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert len(fake_botapi.sent_messages(USER)) == 1


def test_blocked_user_marked(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    seen: list[tuple[str, str]] = []
    channel_rt.blocked_hooks.append(lambda rt, channel, key: seen.append((channel, key)))
    post(web, message("/start"))
    fake_botapi.block_chat(USER)
    post(web, message("/menu"))
    assert seen == [("telegram", channel_rt.hotline.pseudonyms.key("telegram", USER))]
    from bot.channels import memory

    assert memory.bucket(memory.read(channel_rt, "telegram", USER)).get("blocked")


def test_group_chat_answered_once_per_command(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    group = -100200300
    post(web, message("/start", chat=group))
    post(web, message("chuyện gì đó", chat=group))
    assert fake_botapi.sent_texts(group) == [channel_rt.catalog.t("vi", "core.group_chat")]
    assert state_rows(channel_rt) == 0  # nothing stored about group members


def test_hostile_inputs_never_5xx(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    post(web, message("a" * 1_000_000))
    post(web, message("xin\x00 chào \u202eevil\u202c"))
    post(web, message(voice={"file_id": "v", "file_unique_id": "vu", "duration": 2}))
    edited = message("sửa")
    edited["edited_message"] = edited.pop("message")
    post(web, edited)
    post(web, {"update_id": next(_ids), "some_future_update": {"x": 1}})
    texts = fake_botapi.sent_texts(USER)
    assert channel_rt.catalog.t("vi", "core.too_long") in texts
    assert channel_rt.catalog.t("vi", "core.unsupported_message") in texts
    assert all(len(x) <= 4096 for x in texts)
    for body in (b"{", b"[]", b"null", b'{"update_id": "x"}', b'{"update_id": 1, "message": 5}'):
        r = web.post("/webhooks/telegram", content=body, headers=HEADERS)
        assert 400 <= r.status_code < 500, (body, r.status_code)


def test_photo_downloaded_and_capped(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    fake_botapi.add_file("small", b"\xff\xd8jpeg", "photos/small.jpg")
    sizes = [
        {"file_id": "tiny", "file_unique_id": "t", "width": 90, "height": 90, "file_size": 10},
        {"file_id": "small", "file_unique_id": "s", "width": 800, "height": 800, "file_size": 6},
    ]
    post(web, message(photo=sizes, caption="ảnh tin tuyển dụng"))
    assert [c.params["file_id"] for c in fake_botapi.calls("getFile")] == ["small"]
    assert fake_botapi.calls("file")[0].status == 200
    huge = [
        {
            "file_id": "big",
            "file_unique_id": "b",
            "width": 4000,
            "height": 4000,
            "file_size": 11 * 1024 * 1024,
        }
    ]
    post(web, message(photo=huge))
    assert fake_botapi.sent_texts(USER)[-1] == channel_rt.catalog.t(
        "vi", "channels.photo_too_large"
    )


def test_forget_deletes_bot_messages(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    post(web, message("/start"))
    post(web, message("/xoa"))
    confirm = fake_botapi.sent_messages(USER)[-1]
    assert any(
        b["callback_data"] == "forget:yes"
        for row in confirm.params["reply_markup"]["inline_keyboard"]
        for b in row
    )
    before = [c.response["result"]["message_id"] for c in fake_botapi.sent_messages(USER)]
    # Sent ids are written in batches a few ms after sending; a person cannot tap "yes"
    # that fast, this test can: wait until they are stored, as they would be by then.
    deadline = time.monotonic() + 5
    while len(_sent_rows(channel_rt)) < len(before) and time.monotonic() < deadline:
        time.sleep(0.02)
    post(web, press("forget:yes"))
    [deleted] = fake_botapi.calls("deleteMessages")
    assert set(before) <= set(deleted.params["message_ids"])
    assert all(fake_botapi.message(USER, m) is None for m in before)
    assert fake_botapi.sent_texts(USER)[-1] == channel_rt.catalog.t("vi", "forget.done")
    assert state_rows(channel_rt) == 0  # nothing about the chat is left behind


def _sent_rows(rt: BotRuntime) -> list[tuple[str, int, Any]]:
    from sqlalchemy import select

    from hotline.conversations.models import SentMessage

    with rt.hotline.sessions() as session:
        rows = session.execute(
            select(SentMessage.key, SentMessage.message_id, SentMessage.sent_hour)
        )
        return [tuple(r) for r in rows]


def _wait_rows(rt: BotRuntime, n: int) -> list[tuple[str, int, Any]]:
    deadline = time.monotonic() + 5
    while len(rows := _sent_rows(rt)) < n:
        assert time.monotonic() < deadline, rows
        time.sleep(0.02)
    return rows


def test_message_ids_kept_apart_hour_stamped_and_erased_by_xoa(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    first = message("/start")
    post(web, first)
    post(web, message("/menu"))
    bot_ids = [c.response["result"]["message_id"] for c in fake_botapi.sent_messages(USER)]
    # Written shortly after the replies, in the background: the bot's and the user's own.
    rows = _wait_rows(channel_rt, len(bot_ids) + 2)
    assert {r[1] for r in rows} >= {*bot_ids, first["message"]["message_id"]}
    key = channel_rt.hotline.pseudonyms.key("telegram", USER)
    assert {r[0] for r in rows} == {key}  # the pseudonym, never the chat id
    assert all(r[2].minute == r[2].second == 0 for r in rows)  # the hour only
    # The encrypted state no longer carries them.
    from bot.channels import memory

    assert "sent" not in memory.read(channel_rt, "telegram", USER).get("_channel", {})
    post(web, message("/xoa"))
    post(web, press("forget:yes"))
    # The deletion may still be on its way when the webhook has answered (a busy machine).
    deadline = time.monotonic() + 5
    while not fake_botapi.calls("deleteMessages") and time.monotonic() < deadline:
        time.sleep(0.02)
    [deleted] = fake_botapi.calls("deleteMessages")
    assert set(bot_ids) | {first["message"]["message_id"]} <= set(deleted.params["message_ids"])
    time.sleep(0.1)  # nothing queued may land after the erase
    assert _sent_rows(channel_rt) == []
    assert state_rows(channel_rt) == 0


async def test_forget_also_takes_ids_a_batch_wrote_while_the_turn_ran(
    channel_rt: BotRuntime,
) -> None:
    """/xoa's own read of the ids can miss a batch that commits just after it: not lost."""
    from bot.channels.sent_log import SentLog

    log = SentLog(channel_rt)
    key = channel_rt.hotline.pseudonyms.key("telegram", USER)
    other = channel_rt.hotline.pseudonyms.key("telegram", USER + 1)
    log.add(key, [11, 12])
    log.add(other, [99])
    await log.flush()  # committed after the turn's take_sent
    log.add(key, [13])  # still queued
    assert await log.forget(key) == [11, 12, 13]
    await asyncio.sleep(0.05)  # the queued batch's timer finds nothing of key's
    assert [(r[0], r[1]) for r in _sent_rows(channel_rt)] == [(other, 99)]
    await log.close()


def test_submitted_tip_leaves_no_message_ids(
    web: TestClient, fake_botapi: FakeBotApi, channel_rt: BotRuntime
) -> None:
    """A finished tip erases the chat's rows; the receipt's own id is never recorded."""
    post(web, message("/start"))
    _wait_rows(channel_rt, 2)
    post(web, message("/baotin"))
    post(web, message("Có người dụ lao động sang Campuchia làm việc nhẹ lương cao"))
    for _ in range(14):
        markup = fake_botapi.sent_messages(USER)[-1].params.get("reply_markup") or {}
        if "tip:send" in [b["callback_data"] for row in markup["inline_keyboard"] for b in row]:
            break
        post(web, press("tip:skip"))
    post(web, press("tip:send"))
    assert state_rows(channel_rt) == 0, fake_botapi.sent_texts(USER)[-3:]
    time.sleep(0.1)
    assert _sent_rows(channel_rt) == []


def test_long_text_split_and_long_payload_mapped() -> None:
    parts = tg.split_for_telegram(("Cảnh giác. " * 1000) + "😀" * 3000)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    long = "/theodoi " + "A" * 100
    data = tg.callback_data(long)
    assert len(data.encode()) <= 64
    assert data.startswith("h:")
    assert tg.callback_data("/menu") == "/menu"


async def test_long_polling(channel_rt: BotRuntime, fake_botapi: FakeBotApi) -> None:
    app = tg.build_application(channel_rt, polling=True)
    fake_botapi.push_update(message("/start"))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        await asyncio.to_thread(fake_botapi.wait_for_calls, "sendMessage", 1, 10)
        await app.updater.stop()
        await app.stop()
    assert fake_botapi.sent_texts(USER) == [channel_rt.catalog.t("vi", "menu.welcome")]


async def test_set_commands(channel_rt: BotRuntime, fake_botapi: FakeBotApi) -> None:
    app = tg.build_application(channel_rt)
    async with app:
        await tg.set_commands(app.bot, channel_rt)
    vi = fake_botapi.commands()
    en = fake_botapi.commands(language_code="en")
    assert [c["command"] for c in vi] == list(tg.COMMANDS)
    assert vi[0]["description"] == channel_rt.catalog.t("vi", "channels.commands.start")
    assert en[0]["description"] == channel_rt.catalog.t("en", "channels.commands.start")


def test_follow_up_on_telegram_records_nothing_under_the_chat(
    channel_rt: BotRuntime, fake_botapi: FakeBotApi
) -> None:
    """No state write and no message ids during /theodoi (issue 18): only the chat holds them."""
    from sqlalchemy import select

    from hotline.conversations.models import ConversationState, SentMessage
    from hotline.db.session import unit_of_work
    from hotline.tips import service
    from tests.tips.test_service import draft

    uid = USER + 77
    key = channel_rt.hotline.pseudonyms.key("telegram", uid)
    with unit_of_work(channel_rt.hotline.sessions) as s:
        tip, code = service.submit_tip(s, channel_rt.hotline, draft())
        service.add_hotline_message(s, channel_rt.hotline.cipher, tip, "op1", "Xe biển số mấy?")
    with TestClient(create_web_app(channel_rt)) as web:
        post(web, message("/start", uid=uid))
    with unit_of_work(channel_rt.hotline.sessions) as s:
        row = s.get(ConversationState, key)
        before = (row.updated_at, row.state_enc)
        known = set(s.scalars(select(SentMessage.message_id).where(SentMessage.key == key)))
    assert known  # ordinary turns are recorded (for /xoa)
    sent_before = len(fake_botapi.sent_messages(uid))
    with TestClient(create_web_app(channel_rt)) as web:
        post(web, message(f"/theodoi {code}", uid=uid))
        post(web, press("fu:reply", uid=uid))
        post(web, message("Biển 12A-345.67", uid=uid))
        post(web, press("fu:done", uid=uid))
    texts = [c.params.get("text", "") for c in fake_botapi.sent_messages(uid)[sent_before:]]
    assert any("Xe biển số mấy?" in t for t in texts)
    with unit_of_work(channel_rt.hotline.sessions) as s:
        row = s.get(ConversationState, key)
        assert (row.updated_at, row.state_enc) == before
        ids = set(s.scalars(select(SentMessage.message_id).where(SentMessage.key == key)))
        assert ids == known  # the follow-up's messages were not recorded
        assert [e.text for e in service.thread(s, channel_rt.hotline.cipher, tip)][-1] == (
            "Biển 12A-345.67"
        )

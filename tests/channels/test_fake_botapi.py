"""The fake Bot API server, driven by the real python-telegram-bot 22 client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from tests.fixtures.fake_botapi import FakeBotApi, fake_botapi  # noqa: F401

TOKEN = "123456:TEST-token_abc"
CHAT = 4242


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # opt in to PTB's future RetryAfter type


@pytest.fixture
async def bot(fake_botapi: FakeBotApi) -> AsyncIterator[Bot]:  # noqa: F811
    b = Bot(TOKEN, base_url=fake_botapi.base_url, base_file_url=fake_botapi.base_file_url)
    async with b:  # initialize() calls getMe against the fake
        yield b


def test_urls(fake_botapi: FakeBotApi) -> None:  # noqa: F811
    root = fake_botapi.root_url
    assert root.startswith("http://127.0.0.1:")
    assert fake_botapi.base_url == root + "/bot"
    assert fake_botapi.base_file_url == root + "/file/bot"
    assert fake_botapi.method_url("1:a", "getMe") == root + "/bot1:a/getMe"


async def test_get_me(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "canhgiac_test_bot"
    calls = fake_botapi.calls("getMe")
    assert calls
    assert calls[-1].token == TOKEN
    assert calls[-1].ok


async def test_send_message_with_inline_keyboard(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Báo tin", callback_data="/baotin")]],
    )
    m1 = await bot.send_message(CHAT, "Xin chào 🇻🇳 — Cảnh Giác", reply_markup=markup)
    m2 = await bot.send_message(CHAT, "lần hai")
    assert m1.text == "Xin chào 🇻🇳 — Cảnh Giác"
    assert m1.chat.id == CHAT
    assert m1.from_user is not None
    assert m1.from_user.is_bot
    assert m2.message_id == m1.message_id + 1
    assert m1.reply_markup == markup  # echoed back like Telegram does for inline keyboards
    call = fake_botapi.calls("sendMessage")[0]
    assert call.params["chat_id"] == CHAT  # form values are JSON-decoded
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Báo tin", "callback_data": "/baotin"}]]
    }
    assert fake_botapi.sent_texts(CHAT) == ["Xin chào 🇻🇳 — Cảnh Giác", "lần hai"]
    assert fake_botapi.sent_texts(str(CHAT)) == fake_botapi.sent_texts(CHAT)
    assert fake_botapi.sent_texts(1) == []


async def test_text_that_looks_like_json_stays_a_string(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    await bot.send_message(CHAT, "123")
    await bot.send_message(CHAT, "true")
    assert fake_botapi.sent_texts() == ["123", "true"]


async def test_edit_and_answer_callback(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    msg = await bot.send_message(CHAT, "một")
    edited = await bot.edit_message_text("hai", chat_id=CHAT, message_id=msg.message_id)
    assert not isinstance(edited, bool)
    assert edited.text == "hai"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("hai", chat_id=CHAT, message_id=msg.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("ba", chat_id=CHAT, message_id=9999)
    assert await bot.answer_callback_query("cbq-1", text="OK")
    assert await bot.send_chat_action(CHAT, "typing")


async def test_get_updates_long_poll(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.push_update(
        {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "An"},
                "text": "/start",
            }
        }
    )
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    first_id = updates[0].update_id

    # Not confirmed yet: delivered again; confirmed via offset: gone.
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first_id]
    started = time.monotonic()
    empty = await bot.get_updates(offset=first_id + 1, timeout=1)
    assert empty == ()
    assert time.monotonic() - started >= 0.8  # it really long-polled

    # An update pushed while a poll is waiting wakes the poll.
    async def push_later() -> None:
        await asyncio.sleep(0.3)
        fake_botapi.push_update(
            {
                "message": {
                    "message_id": 2,
                    "date": 0,
                    "chat": {"id": CHAT, "type": "private"},
                    "text": "hi",
                }
            }
        )

    task = asyncio.create_task(push_later())
    started = time.monotonic()
    woke = await bot.get_updates(offset=first_id + 1, timeout=5)
    await task
    assert [u.update_id for u in woke] == [first_id + 1]
    assert time.monotonic() - started < 3


async def test_get_file_and_download(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    content = bytes(range(256)) * 10
    fake_botapi.add_file("FILE-1", content, "photos/file_1.jpg")
    f = await bot.get_file("FILE-1")
    assert f.file_path == f"{fake_botapi.base_file_url}{TOKEN}/photos/file_1.jpg"
    assert f.file_size == len(content)
    data = await f.download_as_bytearray()
    assert bytes(data) == content
    with pytest.raises(BadRequest):
        await bot.get_file("nope")


async def test_send_photo_upload_roundtrip(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    payload = b"\x89PNG fake image bytes"
    msg = await bot.send_photo(CHAT, payload, caption="ảnh")
    assert msg.caption == "ảnh"
    assert msg.photo
    call = fake_botapi.calls("sendPhoto")[0]
    assert call.files["photo"] == payload  # multipart upload parsed
    assert call.params["caption"] == "ảnh"
    f = await bot.get_file(msg.photo[-1].file_id)
    assert bytes(await f.download_as_bytearray()) == payload


async def test_retry_after(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "x")
    assert _seconds(info.value.retry_after) == 7
    call = fake_botapi.calls("sendMessage")[0]
    assert call.status == 429
    assert call.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await bot.send_message(CHAT, "y")  # count=1: the next one passes
    assert fake_botapi.sent_texts(CHAT) == ["y"]


async def test_forbidden_and_block_chat(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.fail_next("sendMessage", 403)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(CHAT, "x")
    fake_botapi.block_chat(CHAT)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT + 1, "other chat is fine")
    fake_botapi.unblock_chat(CHAT)
    await bot.send_message(CHAT, "back")
    assert fake_botapi.sent_texts() == ["other chat is fine", "back"]


async def test_server_error(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.fail_next("sendMessage", 500, count=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(CHAT, "x")
    fake_botapi.fail_next("*", 502)
    with pytest.raises(TelegramError):
        await bot.send_chat_action(CHAT, "typing")
    await bot.send_message(CHAT, "ok")


async def test_delete_messages(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    ids = [(await bot.send_message(CHAT, f"m{i}")).message_id for i in range(3)]
    assert await bot.delete_messages(CHAT, ids[:2])
    assert fake_botapi.message(CHAT, ids[0]) is None
    assert fake_botapi.message(CHAT, ids[2]) is not None
    assert fake_botapi.calls("deleteMessages")[0].params["message_ids"] == ids[:2]
    assert await bot.delete_message(CHAT, ids[2])
    with pytest.raises(BadRequest):
        await bot.delete_message(CHAT, ids[2])


async def test_set_my_commands(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    cmds = [BotCommand("start", "Menu chính"), BotCommand("baotin", "Báo tin ẩn danh")]
    assert await bot.set_my_commands(cmds)
    assert await bot.set_my_commands([BotCommand("start", "Main menu")], language_code="en")
    got = await bot.get_my_commands()
    assert [c.command for c in got] == ["start", "baotin"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Main menu"]
    assert fake_botapi.commands()[1] == {"command": "baotin", "description": "Báo tin ẩn danh"}


async def test_webhook_roundtrip(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    assert await bot.set_webhook("https://example.org/webhooks/telegram", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/webhooks/telegram"
    assert fake_botapi.webhook(TOKEN)["secret_token"] == "s3cret"
    with pytest.raises(TelegramError):  # Conflict while a webhook is set
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()
    assert await bot.log_out()
    assert await bot.close()


async def test_rate_policy_counts_violations(bot: Bot, fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.max_per_chat_per_second = 1
    await bot.send_message(CHAT, "1")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "2")
    assert _seconds(info.value.retry_after) >= 1
    assert fake_botapi.violations == 1
    await bot.send_message(CHAT + 1, "another chat")  # per-chat, not global
    await asyncio.sleep(1.0)
    await bot.send_message(CHAT, "3")
    assert fake_botapi.violations == 1

    fake_botapi.reset()  # limits survive reset(), counters do not
    assert fake_botapi.violations == 0
    fake_botapi.max_per_chat_per_second = None
    fake_botapi.max_per_second = 3
    results = await asyncio.gather(
        *(bot.send_message(1000 + i, "x") for i in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 2
    assert fake_botapi.violations == 2


async def test_raw_http_shapes(fake_botapi: FakeBotApi) -> None:  # noqa: F811
    url = fake_botapi.method_url(TOKEN, "sendMessage")
    async with httpx.AsyncClient() as client:
        r = await client.post(url, json={"chat_id": "@chan", "text": "json body"})
        assert r.status_code == 200
        assert r.json()["result"]["chat"]["type"] == "channel"
        r = await client.get(url, params={"chat_id": "5", "text": "query string"})
        assert r.json()["ok"] is True
        r = await client.post(fake_botapi.method_url(TOKEN, "noSuchMethod"), json={})
        assert r.status_code == 404
        r = await client.post(url, json={"chat_id": 5, "text": "x" * 4097})
        assert r.status_code == 400
        r = await client.get(f"{fake_botapi.root_url}/file/bot{TOKEN}/missing")
        assert r.status_code == 404
    assert fake_botapi.calls("sendmessage")[1].http_method == "GET"
    assert fake_botapi.sent_texts(5) == ["query string"]
    assert fake_botapi.sent_texts("@chan") == ["json body"]


async def test_valid_tokens(fake_botapi: FakeBotApi) -> None:  # noqa: F811
    fake_botapi.valid_tokens = {TOKEN}
    b = Bot("999:wrong", base_url=fake_botapi.base_url)
    with pytest.raises(TelegramError):
        await b.get_me()


def test_wait_for_calls_and_stop_wakes_poll() -> None:
    api = FakeBotApi().start()
    try:
        url = api.method_url(TOKEN, "sendMessage")
        httpx.post(url, json={"chat_id": 1, "text": "a"})
        assert len(api.wait_for_calls("sendMessage", 1, timeout=1)) == 1
        with pytest.raises(TimeoutError):
            api.wait_for_calls("sendMessage", 2, timeout=0.2)
    finally:
        started = time.monotonic()
        api.stop()
        assert time.monotonic() - started < 3


async def test_ptb_application_polling_roundtrip(fake_botapi: FakeBotApi) -> None:  # noqa: F811
    from telegram import Update
    from telegram.ext import Application, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "Menu chính")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(fake_botapi.base_url)
        .base_file_url(fake_botapi.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    fake_botapi.push_update(
        {
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": CHAT, "type": "private"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "An"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        for _ in range(100):
            if fake_botapi.sent_texts(CHAT):
                break
            await asyncio.sleep(0.05)
        await app.updater.stop()
        await app.stop()
    assert fake_botapi.sent_texts(CHAT) == ["Menu chính"]
    assert fake_botapi.calls("deleteWebhook")  # PTB clears the webhook before polling
    assert fake_botapi.pending_updates() == []  # confirmed via offset on shutdown

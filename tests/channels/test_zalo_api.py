"""ZaloBotApi against the fake server, split_text, and the defensive update parser."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.text import split_text
from bot.channels.zalo_api import (
    MAX_TEXT_LENGTH,
    ZaloApiError,
    ZaloBotApi,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRetryAfter,
)
from bot.channels.zalo_updates import ZaloUpdate, parse_update, parse_updates
from tests.fixtures.fake_botapi import FakeBotApi, fake_zaloapi  # noqa: F401

TOKEN = "1459232241454765289:zalo-TEST-token"
CHAT = "e4ea2cd5189df1c3a88c"

TEXT_UPDATE: dict[str, Any] = {
    "event_name": "message.text.received",
    "message": {
        "chat": {"id": CHAT, "chat_type": "PRIVATE"},
        "text": "Xin chào",
        "message_id": "16f6366b3f02645a3d15",
        "date": 1766619597466,
        "from": {"id": CHAT, "display_name": "Nguyen Van A", "is_bot": False},
    },
}
IMAGE_UPDATE: dict[str, Any] = {
    "event_name": "message.image.received",
    "message": {
        "chat": {"id": CHAT, "chat_type": "PRIVATE"},
        "photo": "https://zalo.example/photo.jpg",
        "caption": "ảnh tin tuyển dụng",
        "message_id": "abc",
        "date": 1766619597,
        "from": {"id": CHAT},
    },
}


@pytest.fixture
async def zalo(fake_zaloapi: FakeBotApi) -> AsyncIterator[ZaloBotApi]:  # noqa: F811
    async with ZaloBotApi(TOKEN, base_url=fake_zaloapi.root_url, timeout=5) as api:
        yield api


# ---------------------------------------------------------------------- client vs fake


async def test_get_me_and_webhook(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    me = await zalo.get_me()
    assert me["account_name"].startswith("bot.")
    hook = await zalo.set_webhook("https://example.org/webhooks/zalo", "secret-123")
    assert hook["url"] == "https://example.org/webhooks/zalo"
    assert fake_zaloapi.webhook(TOKEN)["secret_token"] == "secret-123"
    assert (await zalo.get_webhook_info())["url"] == "https://example.org/webhooks/zalo"
    with pytest.raises(ValueError, match="8-256"):
        await zalo.set_webhook("https://example.org", "short")
    await zalo.delete_webhook()
    assert fake_zaloapi.webhook(TOKEN) == {}
    assert TOKEN not in repr(zalo)


async def test_send_message(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    results = await zalo.send_message(CHAT, "Xin chào bạn")
    assert len(results) == 1
    assert isinstance(results[0]["message_id"], str)
    call = fake_zaloapi.calls("sendMessage")[0]
    assert call.params == {"chat_id": CHAT, "text": "Xin chào bạn"}
    assert fake_zaloapi.sent_texts(CHAT) == ["Xin chào bạn"]
    with pytest.raises(ValueError, match="empty"):
        await zalo.send_message(CHAT, "   ")


async def test_send_long_message_is_split(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    para = "Cảnh giác với lời mời việc nhẹ lương cao ở nước ngoài. " * 30
    text = "\n\n".join([para.strip()] * 4)  # ~6.8k chars
    results = await zalo.send_message(CHAT, text)
    sent = fake_zaloapi.sent_texts(CHAT)
    assert len(results) == len(sent) >= 4
    assert all(0 < len(p) <= MAX_TEXT_LENGTH for p in sent)
    assert " ".join(sent).split() == text.split()  # no word lost or broken


async def test_send_photo_and_chat_action(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    await zalo.send_photo(CHAT, "https://example.org/a.jpg", caption="chú thích")
    call = fake_zaloapi.calls("sendPhoto")[0]
    assert call.params["photo"] == "https://example.org/a.jpg"
    assert call.params["caption"] == "chú thích"
    await zalo.send_photo(CHAT, b"\xff\xd8 jpeg bytes")
    assert fake_zaloapi.calls("sendPhoto")[1].files["photo"] == b"\xff\xd8 jpeg bytes"
    await zalo.send_photo(CHAT, "https://example.org/b.jpg", caption="dài " * 900)
    assert len(fake_zaloapi.calls("sendPhoto")[2].params["caption"]) <= MAX_TEXT_LENGTH
    assert fake_zaloapi.sent_texts(CHAT)  # the rest of the caption followed as text
    assert await zalo.send_chat_action(CHAT, "typing") is True


async def test_retry_after(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    fake_zaloapi.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(ZaloRetryAfter) as info:
        await zalo.send_message(CHAT, "x")
    assert info.value.seconds == 3
    assert info.value.status == 429
    assert isinstance(info.value, ZaloApiError)


async def test_forbidden(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    fake_zaloapi.block_chat(CHAT)
    with pytest.raises(ZaloForbidden):
        await zalo.send_message(CHAT, "x")
    with pytest.raises(ZaloForbidden):
        await zalo.send_chat_action(CHAT, "typing")
    fake_zaloapi.fail_next("sendMessage", 500)
    with pytest.raises(ZaloApiError) as info:
        await zalo.send_message("other", "x")
    assert info.value.status == 500
    assert not isinstance(info.value, ZaloForbidden | ZaloRetryAfter)


async def test_rate_limit_respected_by_sequential_sender(
    zalo: ZaloBotApi,
    fake_zaloapi: FakeBotApi,  # noqa: F811
) -> None:
    fake_zaloapi.max_per_chat_per_second = 1
    await zalo.send_message(CHAT, "1")
    with pytest.raises(ZaloRetryAfter) as info:
        await zalo.send_message(CHAT, "2")
    assert info.value.seconds >= 1
    assert fake_zaloapi.violations == 1


async def test_get_updates(zalo: ZaloBotApi, fake_zaloapi: FakeBotApi) -> None:  # noqa: F811
    assert await zalo.get_updates(timeout=0) == []  # Zalo's 408 "Request timeout" -> []
    fake_zaloapi.push_update(TEXT_UPDATE)
    fake_zaloapi.push_update(IMAGE_UPDATE)
    first = await zalo.get_updates(timeout=1)  # Zalo answers one object per call
    second = await zalo.get_updates(timeout=1)
    assert [u.event_name for u in first + second] == [
        "message.text.received",
        "message.image.received",
    ]
    assert first[0].text == "Xin chào"

    fake_zaloapi.zalo_batch_updates = True  # a list-shaped result is accepted too
    fake_zaloapi.push_update(TEXT_UPDATE)
    fake_zaloapi.push_update(IMAGE_UPDATE)
    assert len(await zalo.get_updates(timeout=1)) == 2

    async def push_later() -> None:
        await asyncio.sleep(0.3)
        fake_zaloapi.push_update(TEXT_UPDATE)

    task = asyncio.create_task(push_later())
    woke = await zalo.get_updates(timeout=5)
    await task
    assert [u.chat_id for u in woke] == [CHAT]


async def test_network_error_hides_token() -> None:
    api = ZaloBotApi(TOKEN, base_url="http://127.0.0.1:9", timeout=2)  # discard port
    try:
        with pytest.raises(ZaloNetworkError) as info:
            await api.get_me()
        assert TOKEN not in str(info.value)
    finally:
        await api.aclose()


async def test_non_json_and_ok_false_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/getMe"):
            return httpx.Response(502, text="<html>bad gateway</html>")
        if request.url.path.endswith("/sendMessage"):
            # HTTP 200 but ok=false: the body's error_code wins
            return httpx.Response(
                200,
                json={"ok": False, "error_code": 429, "description": "slow down"},
                headers={"Retry-After": "4"},
            )
        return httpx.Response(
            200, json={"ok": False, "error_code": 403, "description": "user blocked the bot"}
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    api = ZaloBotApi(TOKEN, base_url="http://zalo.test", client=client)
    with pytest.raises(ZaloApiError) as info:
        await api.get_me()
    assert info.value.status == 502
    with pytest.raises(ZaloRetryAfter) as retry:
        await api.send_message(CHAT, "x")
    assert retry.value.seconds == 4
    with pytest.raises(ZaloForbidden):
        await api.send_chat_action(CHAT)
    await client.aclose()


# ---------------------------------------------------------------------- split_text


def test_split_short_text_untouched() -> None:
    assert split_text("Xin chào", MAX_TEXT_LENGTH) == ["Xin chào"]
    assert split_text("   ", MAX_TEXT_LENGTH) == []


def test_split_prefers_paragraphs_then_sentences() -> None:
    a = "A" * 30 + " câu một. " + "b" * 20
    b = "Đoạn hai. Có hai câu."
    parts = split_text(a + "\n\n" + b, limit=70)
    assert parts == [a, b]
    text = "Câu thứ nhất khá dài đấy. Câu thứ hai cũng dài. Câu ba."
    assert split_text(text, limit=30) == [
        "Câu thứ nhất khá dài đấy.",
        "Câu thứ hai cũng dài. Câu ba.",
    ]


def test_split_never_breaks_words_when_avoidable() -> None:
    words = ["nguyễn", "thị", "hường", "đường", "dây", "nóng", "111"] * 200
    text = " ".join(words)
    parts = split_text(text, limit=97)
    assert all(len(p) <= 97 for p in parts)
    assert [w for p in parts for w in p.split()] == words


def test_split_hard_cut_keeps_nfc_and_combining_marks() -> None:
    decomposed = unicodedata.normalize("NFD", "ườ" * 50)  # no spaces at all
    parts = split_text(decomposed, limit=7)
    assert all(unicodedata.is_normalized("NFC", p) for p in parts)
    assert "".join(parts) == unicodedata.normalize("NFC", decomposed)
    odd = "a" + "\u0301\u0302\u0303" * 3  # base + 9 marks that do not compose fully
    parts = split_text(odd * 3, limit=5)
    assert "".join(parts) == unicodedata.normalize("NFC", odd * 3)
    assert all(len(p) <= 5 for p in parts)


@given(st.text(max_size=600), st.integers(min_value=1, max_value=80))
@settings(max_examples=300, deadline=None)
def test_split_property(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert all(unicodedata.is_normalized("NFC", p) for p in parts)
    joined = "".join("".join(p.split()) for p in parts)
    assert joined == "".join(unicodedata.normalize("NFC", text).split())


# ---------------------------------------------------------------------- parse_update


def test_parse_text_update() -> None:
    u = parse_update(TEXT_UPDATE)
    assert u == ZaloUpdate(
        event_name="message.text.received",
        message_id="16f6366b3f02645a3d15",
        chat_id=CHAT,
        chat_type="PRIVATE",
        user_id=CHAT,
        text="Xin chào",
        photo_url=None,
        date=datetime.fromtimestamp(1766619597.466, tz=UTC),
    )
    # The same, as a raw webhook body and wrapped like a getUpdates answer.
    assert parse_update(json.dumps(TEXT_UPDATE).encode()) == u
    assert parse_update({"ok": True, "result": TEXT_UPDATE}) == u
    assert parse_update({"ok": True, "result": [TEXT_UPDATE]}) == u
    assert parse_updates({"ok": True, "result": [TEXT_UPDATE, 5, IMAGE_UPDATE]}) == [
        u,
        parse_update(IMAGE_UPDATE),
    ]


def test_parse_image_and_sticker_and_unknown() -> None:
    img = parse_update(IMAGE_UPDATE)
    assert img is not None
    assert img.event_name == "message.image.received"
    assert img.photo_url == "https://zalo.example/photo.jpg"
    assert img.text == "ảnh tin tuyển dụng"
    assert img.date == datetime.fromtimestamp(1766619597, tz=UTC)  # seconds also accepted

    sticker = parse_update(
        {
            "event_name": "message.sticker.received",
            "message": {"sticker": "d063f44dc80821567819", "chat": {"id": 7}},
        }
    )
    assert sticker is not None
    assert sticker.text is None
    assert sticker.chat_id == "7"  # ints become strings

    unknown = parse_update({"event_name": "user.joined.group", "message": {"text": "hi"}})
    assert unknown is not None
    assert unknown.event_name == "user.joined.group"
    assert unknown.text is None


def test_parse_tolerates_missing_and_wrong_fields() -> None:
    u = parse_update({"event_name": "message.text.received"})
    assert u == ZaloUpdate("message.text.received", None, None, None, None, None, None, None)
    u = parse_update(
        {
            "event_name": "message.text.received",
            "message": {
                "text": 42,
                "chat": "not-a-dict",
                "from": {"id": True},
                "date": "yesterday",
                "message_id": ["x"],
            },
        }
    )
    assert u is not None
    assert (u.text, u.chat_id, u.user_id, u.date, u.message_id) == (None,) * 5
    # No event_name: inferred from the message.
    inferred = parse_update({"message": {"text": "alo", "from": {"id": "u1"}}})
    assert inferred is not None
    assert inferred.event_name == "message.text.received"
    assert inferred.chat_id == "u1"  # private chat falls back to the sender


def test_parse_cleans_text() -> None:
    nasty = "a\x00b\u202ec\u200fd\u2066e\ufeff" + unicodedata.normalize("NFD", "Đường") + "\r\n"
    u = parse_update({"event_name": "message.text.received", "message": {"text": nasty}})
    assert u is not None
    assert u.text == "abcde" + "Đường" + "\n"
    assert unicodedata.is_normalized("NFC", u.text)
    huge = parse_update({"event_name": "message.text.received", "message": {"text": "ạ" * 100_000}})
    assert huge is not None
    assert huge.text is not None
    assert len(huge.text) == 4096


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        [],
        "x",
        "",
        b"\xff\xfe",
        5,
        3.5,
        True,
        {},
        {"event_name": 5},
        {"event_name": None},
        {"event_name": ""},
        {"message": "text"},
        {"message": {}},
        {"ok": False, "error_code": 408, "description": "Request timeout"},
        {"ok": True, "result": {}},
        [[[[[[[[[[]]]]]]]]]],
        {"result": {"result": {"result": {"result": {"result": TEXT_UPDATE}}}}},
        "[" * 100_000,
        json.dumps({"a": [{"b": {"c": [None] * 3}}]}),
        object(),
    ],
)
def test_parse_garbage_returns_none(garbage: Any) -> None:
    assert parse_update(garbage) is None
    assert parse_updates(garbage) == []


def test_parse_deeply_nested_junk() -> None:
    deep: Any = TEXT_UPDATE
    for _ in range(5000):
        deep = [deep]
    assert parse_update(deep) is None  # the update is buried too deep in lists
    loop: dict[str, Any] = {"event_name": "message.text.received"}
    loop["message"] = loop  # self-referencing
    assert parse_update(loop) is not None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from(["message.text.received", "message.image.received", "PRIVATE"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                [
                    "event_name",
                    "message",
                    "result",
                    "ok",
                    "chat",
                    "from",
                    "id",
                    "text",
                    "photo",
                    "caption",
                    "date",
                    "message_id",
                    "chat_type",
                    "x",
                ]
            )
            | st.text(max_size=5),
            children,
            max_size=6,
        )
    ),
    max_leaves=40,
)


@given(json_values)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_parse_never_raises(data: Any) -> None:
    result = parse_update(data)
    assert result is None or isinstance(result, ZaloUpdate)
    if result is not None:
        assert isinstance(result.event_name, str)
        assert result.text is None or len(result.text) <= 4096
        for value in (result.chat_id, result.user_id, result.message_id, result.text):
            assert value is None or "\x00" not in value
    assert all(isinstance(u, ZaloUpdate) for u in parse_updates(data))
    parse_update(json.dumps(data, default=str))  # raw-body form too

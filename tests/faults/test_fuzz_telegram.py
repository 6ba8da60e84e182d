"""Hypothesis fuzz of the Telegram parse path: Update.de_json + the channel's own routing.

The webhook test (tests/deploy/test_fuzz_webhooks.py) proves no 5xx, but the channel's
``process`` swallows every exception by design, so a crash there would stay invisible. Here
each Update-like dict that ``telegram.Update.de_json`` accepts goes through
``TelegramChannel._route`` itself (the function ``process`` wraps): it must not raise.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.channels import telegram as tg
from bot.runtime import BotRuntime
from tests.channels.conftest import channel_rt  # noqa: F401 - fixtures by name
from tests.fixtures.fake_botapi import FakeBotApi

pytestmark = [pytest.mark.slow, pytest.mark.fault]

_ids = itertools.count(9_100_000)
ints = st.integers(-(2**53), 2**53) | st.sampled_from([0, 1, -1, 7_301_234_567, -1001234567])
texts = (
    st.text(max_size=60)
    | st.sampled_from(
        ["/start", "/menu", "/baotin", "/theodoi ABCD-EFGH-JKMN-PQRS", "/xoa", "/khancap", "/"]
    )
    | st.just("a" * 5000)
)
chat_types = st.sampled_from(["private", "group", "supergroup", "channel", "sender", "weird"])
junk = st.none() | st.booleans() | ints | st.text(max_size=10) | st.lists(ints, max_size=2)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The value, or the key absent (None entries are dropped below)."""
    return st.none() | strategy


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


users = st.builds(
    lambda uid, bot, name, lang, extra: _clean(
        {"id": uid, "is_bot": bot, "first_name": name, "language_code": lang, **extra}
    ),
    ints,
    st.booleans(),
    st.text(max_size=12),
    optional(st.sampled_from(["vi", "en", "fr", "", "zz-ZZ"])),
    st.dictionaries(st.sampled_from(["username", "last_name", "is_premium"]), junk, max_size=2),
)
chats = st.builds(
    lambda cid, kind, extra: {"id": cid, "type": kind, **extra},
    ints,
    chat_types,
    st.dictionaries(st.sampled_from(["title", "username", "first_name"]), junk, max_size=2),
)
photo_sizes = st.lists(
    st.builds(
        lambda fid, w, h, size: _clean(
            {
                "file_id": fid,
                "file_unique_id": fid + "u",
                "width": w,
                "height": h,
                "file_size": size,
            }
        ),
        st.text(min_size=1, max_size=8),
        st.integers(0, 10_000),
        st.integers(0, 10_000),
        optional(st.integers(0, 50 * 1024 * 1024)),
    ),
    max_size=3,
)
messages = st.builds(
    lambda mid, chat, sender, body, extra: _clean(
        {"message_id": mid, "date": int(time.time()), "chat": chat, "from": sender, **body, **extra}
    ),
    ints,
    chats,
    optional(users),
    st.one_of(
        st.builds(lambda t: {"text": t}, texts),
        st.builds(lambda p, c: _clean({"photo": p, "caption": c}), photo_sizes, optional(texts)),
        st.just(
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "su",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            }
        ),
        st.just({"location": {"latitude": 21.0, "longitude": 105.8}}),
        st.just({}),
    ),
    st.dictionaries(
        st.sampled_from(["edit_date", "reply_to_message", "entities"]), junk, max_size=1
    ),
)
callbacks = st.builds(
    lambda qid, sender, msg, data: _clean(
        {"id": qid, "from": sender, "chat_instance": "ci", "message": msg, "data": data}
    ),
    st.text(min_size=1, max_size=8),
    users,
    optional(messages),
    optional(
        texts
        | st.sampled_from(["tip:send", "tip:skip", "tip:resume", "menu", "quiz:answer:9", "x" * 64])
    ),
)
members = st.builds(
    lambda chat, sender, old, new: {
        "chat": chat,
        "from": sender,
        "date": int(time.time()),
        "old_chat_member": {"user": sender, "status": old},
        "new_chat_member": {"user": sender, "status": new, "until_date": 0},
    },
    chats,
    users,
    st.sampled_from(["member", "kicked", "left"]),
    st.sampled_from(["member", "kicked", "left", "administrator"]),
)
bodies = st.one_of(
    st.builds(lambda m: {"message": m}, messages),
    st.builds(lambda m: {"edited_message": m}, messages),
    st.builds(lambda m: {"channel_post": m}, messages),
    st.builds(lambda q: {"callback_query": q}, callbacks),
    st.builds(lambda m: {"my_chat_member": m}, members),
    st.dictionaries(st.text(max_size=10), junk, max_size=3),
)
updates = st.builds(
    lambda uid, body, dup: {"update_id": uid if dup else next(_ids), **body},
    st.sampled_from([1, 2, 3]),
    bodies,
    st.booleans(),
)


def test_random_updates_never_crash_the_channel(
    channel_rt: BotRuntime,  # noqa: F811
    fake_botapi: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.channels.telegram")
    loop = asyncio.new_event_loop()
    app = tg.build_application(channel_rt)
    loop.run_until_complete(app.initialize())
    channel: tg.TelegramChannel = app.bot_data["channel"]
    outcomes = {"parsed": 0, "refused": 0}
    try:

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(data=updates)
        def route(data: dict[str, Any]) -> None:
            try:
                update = Update.de_json(data, app.bot)
            except Exception:
                outcomes["refused"] += 1  # the webhook answers these 400 (malformed update)
                return
            outcomes["parsed"] += 1
            # _route, not process: process() would log and hide the very crash we look for.
            loop.run_until_complete(channel._route(update))

        route()
        # Whatever the random updates did, the channel still answers a plain private message
        # (random examples alone may, by chance, contain no answerable private text).
        sane = {
            "update_id": 987_654_321,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": 4242, "type": "private"},
                "from": {"id": 4242, "is_bot": False, "first_name": "A"},
                "text": "xin chao",
            },
        }
        loop.run_until_complete(channel._route(Update.de_json(sane, app.bot)))
    finally:
        loop.run_until_complete(app.shutdown())
        loop.close()
    assert outcomes["parsed"] > 50, outcomes
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    # The channel still answers after the fuzz: real replies through the fake Bot API.
    assert fake_botapi.sent_texts(4242)

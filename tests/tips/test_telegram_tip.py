"""A tip through Telegram and the fake Bot API: no user id, username or text in DB or logs."""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.runtime import BotRuntime
from bot.web import create_web_app
from hotline.conversations.models import ConversationState
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip
from tests.channels.conftest import TG_SECRET, channel_rt  # noqa: F401
from tests.fixtures.fake_botapi import FakeBotApi
from tests.tips.test_intake_dialog import db_bytes

UID = 7_301_234_567
USERNAME = "lan_nguyen_" + secrets.token_hex(3)
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
_ids = itertools.count(5_000_000)


def _from() -> dict[str, Any]:
    return {"id": UID, "is_bot": False, "first_name": "Lan", "username": USERNAME}


def text_update(text: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": {"id": UID, "type": "private", "username": USERNAME},
            "from": _from(),
            "text": text,
        },
    }


def press(data: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": f"cq{next(_ids)}",
            "from": _from(),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": UID, "type": "private"},
                "text": "x",
            },
        },
    }


def test_telegram_tip_leaves_no_identity(
    channel_rt: BotRuntime,  # noqa: F811
    fake_botapi: FakeBotApi,
    caplog,
    capsys,
) -> None:
    # Production levels (hotline.kit.logging.configure): libraries echoing payloads stay quiet.
    caplog.set_level(logging.DEBUG)
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn.access"):
        caplog.set_level(logging.WARNING, logger=noisy)
    marker = "TGMARK" + secrets.token_hex(6)
    with TestClient(create_web_app(channel_rt)) as web:

        def post(update: dict[str, Any]) -> None:
            r = web.post("/webhooks/telegram", json=update, headers=HEADERS)
            assert r.status_code == 200, r.text

        post(text_update("/baotin"))
        post(text_update(f"Có người tuyển lao động sang Campuchia, mã {marker}"))
        for _ in range(12):
            post(press("tip:skip"))
            last = fake_botapi.sent_messages(UID)[-1].params
            rows = (last.get("reply_markup") or {}).get("inline_keyboard", [])
            if "tip:send" in [b["callback_data"] for row in rows for b in row]:
                break
        post(press("tip:send"))
        texts = "\n".join(fake_botapi.sent_texts(UID))
        code = re.search(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}", texts).group(0)

    with unit_of_work(channel_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert tip.channel == "telegram"
        assert marker in service.decrypt_content(channel_rt.hotline.cipher, tip)["what"]
        # The chat's conversation row is gone and was not written back by the channel.
        assert s.scalar(select(func.count()).select_from(ConversationState)) == 0
    channel_rt.hotline.engine.dispose()
    raw = db_bytes(channel_rt.settings.database_url)
    logs = caplog.text + "".join(capsys.readouterr())
    for secret in (str(UID), USERNAME, marker, code, code.replace("-", "")):
        assert secret.encode() not in raw, secret
        assert secret not in logs, secret

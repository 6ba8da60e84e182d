"""Channel fixtures: a bot runtime whose Telegram and Zalo tokens point at the fake Bot API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels import outbound
from bot.runtime import BotRuntime
from hotline.config import Settings
from hotline.conversations.models import ConversationState
from hotline.runtime import HotlineRuntime
from tests.fixtures.fake_botapi import FakeBotApi

TG_TOKEN = "123456:TEST-telegram_token"
TG_SECRET = "tg-secret-0123456789"
ZALO_TOKEN = "1459232241454765289:zalo-TEST-token"
ZALO_SECRET = "zalo-secret-0123456789"


#: Test pacing: replies are not held to the production one-per-second per chat.
FAST = outbound.Limits(per_second=1000, per_chat_per_second=1000, reply_reserve=1)


def fast_pacing(hrt: HotlineRuntime, *channels: str) -> None:
    """Give a runtime fast pacers for these channels (each runtime starts with none)."""
    for name in channels:
        hrt.pacers[name] = outbound.Outbound(name, FAST)


@pytest.fixture
def real_pacing() -> None:
    """Keep the production limits (Telegram 30/s, 1/s per chat) on channel_rt."""


@pytest.fixture
def channel_rt(
    settings: Settings,
    hotline_rt: HotlineRuntime,
    nlu_engine: Any,
    fake_botapi: FakeBotApi,
    request: pytest.FixtureRequest,
) -> Iterator[BotRuntime]:
    """A bot runtime with both channels on, against one fake server (hotline_rt cleans the DB)."""
    fake_botapi.register_token(ZALO_TOKEN, "zalo")
    configured = settings.model_copy(
        update={
            "telegram_bot_token": _secret(TG_TOKEN),
            "telegram_webhook_secret": _secret(TG_SECRET),
            "telegram_api_base_url": fake_botapi.root_url,
            "zalo_bot_token": _secret(ZALO_TOKEN),
            "zalo_webhook_secret": _secret(ZALO_SECRET),
            "zalo_api_base_url": fake_botapi.root_url,
        }
    )
    hrt = HotlineRuntime.from_settings(configured)
    rt = BotRuntime.build(hrt, nlu_engine)
    rt.rng.seed(request.node.nodeid)  # the same quiz questions on every run
    if "real_pacing" not in request.fixturenames:
        fast_pacing(hrt, "telegram", "zalo")
    yield rt
    hrt.close()


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def state_rows(rt: BotRuntime) -> int:
    """How many conversation states exist."""
    with rt.hotline.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ConversationState)) or 0)
